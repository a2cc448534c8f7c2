package org.hitbank.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hitbank.base.Cents;
import org.hitbank.base.Limits;
import org.hitbank.market.Market;
import org.hitbank.market.Model.Assignment;
import org.hitbank.market.Model.AssignmentStatus;
import org.hitbank.market.Model.AssignmentWithHIT;
import org.hitbank.market.Model.Balance;
import org.hitbank.market.Model.BonusPayment;
import org.hitbank.market.Model.BonusRequest;
import org.hitbank.market.Model.HIT;
import org.hitbank.market.Model.HITSpec;
import org.hitbank.market.Model.HITStatus;
import org.hitbank.market.Model.HITTypeSpec;
import org.hitbank.market.Model.Page;

/**
 * The Requester API operations Hitbank implements, each turning a validated request body into a
 * {@link Market} call and its result into MTurk's response shape (MTURK-NOTES §3). Requests
 * arrive here only after SigV4 and model validation. Thread-safe.
 */
final class Operations {
    /** One operation: caller's requester id, this request's id, the body → the response body. */
    @FunctionalInterface
    interface Operation {
        ObjectNode run(String requesterId, String requestId, JsonNode input);
    }

    /** CreateHIT members Hitbank does not support yet; refused rather than ignored. */
    private static final List<String> UNSUPPORTED_HIT_MEMBERS = List.of("AssignmentReviewPolicy",
            "HITReviewPolicy", "HITLayoutId", "HITLayoutParameters");

    private final Market market;
    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final Map<String, Operation> operations;

    Operations(Market market, ObjectMapper mapper) {
        this.market = market;
        this.mapper = mapper;
        this.canonical = new ObjectMapper()
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        this.operations = Map.ofEntries(
                Map.entry("GetAccountBalance", this::getAccountBalance),
                Map.entry("CreateHITType", this::createHITType),
                Map.entry("CreateHIT", this::createHIT),
                Map.entry("CreateHITWithHITType", this::createHITWithHITType),
                Map.entry("GetHIT", this::getHIT),
                Map.entry("ListHITs", this::listHITs),
                Map.entry("ListReviewableHITs", this::listReviewableHITs),
                Map.entry("GetAssignment", this::getAssignment),
                Map.entry("ListAssignmentsForHIT", this::listAssignmentsForHIT),
                Map.entry("ApproveAssignment", this::approveAssignment),
                Map.entry("RejectAssignment", this::rejectAssignment),
                Map.entry("SendBonus", this::sendBonus),
                Map.entry("ListBonusPayments", this::listBonusPayments),
                Map.entry("UpdateExpirationForHIT", this::updateExpirationForHIT),
                Map.entry("DeleteHIT", this::deleteHIT),
                Map.entry("CreateAdditionalAssignmentsForHIT",
                        this::createAdditionalAssignmentsForHIT));
    }

    /** The operation of that name, or null when Hitbank does not implement it. */
    Operation find(String name) {
        return operations.get(name);
    }

    // aws mturk get-account-balance --endpoint-url http://127.0.0.1:8080
    private ObjectNode getAccountBalance(String requesterId, String requestId, JsonNode input) {
        Balance balance = market.getAccountBalance(requesterId);
        return mapper.createObjectNode()
                .put("AvailableBalance", Cents.toDollars(balance.availableCents()))
                .put("OnHoldBalance", Cents.toDollars(balance.onHoldCents()));
    }

    // aws mturk create-hit-type --title T --description D --reward 0.50
    //     --assignment-duration-in-seconds 600 --endpoint-url http://127.0.0.1:8080
    private ObjectNode createHITType(String requesterId, String requestId, JsonNode input) {
        return mapper.createObjectNode().put("HITTypeId",
                market.createHITType(requesterId, hitTypeSpec(input)));
    }

    // aws mturk create-hit --title T --description D --reward 0.50 --lifetime-in-seconds 3600
    //     --assignment-duration-in-seconds 600 --question file://q.xml --endpoint-url ...
    private ObjectNode createHIT(String requesterId, String requestId, JsonNode input) {
        HIT hit = market.createHIT(requesterId, hitTypeSpec(input), hitSpec(input), requestId);
        return mapper.createObjectNode().set("HIT", hitNode(hit));
    }

    // aws mturk create-hit-with-hit-type --hit-type-id ID --lifetime-in-seconds 3600
    //     --question file://q.xml --endpoint-url ...
    private ObjectNode createHITWithHITType(String requesterId, String requestId,
                                            JsonNode input) {
        HIT hit = market.createHITWithHITType(requesterId, input.get("HITTypeId").asText(),
                hitSpec(input), requestId);
        return mapper.createObjectNode().set("HIT", hitNode(hit));
    }

    // aws mturk get-hit --hit-id ID --endpoint-url ...
    private ObjectNode getHIT(String requesterId, String requestId, JsonNode input) {
        return mapper.createObjectNode().set("HIT",
                hitNode(market.getHIT(requesterId, input.get("HITId").asText())));
    }

