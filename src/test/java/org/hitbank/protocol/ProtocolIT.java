package org.hitbank.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Stream;
import org.hitbank.testing.MTurkAssertions;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The AWS JSON 1.1 framing as raw HTTP (MTURK-NOTES §1): bad input gets a 4xx with an AWS error
 * envelope and a request id, runs nothing and changes nothing.
 */
class ProtocolIT {
    private static final String PREFIX = "MTurkRequesterServiceV20170117.";
    private static final String JSON = "application/x-amz-json-1.1";
    private static TestHitbank hitbank;
    private static Requester requester;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() {
        hitbank = TestHitbank.start();
        requester = hitbank.newRequester("10.00");
    }

    @AfterAll
    static void stop() {
        MTurkAssertions.assertBalance(requester.client(), "10.00", "0.00");
        assertThat(requester.client().listHITs(r -> r.maxResults(10)).hiTs()).isEmpty();
        hitbank.close();
    }

    static Stream<Arguments> badRequests() {
        String hit = "{\"Title\":\"t\",\"Description\":\"d\",\"Reward\":\"0.50\","
                + "\"LifetimeInSeconds\":60,\"AssignmentDurationInSeconds\":60,"
                + "\"Question\":\"<QuestionForm/>\",\"MaxAssignments\":%s}";
        return Stream.of(
                // operation, content type, body, status, __type, message (prefix)
                Arguments.of("Nope", JSON, "{}", 400, "UnknownOperationException",
                        "Unknown operation: X-Amz-Target " + PREFIX + "Nope."),
                Arguments.of("CreateQualificationType", JSON, "{\"Name\":\"n\","
                        + "\"Description\":\"d\",\"QualificationTypeStatus\":\"Active\"}", 400,
                        "RequestError", "Hitbank does not implement CreateQualificationType yet."),
                Arguments.of("GetAccountBalance", "application/json", "{}", 400,
                        "SerializationException", "Content-Type must be " + JSON
                                + ", was application/json."),
                Arguments.of("CreateHIT", JSON, "{\"Title\": ", 400, "SerializationException",
                        "The request body is not valid JSON"),
                Arguments.of("CreateHIT", JSON, "{\"Title\":\"a\",\"Title\":\"b\"}", 400,
                        "SerializationException", "The request body is not valid JSON"),
                Arguments.of("CreateHIT", JSON, "[1]", 400, "SerializationException",
                        "Request body must be a JSON object."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "\"3\""), 400,
                        "SerializationException", "Value at 'maxAssignments' must be an integer."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "0"), 400,
                        "ParameterValidationError", "The value 0 is invalid for MaxAssignments."
                                + " Valid values range from 1 to 1000000000."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1")
                                .replace("<QuestionForm/>", "<Nope/>"), 400,
                        "ParameterValidationError", "The Question's root element must be"
                                + " ExternalQuestion, HTMLQuestion or QuestionForm, not Nope."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1").replace("}",
                                ",\"QualificationRequirements\":["
                                + String.join(",", java.util.Collections.nCopies(11,
                                "{\"QualificationTypeId\":\"00000000000000000040\","
                                        + "\"Comparator\":\"Exists\"}")) + "]}"), 400,
                        "ParameterValidationError", "A HIT may have at most 10"
                                + " QualificationRequirements, not 11."),
                Arguments.of("SendBonus", JSON, "{\"WorkerId\":\"A1\",\"AssignmentId\":\"X\","
                                + "\"BonusAmount\":\"1\"}", 400, "ValidationException",
                        "1 validation error detected: Value null at 'reason' failed to satisfy"
                                + " constraint: Member must not be null"),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1").replace(
                                "<QuestionForm/>", "<?xml version=\\\"1.1\\\"?><QuestionForm/>"),
                        400, "ParameterValidationError", "The Question must be XML 1.0, not 1.1."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1").replace(
                                "<QuestionForm/>", "<ExternalQuestion><FrameHeight>0</FrameHeight>"
                                        + "</ExternalQuestion>"), 400, "ParameterValidationError",
                        "The ExternalQuestion has no ExternalURL element."),
                Arguments.of("GetAccountBalance", JSON, "{} {}", 400,
                        "SerializationException", "The request body is not valid JSON"),
                Arguments.of("GetAccountBalance", JSON + "xyz", "{}", 400,
                        "SerializationException", "Content-Type must be " + JSON),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1").replace("}",
                                ",\"HITLayoutId\":\"ABC\"}"), 400, "ParameterValidationError",
                        "Hitbank does not support HITLayoutId yet; give the HIT a Question"
                                + " instead."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1000000000")
                                .replace("0.50", "10000000000"), 400, "ParameterValidationError",
                        "MaxAssignments 1000000000 × (Reward + fee) exceeds"
                                + " $10000000000.00, the largest amount Hitbank handles."),
                Arguments.of("CreateHIT", JSON, String.format(hit, "1")
                                .replace("\"t\"", "\"a\\u0000b\""), 400,
                        "ParameterValidationError", "The value of Title contains the character"
                                + " U+0000, which is not allowed."),
                Arguments.of("UpdateExpirationForHIT", JSON, "{\"HITId\":\"X\","
                        + "\"ExpireAt\":1e30}", 400, "ParameterValidationError",
                        "The value 1.0E30 is not valid for the parameter ExpireAt."),
                Arguments.of("ListHITs", JSON, "{\"NextToken\":\"forged\"}", 400,
                        "ParameterValidationError",
                        "The value \"forged\" is not valid for the parameter NextToken."));
    }

    @ParameterizedTest(name = "{0} {4}")
    @MethodSource("badRequests")
    void badInput_isA4xxWithAnAwsErrorAndChangesNothing(String operation, String contentType,
                                                        String body, int status, String type,
                                                        String message) throws Exception {
        HttpResponse<String> response = post(signed(operation, contentType, body,
                requester.accessKeyId(), requester.secret()));
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).get().asString()
                .matches("[0-9a-f-]{36}");
        assertThat(response.headers().firstValue("Content-Type")).get().asString()
                .startsWith(JSON);
        JsonNode error = mapper.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(type);
        assertThat(error.get("Message").asText()).startsWith(message);
    }

    @Test
    void authFailures_areAwsErrors() throws Exception {
        assertError(post(HttpRequest.newBuilder(URI.create(hitbank.endpoint() + "/"))
                        .header("Content-Type", JSON)
                        .header("X-Amz-Target", PREFIX + "GetAccountBalance")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()),
                403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        assertError(post(signed("GetAccountBalance", JSON, "{}", requester.accessKeyId(),
                        "wrong-secret")), 400, "InvalidSignatureException",
                "The request signature we calculated does not match the signature you"
                        + " provided. Check your AWS Secret Access Key and signing method."
                        + " Consult the service documentation for details.");
        assertError(post(signed("GetAccountBalance", JSON, "{}", "AKHBNOSUCHKEY0000000",
                        requester.secret())), 400, "UnrecognizedClientException",
                "The security token included in the request is invalid.");
    }

    @Test
    void oversizedBody_is413AndNeverRuns() throws Exception {
        String body = "{\"Reason\":\"" + "x".repeat(1 << 20) + "\"}";
        assertError(post(signed("SendBonus", JSON, body, requester.accessKeyId(),
                requester.secret())), 413, "RequestEntityTooLargeException",
                "The request body is larger than 1048576 bytes.");
    }

    @Test
    void success_hasRequestIdAndJsonContentType() throws Exception {
        HttpResponse<String> response = post(signed("GetAccountBalance", JSON, "{}",
                requester.accessKeyId(), requester.secret()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(mapper.readTree(response.body())).isEqualTo(mapper.readTree(
                "{\"AvailableBalance\":\"10.00\",\"OnHoldBalance\":\"0.00\"}"));
    }

    private void assertError(HttpResponse<String> response, int status, String type,
                             String message) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        JsonNode error = mapper.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(type);
        assertThat(error.get("Message").asText()).isEqualTo(message);
    }

    private HttpResponse<String> post(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A request signed with SigV4 by the AWS SDK's own signer. */
    private HttpRequest signed(String operation, String contentType, String body,
                               String accessKeyId, String secret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(hitbank.endpoint() + "/");
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", contentType)
                .putHeader("X-Amz-Target", PREFIX + operation)
                .build();
        var signedRequest = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKeyId, secret))
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "mturk-requester")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        Set<String> restricted = Set.of("host", "content-length");
        signedRequest.forEachHeader((name, values) -> {
            if (!restricted.contains(name.toLowerCase())) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder.build();
    }
}
