package org.hitbank.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hitbank.base.Limits;
import org.hitbank.cli.HitbankServer;
import org.hitbank.cli.ServerConfig;
import org.hitbank.ledger.FeeSchedule;
import org.hitbank.market.Model.RequesterCredentials;
import org.hitbank.market.Model.WorkerCredentials;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.CreateHitRequest;

/**
 * A real Hitbank server for end-to-end tests: a fresh SQLite file in a temporary directory, a
 * free port, and a {@link MutableClock} for the market's time (the sweeper is slowed to once a
 * minute; tests call {@link #sweep()}). {@link #close()} asserts the ledger's invariants, so every
 * test that uses it ends with an audit.
 */
public final class TestHitbank implements AutoCloseable {
    /** An ExternalQuestion document, as real clients send. */
    public static final String EXTERNAL_QUESTION = "<ExternalQuestion xmlns=\"http://mechanicalturk"
            + ".amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd\">"
            + "<ExternalURL>https://example.com/task?x=1&amp;y=2</ExternalURL>"
            + "<FrameHeight>600</FrameHeight></ExternalQuestion>";

    public final MutableClock clock = new MutableClock();
    private final Path dataDir;
    private final HitbankServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    private TestHitbank(FeeSchedule fees, Limits limits) throws IOException {
        dataDir = Files.createTempDirectory("hitbank-test");
        server = HitbankServer.start(new ServerConfig(dataDir, "127.0.0.1", 0,
                Set.of("us-east-1"), Duration.ofMinutes(15), fees, limits,
                Duration.ofMinutes(1)), clock);
    }

    /** A server with MTurk's fee schedule and the default limits. */
    public static TestHitbank start() {
        return start(FeeSchedule.mturk(), Limits.defaults());
    }

    public static TestHitbank start(FeeSchedule fees, Limits limits) {
        try {
            return new TestHitbank(fees, limits);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public HitbankServer server() {
        return server;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A requester with {@code depositDollars} deposited (none when null) and an SDK client. */
    public Requester newRequester(String depositDollars) {
        RequesterCredentials c = server.market().createRequester("test requester");
        if (depositDollars != null) {
            server.market().deposit(c.requesterId(),
                    org.hitbank.base.Cents.parseDollars(depositDollars));
        }
        return new Requester(c.requesterId(), c.accessKeyId(), c.secretAccessKey(),
                client(c.accessKeyId(), c.secretAccessKey()));
    }

    /** An MTurk SDK client for these credentials, without retries (errors surface at once). */
    public MTurkClient client(String accessKeyId, String secret) {
        return MTurkClient.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId, secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .build();
    }

    public Worker newWorker() {
        WorkerCredentials c = server.market().createWorker("test worker");
        return new Worker(c.workerId(), c.secret());
    }

    /** Applies time-driven changes now (expiry, abandonment, auto-approval). */
    public void sweep() {
        server.market().sweep();
    }

    /** A minimal CreateHIT request: reward, assignments, lifetime 1 h, duration 10 min. */
    public static CreateHitRequest.Builder hit(String reward, int maxAssignments) {
        return CreateHitRequest.builder().title("Label images").description("Label 10 images")
                .reward(reward).maxAssignments(maxAssignments).lifetimeInSeconds(3600L)
                .assignmentDurationInSeconds(600L).autoApprovalDelayInSeconds(86400L)
                .question(EXTERNAL_QUESTION);
    }

    /** Creates a HIT; the worker accepts and submits; returns the submitted assignment's id. */
    public Submitted submittedAssignment(Requester requester, Worker worker, String reward) {
        String hitId = requester.client().createHIT(hit(reward, 1).build()).hit().hitId();
        String assignmentId = accept(worker, hitId).get("AssignmentId").asText();
        submit(worker, assignmentId, Map.of("answer", "done"));
        return new Submitted(hitId, assignmentId);
    }

    // ------------------------------------------------------------ worker API

    public JsonNode accept(Worker worker, String hitId) {
        return expectOk(workerCall(worker, "POST", "/worker/api/hits/" + hitId + "/accept",
                null));
    }

    public JsonNode submit(Worker worker, String assignmentId, Map<String, String> answers) {
        return expectOk(workerCall(worker, "POST", "/worker/api/assignments/" + assignmentId
                + "/submit", mapper.createObjectNode().set("Answers", mapper.valueToTree(answers))
                .toString()));
    }

    public JsonNode returnAssignment(Worker worker, String assignmentId) {
        return expectOk(workerCall(worker, "POST", "/worker/api/assignments/" + assignmentId
                + "/return", null));
    }

    /** Any worker API call: the status and the parsed JSON body. */
    public Response workerCall(Worker worker, String method, String path, String jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (worker.workerId() + ":" + worker.secret())
                                .getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody));
        return send(request.build());
    }

    /** MTurk's externalSubmit form post. */
    public Response externalSubmit(Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(endpoint() + "/mturk/externalSubmit"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A raw post to externalSubmit with any content type. */
    public Response externalSubmitAs(String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create(endpoint() + "/mturk/externalSubmit"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request,
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (response.headers().firstValue("Content-Type").orElse("").contains("json")) {
                json = mapper.readTree(response.body());
            }
            return new Response(response.statusCode(), json, response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode expectOk(Response response) {
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json();
    }

    /** Asserts the ledger's invariants hold. */
    public void assertInvariants() {
        assertThat(server.market().audit()).as("ledger invariants").isEmpty();
    }

    @Override
    public void close() {
        try {
            assertInvariants();
        } finally {
            server.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover temporary directory is harmless
            }
        }
    }

    public record Requester(String requesterId, String accessKeyId, String secret,
                            MTurkClient client) {
    }

    public record Worker(String workerId, String secret) {
    }

    public record Submitted(String hitId, String assignmentId) {
    }

    public record Response(int status, JsonNode json, String text) {
    }
}
