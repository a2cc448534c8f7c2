package org.hitbank.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hitbank.testing.MTurkAssertions.assertBalance;
import static org.hitbank.testing.MTurkAssertions.assertRequestError;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hitbank.testing.EndToEndTest;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.Assignment;
import software.amazon.awssdk.services.mturk.model.AssignmentStatus;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.HIT;
import software.amazon.awssdk.services.mturk.model.HITStatus;
import software.amazon.awssdk.services.mturk.model.ListHiTsResponse;

/**
 * The paying lifecycle end to end with the AWS SDK for Java v2: deposit, create HIT, workers
 * accept and submit (worker API and externalSubmit), approve, reject, bonus, list, expire,
 * delete, with every balance to the cent.
 */
class LifecycleIT extends EndToEndTest {
    @Test
    void lifecycle_fundsPostsSubmitsApprovesRejectsBonusesAndDeletes_toTheCent() {
        Requester requester = hitbank.newRequester("100.00");
        MTurkClient mturk = requester.client();
        Worker alice = hitbank.newWorker();
        Worker bob = hitbank.newWorker();
        assertBalance(mturk, "100.00", "0.00");

        HIT created = mturk.createHIT(TestHitbank.hit("0.50", 3).keywords("image, label")
                .requesterAnnotation("batch-1").build()).hit();
        assertThat(created.hitId()).matches("[A-Z0-9]{30}");
        assertThat(created.hitTypeId()).matches("[A-Z0-9]{30}");
        assertThat(created.hitStatus()).isEqualTo(HITStatus.ASSIGNABLE);
        assertThat(created.reward()).isEqualTo("0.50");
        assertThat(created.maxAssignments()).isEqualTo(3);
        assertThat(created.numberOfAssignmentsAvailable()).isEqualTo(3);
        assertThat(created.keywords()).isEqualTo("image, label");
        assertThat(created.requesterAnnotation()).isEqualTo("batch-1");
        assertThat(created.question()).isEqualTo(TestHitbank.EXTERNAL_QUESTION);
        assertThat(created.expiration()).isAfter(Instant.now().plusSeconds(3500));
        // 3 × (0.50 + 0.10 fee) on hold
        assertBalance(mturk, "98.20", "1.80");

        String aliceAssignment = hitbank.accept(alice, created.hitId()).get("AssignmentId")
                .asText();
        String bobAssignment = hitbank.accept(bob, created.hitId()).get("AssignmentId").asText();
        HIT inFlight = mturk.getHIT(r -> r.hitId(created.hitId())).hit();
        assertThat(inFlight.numberOfAssignmentsPending()).isEqualTo(2);
        assertThat(inFlight.numberOfAssignmentsAvailable()).isEqualTo(1);
        // accepted but unsubmitted assignments do not exist for the requester API
        assertThat(mturk.listAssignmentsForHIT(r -> r.hitId(created.hitId())).assignments())
                .isEmpty();
        assertRequestError(() -> mturk.getAssignment(r -> r.assignmentId(aliceAssignment)),
                "AWS.MechanicalTurk.AssignmentDoesNotExist",
                "Assignment " + aliceAssignment + " does not exist.");

        hitbank.submit(alice, aliceAssignment, Map.of("label", "cat & dog"));
        TestHitbank.Response posted = hitbank.externalSubmit(Map.of("assignmentId",
                bobAssignment, "label", "bird"));
        assertThat(posted.status()).isEqualTo(200);
        assertThat(posted.text()).isEqualTo("Your answers were submitted. Thank you.\n");

        List<Assignment> submitted = mturk.listAssignmentsForHIT(
                r -> r.hitId(created.hitId())).assignments();
        assertThat(submitted).extracting(Assignment::assignmentId)
                .containsExactly(aliceAssignment, bobAssignment);
        Assignment alices = submitted.get(0);
        assertThat(alices.workerId()).isEqualTo(alice.workerId());
        assertThat(alices.assignmentStatus()).isEqualTo(AssignmentStatus.SUBMITTED);
        assertThat(alices.answer()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                + "<QuestionFormAnswers xmlns=\"http://mechanicalturk.amazonaws.com/"
                + "AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd\"><Answer>"
                + "<QuestionIdentifier>label</QuestionIdentifier><FreeText>cat &amp; dog"
                + "</FreeText></Answer></QuestionFormAnswers>");
        assertThat(alices.autoApprovalTime()).isAfter(alices.submitTime());
        assertThat(alices.deadline()).isEqualTo(alices.acceptTime().plusSeconds(600));
        assertThat(mturk.getAssignment(r -> r.assignmentId(bobAssignment)).assignment()
                .answer()).contains("<QuestionIdentifier>label</QuestionIdentifier>"
                + "<FreeText>bird</FreeText>");

        mturk.approveAssignment(r -> r.assignmentId(aliceAssignment).requesterFeedback("good"));
        assertBalance(mturk, "98.20", "1.20");
        assertRequestError(() -> mturk.approveAssignment(r -> r.assignmentId(aliceAssignment)),
                "AWS.MechanicalTurk.InvalidAssignmentState",
                "This operation can be called with a status of: Submitted");
        mturk.rejectAssignment(r -> r.assignmentId(bobAssignment).requesterFeedback("empty"));
        assertBalance(mturk, "98.80", "0.60");
        assertRequestError(() -> mturk.rejectAssignment(r -> r.assignmentId(bobAssignment)
                        .requesterFeedback("again")),
                "AWS.MechanicalTurk.InvalidAssignmentState",
                "This operation can be called with a status of: Submitted");

        mturk.sendBonus(r -> r.workerId(alice.workerId()).assignmentId(aliceAssignment)
                .bonusAmount("1.25").reason("Thanks for the careful labels")
                .uniqueRequestToken("bonus-1"));
        assertRequestError(() -> mturk.sendBonus(r -> r.workerId(alice.workerId())
                        .assignmentId(aliceAssignment).bonusAmount("1.25")
                        .reason("Thanks for the careful labels").uniqueRequestToken("bonus-1")),
                "AWS.MechanicalTurk.DuplicateRequest", null);
        // 98.80 − 1.25 − 0.25 fee
        assertBalance(mturk, "97.30", "0.60");
        List<BonusPayment> bonuses = mturk.listBonusPayments(r -> r.hitId(created.hitId()))
                .bonusPayments();
        assertThat(bonuses).singleElement().satisfies(b -> {
            assertThat(b.workerId()).isEqualTo(alice.workerId());
            assertThat(b.bonusAmount()).isEqualTo("1.25");
            assertThat(b.assignmentId()).isEqualTo(aliceAssignment);
            assertThat(b.reason()).isEqualTo("Thanks for the careful labels");
            assertThat(b.grantTime()).isBetween(Instant.now().minusSeconds(30), Instant.now());
        });

        var earnings = hitbank.workerCall(alice, "GET", "/worker/api/earnings", null).json();
        assertThat(earnings.get("EarningsBalance").asText()).isEqualTo("1.75");
        assertThat(earnings.get("Payments").get(0).get("Kind").asText()).isEqualTo("Bonus");
        assertThat(earnings.get("Payments").get(0).get("Reason").asText())
                .isEqualTo("Thanks for the careful labels");
        assertThat(earnings.get("Payments").get(1).get("Amount").asText()).isEqualTo("0.50");

        // expire now: the third, unclaimed slot's hold goes back
        mturk.updateExpirationForHIT(r -> r.hitId(created.hitId()).expireAt(Instant.EPOCH));
        assertBalance(mturk, "97.90", "0.00");
        HIT expired = mturk.getHIT(r -> r.hitId(created.hitId())).hit();
        assertThat(expired.hitStatus()).isEqualTo(HITStatus.REVIEWABLE);
        assertThat(expired.numberOfAssignmentsAvailable()).isZero();
        assertThat(expired.numberOfAssignmentsCompleted()).isEqualTo(2);
        assertThat(mturk.listReviewableHITs(r -> r.maxResults(10)).hiTs())
                .extracting(HIT::hitId).containsExactly(created.hitId());

        mturk.deleteHIT(r -> r.hitId(created.hitId()));
        assertThat(mturk.listHITs(r -> r.maxResults(10)).hiTs()).isEmpty();
        assertRequestError(() -> mturk.deleteHIT(r -> r.hitId(created.hitId())),
                "AWS.MechanicalTurk.InvalidHITState", "This HIT is currently in the state"
                        + " 'Disposed'. This operation can be called with a status of:"
                        + " Reviewing, Reviewable");
        assertBalance(mturk, "97.90", "0.00");
    }

