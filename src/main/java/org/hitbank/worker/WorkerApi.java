package org.hitbank.worker;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.security.BasicAuthCredentials;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hitbank.base.Cents;
import org.hitbank.base.HitbankException;
import org.hitbank.base.Limits;
import org.hitbank.base.XmlText;
import org.hitbank.market.Market;
import org.hitbank.market.MarketException;
import org.hitbank.market.Model.Assignment;
import org.hitbank.market.Model.Earning;
import org.hitbank.market.Model.Earnings;
import org.hitbank.market.Model.HIT;
import org.hitbank.market.Model.Page;
import org.hitbank.market.Model.PageRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side's HTTP API (JSON, HTTP Basic auth as {@code WorkerId:secret}) and MTurk's
 * {@code POST /mturk/externalSubmit} form endpoint. Routes (README "Worker API"):
 * <ul>
 *   <li>{@code GET /worker/api/hits} — HITs the worker may accept;</li>
 *   <li>{@code POST /worker/api/hits/{hitId}/accept} — accept one: a new assignment;</li>
 *   <li>{@code POST /worker/api/assignments/{assignmentId}/return} — give it back;</li>
 *   <li>{@code POST /worker/api/assignments/{assignmentId}/submit} — body
 *       {@code {"Answers": {"<QuestionIdentifier>": "<text>", ...}}};</li>
 *   <li>{@code GET /worker/api/assignments} — the worker's assignments;</li>
 *   <li>{@code GET /worker/api/earnings} — balance, rewards and bonuses with reasons.</li>
 * </ul>
 * Errors are {@code {"Error": code, "Message": text}} with 400, 401, 404, 409 or 413, and 500
 * only for a server failure; externalSubmit answers in plain text. Thread-safe.
 */
