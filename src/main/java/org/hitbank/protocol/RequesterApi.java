package org.hitbank.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.hitbank.market.Market;
import org.hitbank.market.MarketException;
import org.hitbank.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTurk Requester API endpoint, {@code POST /} in AWS JSON 1.1 (MTURK-NOTES §1). For each
 * request, in order: body size, SigV4, content type, {@code X-Amz-Target}, JSON, the API model's
 * constraints, then the operation. Any failure before the operation answers an AWS error and
 * runs nothing. Every response carries {@code x-amzn-RequestId}.
 *
 * <p>This class is the one boundary where Hitbank's exceptions become wire errors: it maps
 * {@link AwsErrorException} as is, {@link MarketException} to {@code RequestError} or
 * {@code ParameterValidationError} with a {@code TurkErrorCode}, a busy store to
 * {@code ServiceFault} (its transaction rolled back), and anything else to {@code ServiceFault}
 * after logging it. Thread-safe.
 */
public final class RequesterApi {
    private static final Logger LOG = LoggerFactory.getLogger(RequesterApi.class);
    private static final String CONTENT_TYPE = "application/x-amz-json-1.1";

    private final Market market;
    private final SigV4Verifier verifier;
    private final ApiModel model;
    private final Operations operations;
    private final ObjectMapper mapper;
    private final Clock wallClock;
    private final int requestBytesMax;
    /** Access key id → (requester id, secret access key), for keys seen to exist. */
    private final Map<String, Map.Entry<String, String>> credentials = new ConcurrentHashMap<>();

    /**
     * @param wallClock the real time, for the {@code (<millis>)} suffix of error messages
     * @param requestBytesMax the largest body accepted, in bytes
     */
    public RequesterApi(Market market, SigV4Verifier verifier, Clock wallClock,
                        int requestBytesMax) {
        this.market = market;
        this.verifier = verifier;
        this.model = ApiModel.load();
        this.mapper = new ObjectMapper()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.operations = new Operations(market, mapper);
        this.wallClock = wallClock;
        this.requestBytesMax = requestBytesMax;
    }

    /** Handles one request; never throws. */
    public void handle(Context ctx) {
        String requestId = UUID.randomUUID().toString();
        ctx.header("x-amzn-RequestId", requestId);
        int status = 200;
        ObjectNode body;
        try {
            body = dispatch(ctx, requestId);
        } catch (RuntimeException e) {
            AwsErrorException wire = toWire(e, requestId);
            status = wire.httpStatus();
            body = errorBody(wire);
        }
        ctx.status(status).contentType(CONTENT_TYPE)
                .result(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The one mapping of every failure to the error a client sees. */
    private static AwsErrorException toWire(RuntimeException failure, String requestId) {
        return switch (failure) {
            case AwsErrorException e -> e;
            case MarketException e -> toWire(e);
            case Store.CommitUnknownException e -> {
                LOG.error("request {}: commit failed, outcome unknown", requestId, e);
                yield AwsErrorException.serviceFault("The outcome of this request is unknown."
                        + " Retry it with the same UniqueRequestToken.");
            }
            case Store.StoreBusyException e -> {
                LOG.warn("request {} gave up on a busy store: {}", requestId, e.getMessage());
                yield AwsErrorException.serviceFault(
                        "The service is busy; nothing was changed. Try your call again.");
            }
            default -> {
                LOG.error("request {} failed", requestId, failure);
                yield AwsErrorException.serviceFault("Hitbank is temporarily unable to process"
                        + " your request; nothing was changed. Try your call again.");
            }
        };
    }

    private ObjectNode dispatch(Context ctx, String requestId) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > requestBytesMax) {
            throw tooLarge();
        }
        byte[] raw;
        try {
            raw = ctx.bodyAsBytes();
        } catch (RuntimeException e) {
            throw AwsErrorException.aws("SerializationException", 400,
                    "The request body could not be read in full.");
        }
        if (raw.length > requestBytesMax) {
            throw tooLarge();
        }
        String accessKeyId = verifier.verify(new SigV4Verifier.SignedRequest(ctx.method().name(),
                ctx.path(), ctx.queryString(), headers(ctx), raw), this::secretFor);
        String requesterId = credentials.get(accessKeyId).getKey();

        String contentType = ctx.header("Content-Type");
        if (contentType == null
                || !contentType.split(";", 2)[0].trim().equalsIgnoreCase(CONTENT_TYPE)) {
            throw AwsErrorException.aws("SerializationException", 400,
                    "Content-Type must be " + CONTENT_TYPE + ", was " + contentType + ".");
        }
        String target = ctx.header("X-Amz-Target");
        String prefix = model.targetPrefix() + ".";
        if (target == null || !target.startsWith(prefix)
                || !model.hasOperation(target.substring(prefix.length()))) {
            throw AwsErrorException.aws("UnknownOperationException", 400,
                    "Unknown operation: X-Amz-Target " + target + ".");
        }
        String operationName = target.substring(prefix.length());
        JsonNode input;
        try {
            input = raw.length == 0 ? mapper.createObjectNode() : mapper.readTree(raw);
        } catch (JsonProcessingException e) {
            throw AwsErrorException.aws("SerializationException", 400,
                    "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw AwsErrorException.aws("SerializationException", 400,
                    "The request body could not be read: " + e.getMessage());
        }
        model.validate(operationName, input);
        input = model.knownMembers(operationName, input);
        Operations.Operation operation = operations.find(operationName);
        if (operation == null) {
            throw AwsErrorException.requestError("AWS.MechanicalTurk.UnsupportedOperation",
                    "Hitbank does not implement " + operationName + " yet.");
        }
        return operation.run(requesterId, requestId, input);
    }