    // aws mturk list-hits --endpoint-url ...
    private ObjectNode listHITs(String requesterId, String requestId, JsonNode input) {
        return pageNode(market.listHITs(requesterId, Wire.page(input)), "HITs", this::hitNode);
    }

    // aws mturk list-reviewable-hits --endpoint-url ...
    private ObjectNode listReviewableHITs(String requesterId, String requestId, JsonNode input) {
        HITStatus status = input.hasNonNull("Status")
                ? HITStatus.valueOf(input.get("Status").asText()) : HITStatus.Reviewable;
        return pageNode(market.listReviewableHITs(requesterId, Wire.text(input, "HITTypeId"),
                status, Wire.page(input)), "HITs", this::hitNode);
    }

    // aws mturk get-assignment --assignment-id ID --endpoint-url ...
    private ObjectNode getAssignment(String requesterId, String requestId, JsonNode input) {
        AssignmentWithHIT found = market.getAssignment(requesterId,
                input.get("AssignmentId").asText());
        ObjectNode out = mapper.createObjectNode();
        out.set("Assignment", assignmentNode(found.assignment()));
        out.set("HIT", hitNode(found.hit()));
        return out;
    }

    // aws mturk list-assignments-for-hit --hit-id ID --endpoint-url ...
    private ObjectNode listAssignmentsForHIT(String requesterId, String requestId,
                                             JsonNode input) {
        Set<AssignmentStatus> statuses = EnumSet.noneOf(AssignmentStatus.class);
        for (JsonNode status : input.path("AssignmentStatuses")) {
            statuses.add(AssignmentStatus.valueOf(status.asText()));
        }
        return pageNode(market.listAssignmentsForHIT(requesterId, input.get("HITId").asText(),
                statuses, Wire.page(input)), "Assignments", this::assignmentNode);
    }

    // aws mturk approve-assignment --assignment-id ID --endpoint-url ...
    private ObjectNode approveAssignment(String requesterId, String requestId, JsonNode input) {
        market.approveAssignment(requesterId, input.get("AssignmentId").asText(),
                Wire.text(input, "RequesterFeedback"),
                input.path("OverrideRejection").asBoolean(false));
        return mapper.createObjectNode();
    }

    // aws mturk reject-assignment --assignment-id ID --requester-feedback F --endpoint-url ...
    private ObjectNode rejectAssignment(String requesterId, String requestId, JsonNode input) {
        market.rejectAssignment(requesterId, input.get("AssignmentId").asText(),
                input.get("RequesterFeedback").asText());
        return mapper.createObjectNode();
    }

    // aws mturk send-bonus --worker-id W --assignment-id A --bonus-amount 1.25 --reason R
    //     --unique-request-token T --endpoint-url ...
    private ObjectNode sendBonus(String requesterId, String requestId, JsonNode input) {
        market.sendBonus(requesterId, new BonusRequest(input.get("WorkerId").asText(),
                input.get("AssignmentId").asText(), Wire.cents(input, "BonusAmount"),
                input.get("Reason").asText(), Wire.text(input, "UniqueRequestToken")), requestId);
        return mapper.createObjectNode();
    }

    // aws mturk list-bonus-payments --assignment-id ID --endpoint-url ...
    private ObjectNode listBonusPayments(String requesterId, String requestId, JsonNode input) {
        return pageNode(market.listBonusPayments(requesterId, Wire.text(input, "HITId"),
                        Wire.text(input, "AssignmentId"), Wire.page(input)), "BonusPayments",
                this::bonusNode);
    }

    // aws mturk update-expiration-for-hit --hit-id ID --expire-at 0 --endpoint-url ...
    private ObjectNode updateExpirationForHIT(String requesterId, String requestId,
                                              JsonNode input) {
        market.updateExpirationForHIT(requesterId, input.get("HITId").asText(),
                Wire.millis(input, "ExpireAt"));
        return mapper.createObjectNode();
    }

    // aws mturk delete-hit --hit-id ID --endpoint-url ...
    private ObjectNode deleteHIT(String requesterId, String requestId, JsonNode input) {
        market.deleteHIT(requesterId, input.get("HITId").asText());
        return mapper.createObjectNode();
    }

    // aws mturk create-additional-assignments-for-hit --hit-id ID
    //     --number-of-additional-assignments 2 --endpoint-url ...
    private ObjectNode createAdditionalAssignmentsForHIT(String requesterId, String requestId,
                                                         JsonNode input) {
        market.createAdditionalAssignmentsForHIT(requesterId, input.get("HITId").asText(),
                input.get("NumberOfAdditionalAssignments").asInt(),
                Wire.text(input, "UniqueRequestToken"), requestId);
        return mapper.createObjectNode();
    }

    // ---------------------------------------------------------------- shapes