    @Test
    void deleteHIT_withUnreviewedAssignment_isRefused() {
        Requester requester = hitbank.newRequester("10.00");
        TestHitbank.Submitted work = hitbank.submittedAssignment(requester, hitbank.newWorker(),
                "1.00");
        assertRequestError(() -> requester.client().deleteHIT(r -> r.hitId(work.hitId())),
                "AWS.MechanicalTurk.InvalidHITState", "This HIT is currently in the state"
                        + " 'Reviewable'. This operation can be called with a status of:"
                        + " Reviewing, Reviewable");
        HIT stillThere = requester.client().getHIT(r -> r.hitId(work.hitId())).hit();
        assertThat(stillThere.hitStatus()).isEqualTo(HITStatus.REVIEWABLE);
        assertBalance(requester.client(), "8.80", "1.20");
    }

    @Test
    void requester_cannotSeeOrChangeAnotherRequestersWork() {
        Requester owner = hitbank.newRequester("10.00");
        Requester other = hitbank.newRequester("10.00");
        Worker worker = hitbank.newWorker();
        TestHitbank.Submitted work = hitbank.submittedAssignment(owner, worker, "0.50");
        MTurkClient mturk = other.client();
        String hitMissing = "Hit " + work.hitId() + " does not exist.";
        String assignmentMissing = "Assignment " + work.assignmentId() + " does not exist.";
        assertRequestError(() -> mturk.getHIT(r -> r.hitId(work.hitId())),
                "AWS.MechanicalTurk.HITDoesNotExist", hitMissing);
        assertRequestError(() -> mturk.listAssignmentsForHIT(r -> r.hitId(work.hitId())),
                "AWS.MechanicalTurk.HITDoesNotExist", hitMissing);
        assertRequestError(() -> mturk.getAssignment(r -> r.assignmentId(work.assignmentId())),
                "AWS.MechanicalTurk.AssignmentDoesNotExist", assignmentMissing);
        assertRequestError(() -> mturk.approveAssignment(
                        r -> r.assignmentId(work.assignmentId())),
                "AWS.MechanicalTurk.AssignmentDoesNotExist", assignmentMissing);
        assertRequestError(() -> mturk.sendBonus(r -> r.workerId(worker.workerId())
                        .assignmentId(work.assignmentId()).bonusAmount("1").reason("x")),
                "AWS.MechanicalTurk.AssignmentDoesNotExist", assignmentMissing);
        assertRequestError(() -> mturk.listBonusPayments(r -> r.hitId(work.hitId())),
                "AWS.MechanicalTurk.HITDoesNotExist", hitMissing);
        assertRequestError(() -> mturk.deleteHIT(r -> r.hitId(work.hitId())),
                "AWS.MechanicalTurk.HITDoesNotExist", hitMissing);
        assertThat(mturk.listHITs(r -> r.maxResults(100)).hiTs()).isEmpty();
        assertBalance(mturk, "10.00", "0.00");
        assertBalance(owner.client(), "9.40", "0.60");
    }