    /**
     * The secret of an access key. Known keys are cached: requesters are never deleted and their
     * keys never change, and the admin CLI may add requesters while the server runs, so unknown
     * keys are looked up every time.
     */
    private Optional<String> secretFor(String accessKeyId) {
        Map.Entry<String, String> known = credentials.get(accessKeyId);
        if (known == null) {
            Optional<Map.Entry<String, String>> found = market.requesterByAccessKey(accessKeyId);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            known = found.get();
            credentials.put(accessKeyId, known);
        }
        return Optional.of(known.getValue());
    }

    private AwsErrorException tooLarge() {
        return AwsErrorException.aws("RequestEntityTooLargeException", 413,
                "The request body is larger than " + requestBytesMax + " bytes.");
    }

    private static List<Map.Entry<String, String>> headers(Context ctx) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            for (String value : Collections.list(ctx.req().getHeaders(name))) {
                headers.add(Map.entry(name, value));
            }
        }
        return headers;
    }

    /** Maps a market refusal to MTurk's error type and TurkErrorCode (MTURK-NOTES §11). */
    static AwsErrorException toWire(MarketException e) {
        return switch (e.kind()) {
            case INVALID_PARAMETER -> AwsErrorException.parameterValidation(e.parameter(),
                    e.getMessage());
            case HIT_DOES_NOT_EXIST -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.HITDoesNotExist", e.getMessage());
            case ASSIGNMENT_DOES_NOT_EXIST -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.AssignmentDoesNotExist", e.getMessage());
            case INVALID_HIT_STATE -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.InvalidHITState", e.getMessage());
            case INVALID_ASSIGNMENT_STATE -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.InvalidAssignmentState", e.getMessage());
            case INSUFFICIENT_FUNDS -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.InsufficientFunds", e.getMessage());
            case HIT_ALREADY_EXISTS -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.HitAlreadyExists", e.getMessage());
            case DUPLICATE_REQUEST -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.DuplicateRequest", e.getMessage());
            case INVALID_MAXIMUM_ASSIGNMENTS_INCREASE -> AwsErrorException.requestError(
                    "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", e.getMessage());
        };
    }

    private ObjectNode errorBody(AwsErrorException e) {
        ObjectNode body = mapper.createObjectNode().put("__type", e.type());
        body.put("Message", e.timestamped()
                ? e.getMessage() + " (" + wallClock.millis() + ")" : e.getMessage());
        if (e.turkErrorCode() != null) {
            body.put("TurkErrorCode", e.turkErrorCode());
        }
        if (e.parameter() != null) {
            body.put("Parameter", e.parameter());
        }
        return body;
    }
}