public final class WorkerApi {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerApi.class);

    private final Market market;
    private final int requestBytesMax;
    private final ObjectMapper mapper = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** @param requestBytesMax the largest request body accepted, in bytes */
    public WorkerApi(Market market, int requestBytesMax) {
        this.market = market;
        this.requestBytesMax = requestBytesMax;
    }

    /** Adds the routes to {@code app}. */
    public void register(Javalin app) {
        app.get("/worker/api/hits", ctx -> answer(ctx, () -> listHITs(ctx)));
        app.post("/worker/api/hits/{hitId}/accept", ctx -> answer(ctx, () -> accept(ctx)));
        app.post("/worker/api/assignments/{assignmentId}/return",
                ctx -> answer(ctx, () -> returnAssignment(ctx)));
        app.post("/worker/api/assignments/{assignmentId}/submit",
                ctx -> answer(ctx, () -> submit(ctx)));
        app.get("/worker/api/assignments", ctx -> answer(ctx, () -> assignments(ctx)));
        app.get("/worker/api/earnings", ctx -> answer(ctx, () -> earnings(ctx)));
        app.post("/mturk/externalSubmit", this::externalSubmit);
    }

    private ObjectNode listHITs(Context ctx) {
        String workerId = authenticate(ctx);
        int maxResults = intParam(ctx, "maxResults", Limits.MAX_RESULTS_DEFAULT, 1,
                Limits.MAX_RESULTS_MAX);
        long after = intParam(ctx, "after", 0, 0, Integer.MAX_VALUE);
        Page<HIT> page = market.listAssignableHITs(workerId, new PageRequest(maxResults, after));
        ObjectNode out = mapper.createObjectNode();
        ArrayNode hits = out.putArray("HITs");
        for (HIT hit : page.items()) {
            hits.addObject()
                    .put("HITId", hit.hitId())
                    .put("Title", hit.title())
                    .put("Description", hit.description())
                    .put("Keywords", hit.keywords())
                    .put("Reward", Cents.toDollars(hit.rewardCents()))
                    .put("AssignmentDurationInSeconds", hit.assignmentDurationSeconds())
                    .put("Expiration", Instant.ofEpochMilli(hit.expirationMillis()).toString())
                    .put("NumberOfAssignmentsAvailable", hit.assignmentsAvailable())
                    .put("Question", hit.question());
        }
        if (page.nextAfterSeq() != null) {
            out.put("NextAfter", page.nextAfterSeq());
        }
        return out;
    }

    private ObjectNode accept(Context ctx) {
        String workerId = authenticate(ctx);
        return assignmentNode(market.acceptHIT(workerId, ctx.pathParam("hitId")));
    }

    private ObjectNode returnAssignment(Context ctx) {
        String workerId = authenticate(ctx);
        market.returnAssignment(workerId, ctx.pathParam("assignmentId"));
        return mapper.createObjectNode();
    }

    private ObjectNode submit(Context ctx) {
        String workerId = authenticate(ctx);
        JsonNode body;
        try {
            body = mapper.readTree(boundedBody(ctx));
        } catch (java.io.IOException e) {
            throw new WorkerError(HttpStatus.BAD_REQUEST, "InvalidJson",
                    "The body is not valid JSON: " + e.getMessage());
        }
        JsonNode answers = body == null ? null : body.get("Answers");
        if (answers == null || !answers.isObject()) {
            throw new WorkerError(HttpStatus.BAD_REQUEST, "MissingAnswers",
                    "The body must be {\"Answers\": {\"<QuestionIdentifier>\": \"<text>\"}}.");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        answers.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new WorkerError(HttpStatus.BAD_REQUEST, "InvalidAnswer", "The answer to "
                        + e.getKey() + " must be a string.");
            }
            fields.put(e.getKey(), e.getValue().asText());
        });
        checkAnswers(fields);
        return assignmentNode(market.submitAssignment(workerId, ctx.pathParam("assignmentId"),
                AnswerXml.write(fields)));
    }

    private ObjectNode assignments(Context ctx) {
        String workerId = authenticate(ctx);
        ObjectNode out = mapper.createObjectNode();
        ArrayNode list = out.putArray("Assignments");
        market.workerAssignments(workerId, Limits.MAX_RESULTS_MAX)
                .forEach(a -> list.add(assignmentNode(a)));
        return out;
    }

    private ObjectNode earnings(Context ctx) {
        String workerId = authenticate(ctx);
        Earnings earnings = market.earnings(workerId, Limits.MAX_RESULTS_MAX);
        ObjectNode out = mapper.createObjectNode()
                .put("WorkerId", workerId)
                .put("EarningsBalance", Cents.toDollars(earnings.earningsCents()));
        ArrayNode payments = out.putArray("Payments");
        for (Earning earning : earnings.items()) {
            ObjectNode node = payments.addObject()
                    .put("Kind", "BONUS".equals(earning.kind()) ? "Bonus" : "Reward")
                    .put("HITId", earning.hitId())
                    .put("AssignmentId", earning.assignmentId())
                    .put("Amount", Cents.toDollars(earning.amountCents()))
                    .put("PaidTime", Instant.ofEpochMilli(earning.paidMillis()).toString());
            if (earning.reason() != null) {
                node.put("Reason", earning.reason());
            }
        }
        return out;
    }

    /**
     * MTurk's form post from ExternalQuestion and HTMLQuestion pages: {@code assignmentId} plus
     * answer fields. As on MTurk, the assignment id (handed to the task page) identifies the
     * worker's accepted assignment.
     */
    private void externalSubmit(Context ctx) {
        String text;
        try {
            text = submitForm(ctx);
        } catch (WorkerError e) {
            ctx.status(e.status);
            text = e.getMessage();
        } catch (MarketException e) {
            WorkerError error = toError(e);
            ctx.status(error.status);
            text = error.getMessage();
        } catch (RuntimeException e) {
            LOG.error("externalSubmit failed", e);
            ctx.status(HttpStatus.INTERNAL_SERVER_ERROR);
            text = "Nothing was submitted. Try again.";
        }
        ctx.contentType("text/plain; charset=utf-8").result(text + "\n");
    }

    private String submitForm(Context ctx) {
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.split(";", 2)[0].trim()
                .equalsIgnoreCase("application/x-www-form-urlencoded")) {
            throw new WorkerError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType",
                    "externalSubmit takes an application/x-www-form-urlencoded form.");
        }
        boundedBody(ctx);
        Map<String, List<String>> form = ctx.formParamMap();
        List<String> ids = form.get("assignmentId");
        if (ids == null || ids.size() != 1 || ids.get(0).isBlank()) {
            throw new WorkerError(HttpStatus.BAD_REQUEST, "MissingAssignmentId",
                    "externalSubmit needs exactly one assignmentId field.");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        form.forEach((name, values) -> {
            if (!name.equals("assignmentId")) {
                fields.put(name, String.join(",", values));
            }
        });
        checkAnswers(fields);
        market.submitAssignment(null, ids.get(0), AnswerXml.write(fields));
        return "Your answers were submitted. Thank you.";
    }

    /** Answers become XML: names and texts must hold only characters XML 1.0 allows. */
    private static void checkAnswers(Map<String, String> answers) {
        for (Map.Entry<String, String> answer : answers.entrySet()) {
            for (String text : List.of(answer.getKey(), answer.getValue())) {
                int invalid = XmlText.firstInvalidCodePoint(text);
                if (invalid >= 0) {
                    throw new WorkerError(HttpStatus.BAD_REQUEST, "InvalidAnswer",
                            String.format("The answer to %s contains the character U+%04X,"
                                    + " which is not allowed.", answer.getKey(), invalid));
                }
            }
        }
    }

    private byte[] boundedBody(Context ctx) {
        if (ctx.req().getContentLengthLong() > requestBytesMax) {
            throw tooLarge();
        }
        byte[] body = ctx.bodyAsBytes();
        if (body.length > requestBytesMax) {
            throw tooLarge();
        }
        return body;
    }

    private WorkerError tooLarge() {
        return new WorkerError(HttpStatus.CONTENT_TOO_LARGE, "RequestTooLarge",
                "The request body is larger than " + requestBytesMax + " bytes.");
    }

    private ObjectNode assignmentNode(Assignment a) {
        ObjectNode node = mapper.createObjectNode()
                .put("AssignmentId", a.assignmentId())
                .put("HITId", a.hitId())
                .put("WorkerId", a.workerId())
                .put("AssignmentStatus", a.status().name())
                .put("AcceptTime", Instant.ofEpochMilli(a.acceptMillis()).toString())
                .put("Deadline", Instant.ofEpochMilli(a.deadlineMillis()).toString());
        if (a.submitMillis() != null) {
            node.put("SubmitTime", Instant.ofEpochMilli(a.submitMillis()).toString());
        }
        return node;
    }

    private String authenticate(Context ctx) {
        BasicAuthCredentials credentials;
        try {
            credentials = ctx.basicAuthCredentials();
        } catch (RuntimeException malformed) {
            credentials = null;
        }
        if (credentials == null
                || !market.authenticateWorker(credentials.getUsername(),
                credentials.getPassword())) {
            ctx.header("WWW-Authenticate", "Basic realm=\"hitbank-worker\"");
            throw new WorkerError(HttpStatus.UNAUTHORIZED, "NotAuthorized",
                    "Authenticate with HTTP Basic auth as WorkerId:secret.");
        }
        return credentials.getUsername();
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new WorkerError(HttpStatus.BAD_REQUEST, "InvalidParameter",
                name + " must be an integer from " + min + " to " + max + ".");
    }

    private void answer(Context ctx, java.util.function.Supplier<ObjectNode> work) {
        try {
            ctx.json(work.get());
        } catch (WorkerError e) {
            ctx.status(e.status).json(errorNode(e.code, e.getMessage()));
        } catch (MarketException e) {
            WorkerError error = toError(e);
            ctx.status(error.status).json(errorNode(error.code, error.getMessage()));
        } catch (HttpResponseException e) {
            ctx.status(e.getStatus()).json(errorNode("HttpError", e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("worker request failed", e);
            ctx.status(HttpStatus.INTERNAL_SERVER_ERROR)
                    .json(errorNode("InternalError", "Nothing was changed. Try again."));
        }
    }

    private ObjectNode errorNode(String code, String message) {
        return mapper.createObjectNode().put("Error", code).put("Message", message);
    }

    private static WorkerError toError(MarketException e) {
        return switch (e.kind()) {
            case HIT_DOES_NOT_EXIST, ASSIGNMENT_DOES_NOT_EXIST ->
                    new WorkerError(HttpStatus.NOT_FOUND, e.kind().name(), e.getMessage());
            case INVALID_PARAMETER ->
                    new WorkerError(HttpStatus.BAD_REQUEST, e.kind().name(), e.getMessage());
            default -> new WorkerError(HttpStatus.CONFLICT, e.kind().name(), e.getMessage());
        };
    }

    /** A worker API error: HTTP status, a code, a message. */
    private static final class WorkerError extends HitbankException {
        private final HttpStatus status;
        private final String code;

        WorkerError(HttpStatus status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }
}