    @Test
    void createHIT_withoutFunds_failsAndChangesNothing() {
        Requester requester = hitbank.newRequester("1.19");
        assertRequestError(() -> requester.client().createHIT(
                        TestHitbank.hit("0.50", 2).build()),
                "AWS.MechanicalTurk.InsufficientFunds", "This Requester has insufficient funds"
                        + " in their account to complete this transaction.");
        assertThat(requester.client().listHITs(r -> r.maxResults(10)).hiTs()).isEmpty();
        assertBalance(requester.client(), "1.19", "0.00");
        requester.client().createHIT(TestHitbank.hit("0.50", 1).build());
        assertBalance(requester.client(), "0.59", "0.60");
    }

    @Test
    void createHIT_tenOrMoreAssignments_holdsTheExtraFee() {
        Requester requester = hitbank.newRequester("20.00");
        requester.client().createHIT(TestHitbank.hit("0.50", 10).build());
        // 10 × (0.50 + 40% = 0.20)
        assertBalance(requester.client(), "13.00", "7.00");
    }

    @Test
    void createHIT_sameUniqueRequestToken_isHitAlreadyExistsWithTheHITId() {
        Requester requester = hitbank.newRequester("10.00");
        HIT first = requester.client().createHIT(TestHitbank.hit("0.50", 1)
                .uniqueRequestToken("hit-token-1").build()).hit();
        assertRequestError(() -> requester.client().createHIT(TestHitbank.hit("0.50", 1)
                        .uniqueRequestToken("hit-token-1").build()),
                "AWS.MechanicalTurk.HitAlreadyExists", "The HIT with ID \"" + first.hitId()
                        + "\" already exists with the UniqueRequestToken \"hit-token-1\".");
        assertBalance(requester.client(), "9.40", "0.60");
    }