    private HITTypeSpec hitTypeSpec(JsonNode input) {
        int requirements = input.path("QualificationRequirements").size();
        if (requirements > Limits.QUALIFICATION_REQUIREMENTS_MAX) {
            throw AwsErrorException.parameterValidation("QualificationRequirements", "A HIT may"
                    + " have at most " + Limits.QUALIFICATION_REQUIREMENTS_MAX
                    + " QualificationRequirements, not " + requirements + ".");
        }
        return new HITTypeSpec(input.get("Title").asText(), input.get("Description").asText(),
                Wire.text(input, "Keywords"), Wire.cents(input, "Reward"),
                input.get("AssignmentDurationInSeconds").asLong(),
                input.hasNonNull("AutoApprovalDelayInSeconds")
                        ? input.get("AutoApprovalDelayInSeconds").asLong()
                        : Limits.AUTO_APPROVAL_DELAY_SECONDS_DEFAULT,
                canonicalJson(input.get("QualificationRequirements")));
    }

    private static HITSpec hitSpec(JsonNode input) {
        for (String member : UNSUPPORTED_HIT_MEMBERS) {
            if (input.hasNonNull(member)) {
                throw AwsErrorException.parameterValidation(member, "Hitbank does not support "
                        + member + " yet; give the HIT a Question instead.");
            }
        }
        return new HITSpec(input.hasNonNull("MaxAssignments")
                ? input.get("MaxAssignments").asInt() : 1,
                input.get("LifetimeInSeconds").asLong(), Wire.text(input, "Question"),
                Wire.text(input, "RequesterAnnotation"), Wire.text(input, "UniqueRequestToken"));
    }

    /** A JSON value with object keys sorted, so equal requirements compare equal. */
    private String canonicalJson(JsonNode node) {
        try {
            Object value = node == null || node.isNull() ? List.of()
                    : canonical.treeToValue(node, Object.class);
            return canonical.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode hitNode(HIT hit) {
        ObjectNode node = mapper.createObjectNode()
                .put("HITId", hit.hitId())
                .put("HITTypeId", hit.hitTypeId())
                .put("HITGroupId", hit.hitTypeId())
                .put("CreationTime", Wire.seconds(hit.creationMillis()))
                .put("Title", hit.title())
                .put("Description", hit.description())
                .put("Question", hit.question());
        if (hit.keywords() != null) {
            node.put("Keywords", hit.keywords());
        }
        node.put("HITStatus", hit.status().name())
                .put("MaxAssignments", hit.maxAssignments())
                .put("Reward", Cents.toDollars(hit.rewardCents()))
                .put("AutoApprovalDelayInSeconds", hit.autoApprovalDelaySeconds())
                .put("Expiration", Wire.seconds(hit.expirationMillis()))
                .put("AssignmentDurationInSeconds", hit.assignmentDurationSeconds());
        if (hit.requesterAnnotation() != null) {
            node.put("RequesterAnnotation", hit.requesterAnnotation());
        }
        try {
            node.set("QualificationRequirements",
                    mapper.readTree(hit.qualificationRequirementsJson()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return node.put("HITReviewStatus", "NotReviewed")
                .put("NumberOfAssignmentsPending", hit.assignmentsPending())
                .put("NumberOfAssignmentsAvailable", hit.assignmentsAvailable())
                .put("NumberOfAssignmentsCompleted", hit.assignmentsCompleted());
    }

    private ObjectNode assignmentNode(Assignment a) {
        ObjectNode node = mapper.createObjectNode()
                .put("AssignmentId", a.assignmentId())
                .put("WorkerId", a.workerId())
                .put("HITId", a.hitId())
                .put("AssignmentStatus", a.status().name());
        putTime(node, "AutoApprovalTime", a.status() == AssignmentStatus.Submitted
                ? a.autoApprovalMillis() : null);
        putTime(node, "AcceptTime", a.acceptMillis());
        putTime(node, "SubmitTime", a.submitMillis());
        putTime(node, "ApprovalTime", a.approvalMillis());
        putTime(node, "RejectionTime", a.rejectionMillis());
        putTime(node, "Deadline", a.deadlineMillis());
        if (a.answer() != null) {
            node.put("Answer", a.answer());
        }
        if (a.requesterFeedback() != null) {
            node.put("RequesterFeedback", a.requesterFeedback());
        }
        return node;
    }

    private ObjectNode bonusNode(BonusPayment b) {
        return mapper.createObjectNode()
                .put("WorkerId", b.workerId())
                .put("BonusAmount", Cents.toDollars(b.bonusCents()))
                .put("AssignmentId", b.assignmentId())
                .put("Reason", b.reason())
                .put("GrantTime", Wire.seconds(b.grantMillis()));
    }

    private static void putTime(ObjectNode node, String member, Long millis) {
        if (millis != null) {
            node.put(member, Wire.seconds(millis));
        }
    }

    private <T> ObjectNode pageNode(Page<T> page, String member, Function<T, ObjectNode> shape) {
        ObjectNode out = mapper.createObjectNode();
        if (page.nextAfterSeq() != null) {
            out.put("NextToken", Wire.nextToken(page.nextAfterSeq()));
        }
        out.put("NumResults", page.items().size());
        ArrayNode items = out.putArray(member);
        page.items().forEach(item -> items.add(shape.apply(item)));
        return out;
    }
}