    @Test
    void hitTypes_withEqualAttributes_areOne() {
        MTurkClient mturk = hitbank.newRequester("10.00").client();
        String typeId = mturk.createHITType(r -> r.title("Label images")
                .description("Label 10 images").reward("0.50").assignmentDurationInSeconds(600L)
                .autoApprovalDelayInSeconds(86400L)).hitTypeId();
        assertThat(mturk.createHITType(r -> r.title("Label images")
                .description("Label 10 images").reward("0.50").assignmentDurationInSeconds(600L)
                .autoApprovalDelayInSeconds(86400L)).hitTypeId()).isEqualTo(typeId);
        assertThat(mturk.createHITType(r -> r.title("Label images")
                .description("Label 10 images").reward("0.51").assignmentDurationInSeconds(600L)
                .autoApprovalDelayInSeconds(86400L)).hitTypeId()).isNotEqualTo(typeId);
        HIT viaCreateHIT = mturk.createHIT(TestHitbank.hit("0.50", 1).build()).hit();
        assertThat(viaCreateHIT.hitTypeId()).isEqualTo(typeId);
        HIT viaType = mturk.createHITWithHITType(r -> r.hitTypeId(typeId).maxAssignments(2)
                .lifetimeInSeconds(600L).question(TestHitbank.EXTERNAL_QUESTION)).hit();
        assertThat(viaType.hitTypeId()).isEqualTo(typeId);
        assertThat(viaType.reward()).isEqualTo("0.50");
        assertThat(viaType.title()).isEqualTo("Label images");
        assertBalance(mturk, "8.20", "1.80");
    }

    @Test
    void createAdditionalAssignments_holdsMoreAndKeepsTheFeeTier() {
        MTurkClient mturk = hitbank.newRequester("20.00").client();
        String hitId = mturk.createHIT(TestHitbank.hit("1.00", 2).build()).hit().hitId();
        assertBalance(mturk, "17.60", "2.40");
        mturk.createAdditionalAssignmentsForHIT(r -> r.hitId(hitId)
                .numberOfAdditionalAssignments(3).uniqueRequestToken("more-1"));
        assertBalance(mturk, "14.00", "6.00");
        assertThat(mturk.getHIT(r -> r.hitId(hitId)).hit().maxAssignments()).isEqualTo(5);
        assertRequestError(() -> mturk.createAdditionalAssignmentsForHIT(r -> r.hitId(hitId)
                        .numberOfAdditionalAssignments(3).uniqueRequestToken("more-1")),
                "AWS.MechanicalTurk.DuplicateRequest", null);
        assertRequestError(() -> mturk.createAdditionalAssignmentsForHIT(r -> r.hitId(hitId)
                        .numberOfAdditionalAssignments(5)),
                "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", "This HIT has 5"
                        + " assignments; it cannot be extended to 10, across the fee threshold"
                        + " of 10 assignments.");
        assertBalance(mturk, "14.00", "6.00");
    }

    @Test
    void listHITs_pagesInCreationOrder() {
        MTurkClient mturk = hitbank.newRequester("100.00").client();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(mturk.createHIT(TestHitbank.hit("0.10", 1).build()).hit().hitId());
        }
        ListHiTsResponse first = mturk.listHITs(r -> r.maxResults(2));
        assertThat(first.numResults()).isEqualTo(2);
        assertThat(first.nextToken()).isNotNull();
        ListHiTsResponse second = mturk.listHITs(r -> r.maxResults(2)
                .nextToken(first.nextToken()));
        ListHiTsResponse third = mturk.listHITs(r -> r.maxResults(2)
                .nextToken(second.nextToken()));
        assertThat(third.numResults()).isEqualTo(1);
        assertThat(third.nextToken()).isNull();
        assertThat(java.util.stream.Stream.of(first, second, third)
                .flatMap(p -> p.hiTs().stream()).map(HIT::hitId)).containsExactlyElementsOf(ids);
        assertThat(mturk.listHITsPaginator(r -> r.maxResults(2)).stream()
                .flatMap(p -> p.hiTs().stream())
                .map(HIT::hitId)).containsExactlyElementsOf(ids);
        assertThat(mturk.listHITs(r -> r.maxResults(100)).hiTs()).hasSize(5);
    }

    @Test
    void returnedAssignment_givesItsSlotToTheNextWorker() {
        Requester requester = hitbank.newRequester("10.00");
        Worker quitter = hitbank.newWorker();
        Worker finisher = hitbank.newWorker();
        String hitId = requester.client().createHIT(TestHitbank.hit("1.00", 1).build()).hit()
                .hitId();
        String returned = hitbank.accept(quitter, hitId).get("AssignmentId").asText();
        assertThat(hitbank.workerCall(finisher, "POST", "/worker/api/hits/" + hitId + "/accept",
                null).status()).isEqualTo(409);
        hitbank.returnAssignment(quitter, returned);
        String done = hitbank.accept(finisher, hitId).get("AssignmentId").asText();
        hitbank.submit(finisher, done, Map.of("a", "b"));
        assertThat(hitbank.externalSubmit(Map.of("assignmentId", returned, "a", "b")).status())
                .isEqualTo(409);
        requester.client().approveAssignment(r -> r.assignmentId(done));
        assertBalance(requester.client(), "8.80", "0.00");
    }

    @Test
    void approveWithOverrideRejection_paysARejectedAssignmentFromAvailable() {
        Requester requester = hitbank.newRequester("10.00");
        Worker worker = hitbank.newWorker();
        TestHitbank.Submitted work = hitbank.submittedAssignment(requester, worker, "1.00");
        MTurkClient mturk = requester.client();
        mturk.rejectAssignment(r -> r.assignmentId(work.assignmentId()).requesterFeedback("no"));
        assertBalance(mturk, "10.00", "0.00");
        assertRequestError(() -> mturk.approveAssignment(r -> r.assignmentId(work.assignmentId())),
                "AWS.MechanicalTurk.InvalidAssignmentState",
                "This operation can be called with a status of: Submitted");
        mturk.approveAssignment(r -> r.assignmentId(work.assignmentId()).overrideRejection(true)
                .requesterFeedback("sorry, my mistake"));
        Assignment approved = mturk.getAssignment(r -> r.assignmentId(work.assignmentId()))
                .assignment();
        assertThat(approved.assignmentStatus()).isEqualTo(AssignmentStatus.APPROVED);
        assertThat(approved.requesterFeedback()).isEqualTo("sorry, my mistake");
        assertBalance(mturk, "8.80", "0.00");
        assertThat(hitbank.workerCall(worker, "GET", "/worker/api/earnings", null).json()
                .get("EarningsBalance").asText()).isEqualTo("1.00");
    }

    @Test
    void acceptingAFullHIT_isAConflictNamingTheAllowedState() {
        Requester requester = hitbank.newRequester("10.00");
        String hitId = requester.client().createHIT(TestHitbank.hit("1.00", 1).build()).hit()
                .hitId();
        hitbank.accept(hitbank.newWorker(), hitId);
        TestHitbank.Response refused = hitbank.workerCall(hitbank.newWorker(), "POST",
                "/worker/api/hits/" + hitId + "/accept", null);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("Message").asText()).isEqualTo("This HIT is currently in"
                + " the state 'Unassignable'. This operation can be called with a status of:"
                + " Assignable");
    }

    @Test
    void workerApi_refusesBadAnswersAndCredentials_withoutSideEffects() {
        Requester requester = hitbank.newRequester("10.00");
        Worker worker = hitbank.newWorker();
        String hitId = requester.client().createHIT(TestHitbank.hit("1.00", 1).build()).hit()
                .hitId();
        String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
        String submit = "/worker/api/assignments/" + assignmentId + "/submit";

        TestHitbank.Response control = hitbank.workerCall(worker, "POST", submit,
                "{\"Answers\":{\"q\":\"a\\u0001b\"}}");
        assertThat(control.status()).isEqualTo(400);
        assertThat(control.json().get("Message").asText()).isEqualTo("The answer to q contains"
                + " the character U+0001, which is not allowed.");
        TestHitbank.Response notText = hitbank.workerCall(worker, "POST", submit,
                "{\"Answers\":{\"q\":{\"x\":1}}}");
        assertThat(notText.status()).isEqualTo(400);
        assertThat(notText.json().get("Message").asText())
                .isEqualTo("The answer to q must be a string.");
        TestHitbank.Response form = hitbank.externalSubmit(Map.of("assignmentId", assignmentId,
                "q", "\uFFFF"));
        assertThat(form.status()).isEqualTo(400);
        assertThat(form.text()).isEqualTo("The answer to q contains the character U+FFFF, which"
                + " is not allowed.\n");
        TestHitbank.Response trailing = hitbank.workerCall(worker, "POST", submit,
                "{\"Answers\":{\"q\":\"a\"}} trailing");
        assertThat(trailing.status()).isEqualTo(400);
        TestHitbank.Response multipart = hitbank.externalSubmitAs("multipart/form-data;"
                + " boundary=x", "--x--");
        assertThat(multipart.status()).isEqualTo(415);
        assertThat(multipart.text()).isEqualTo("externalSubmit takes an"
                + " application/x-www-form-urlencoded form.\n");
        TestHitbank.Response forged = hitbank.workerCall(new Worker("!!!!", "no colon"), "GET",
                "/worker/api/earnings", null);
        assertThat(forged.status()).isEqualTo(401);

        assertThat(requester.client().listAssignmentsForHIT(r -> r.hitId(hitId)).assignments())
                .isEmpty();
        hitbank.submit(worker, assignmentId, Map.of("q", "fine"));
        assertBalance(requester.client(), "8.80", "1.20");
    }

    @Test
    void hitTypes_withAbsentOrLiteralNullKeywords_areDifferent() {
        MTurkClient mturk = hitbank.newRequester("10.00").client();
        HIT without = mturk.createHIT(TestHitbank.hit("0.50", 1).build()).hit();
        HIT literal = mturk.createHIT(TestHitbank.hit("0.50", 1).keywords("null").build()).hit();
        assertThat(literal.hitTypeId()).isNotEqualTo(without.hitTypeId());
        assertThat(literal.keywords()).isEqualTo("null");
        assertThat(without.keywords()).isNull();
    }
}
