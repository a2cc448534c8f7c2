package org.hitbank.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.mturk.model.Assignment;
import software.amazon.awssdk.services.mturk.model.AssignmentStatus;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceResponse;
import software.amazon.awssdk.services.mturk.model.HIT;

/**
 * Debian's boto3 ({@code /usr/bin/python3} with {@code python3-boto3}, boto3 1.26) runs a
 * whole HIT lifecycle against a real Hitbank: {@code src/test/resources/clients/
 * lifecycle_boto3.py} checks what it can on its own and prints a JSON summary, whose exact
 * values this test asserts, and then the server's state is checked through the Java SDK.
 *
 * <p>A machine without boto3 for {@code /usr/bin/python3} fails this test (CI installs
 * {@code python3-boto3}); it is never skipped.
 */
class Boto3IT {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(45);
    private static final String TIMESTAMP = " \\(\\d{13}\\)";

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    @Timeout(60)
    void lifecycleWithDebianBoto3() throws Exception {
        assertThat(Files.isExecutable(PYTHON))
                .as("%s is missing: install Debian's python3 and python3-boto3"
                        + " (apt-get install python3-boto3)", PYTHON)
                .isTrue();
        Result probe = run(List.of(PYTHON.toString(), "-c", "import boto3, botocore;"
                + " print(boto3.__version__, botocore.__version__, boto3.__file__)"),
                Map.of(), Duration.ofSeconds(30));
        if (probe.exitCode() != 0) {
            fail("%s cannot import boto3: install Debian's python3-boto3 (apt-get install"
                    + " python3-boto3). stderr:%n%s", PYTHON, probe.stderr());
        }

        try (TestHitbank hitbank = TestHitbank.start()) {
            Requester requester = hitbank.newRequester("100.00");
            Worker worker = hitbank.newWorker();

            Result result = run(List.of(PYTHON.toString(), script().toString(),
                    hitbank.endpoint()), Map.of(
                    "AWS_ACCESS_KEY_ID", requester.accessKeyId(),
                    "AWS_SECRET_ACCESS_KEY", requester.secret(),
                    "HITBANK_WORKER_ID", worker.workerId(),
                    "HITBANK_WORKER_SECRET", worker.secret()), SCRIPT_TIMEOUT);
            String report = "lifecycle_boto3.py exit " + result.exitCode() + " after "
                    + result.elapsed().toMillis() + " ms\nstdout:\n" + result.stdout()
                    + "\nstderr:\n" + result.stderr();
            assertThat(result.exitCode()).as(report).isZero();
            JsonNode s = mapper.readTree(result.stdout());

            // Debian's package, not the image's pyenv boto3 or a pip install.
            assertThat(s.path("boto3File").asText()).as(report)
                    .startsWith("/usr/lib/python3/dist-packages/boto3/");
            assertThat(s.path("ok").asBoolean()).as(report).isTrue();

            String hitId = s.path("hitId").asText();
            String hit2Id = s.path("hit2Id").asText();
            String assignmentId = s.path("assignmentId").asText();
            assertThat(hitId).matches("[A-Z0-9]{30}");
            assertThat(hit2Id).matches("[A-Z0-9]{30}").isNotEqualTo(hitId);
            assertThat(assignmentId).matches("[A-Z0-9]{30}");

            // Balances, to the cent: 100.00 deposit; 0.50 reward + 0.10 fee held, then paid;
            // 1.25 bonus + 0.25 fee; the second HIT's 0.60 hold released by delete_hit.
            assertBalance(s.path("balanceStart"), "100.00", "0.00");
            assertBalance(s.path("balanceAfterCreate"), "99.40", "0.60");
            assertBalance(s.path("balanceAfterApprove"), "99.40", "0.00");
            assertBalance(s.path("balanceAfterBonus"), "97.90", "0.00");
            assertBalance(s.path("balanceEnd"), "97.90", "0.00");

            assertThat(s.path("hit").path("HITStatus").asText()).isEqualTo("Assignable");
            assertThat(s.path("hit").path("Reward").asText()).isEqualTo("0.50");
            assertThat(s.path("listedAssignment").path("WorkerId").asText())
                    .isEqualTo(worker.workerId());
            assertThat(s.path("listedAssignment").path("AssignmentStatus").asText())
                    .isEqualTo("Submitted");
            assertThat(s.path("listedAssignment").path("Answers").path("q1").asText())
                    .isEqualTo("black cat <&> \"quoted\" caf\u00e9 \u2713");
            assertThat(s.path("approvedAssignment").path("AssignmentStatus").asText())
                    .isEqualTo("Approved");

            // The repeated send_bonus: client.exceptions.RequestError with the token's text.
            JsonNode repeat = s.path("repeat");
            String token = "boto3-bonus-" + assignmentId;
            String bonusRequestId = s.path("bonusRequestId").asText();
            assertThat(repeat.path("class").asText()).isEqualTo("RequestError");
            assertThat(repeat.path("code").asText()).isEqualTo("RequestError");
            assertThat(repeat.path("httpStatus").asInt()).isEqualTo(400);
            assertThat(repeat.path("TurkErrorCode").asText())
                    .isEqualTo("AWS.MechanicalTurk.DuplicateRequest");
            assertThat(repeat.path("message").asText()).matches(
                    java.util.regex.Pattern.quote("The idempotency token \"" + token
                            + "\" has already been processed. Original request ID: "
                            + bonusRequestId + ".") + TIMESTAMP);
            assertThat(repeat.path("str").asText()).isEqualTo("An error occurred (RequestError)"
                    + " when calling the SendBonus operation: " + repeat.path("message").asText());

            assertThat(s.path("bonusPayments")).hasSize(1);
            JsonNode payment = s.path("bonusPayments").get(0);
            assertThat(payment.path("BonusAmount").asText()).isEqualTo("1.25");
            assertThat(payment.path("WorkerId").asText()).isEqualTo(worker.workerId());
            assertThat(payment.path("AssignmentId").asText()).isEqualTo(assignmentId);
            assertThat(payment.path("Reason").asText())
                    .isEqualTo("Thanks \u2014 great work & more \u00fc");

            JsonNode unknown = s.path("unknownHit");
            assertThat(unknown.path("class").asText()).isEqualTo("RequestError");
            assertThat(unknown.path("TurkErrorCode").asText())
                    .isEqualTo("AWS.MechanicalTurk.HITDoesNotExist");
            assertThat(unknown.path("message").asText()).matches(
                    "Hit 3ZZZZNOSUCHHIT0000000000000000 does not exist\\." + TIMESTAMP);

            JsonNode badAmount = s.path("badAmount");
            assertThat(badAmount.path("class").asText()).isEqualTo("ClientError");
            assertThat(badAmount.path("code").asText()).isEqualTo("ValidationException");
            assertThat(badAmount.path("httpStatus").asInt()).isEqualTo(400);
            assertThat(badAmount.path("message").asText()).isEqualTo("1 validation error"
                    + " detected: Value '0.9752' at 'bonusAmount' failed to satisfy constraint:"
                    + " Member must satisfy regular expression pattern: ^[0-9]+(\\.)?[0-9]{0,2}$");

            JsonNode pagination = s.path("pagination");
            assertThat(texts(pagination.path("page1"))).containsExactly(hitId);
            assertThat(texts(pagination.path("page2"))).containsExactly(hit2Id);
            assertThat(texts(pagination.path("paginatorIds"))).containsExactly(hitId, hit2Id);
            assertThat(s.path("hitStatusAtEnd").asText()).isEqualTo("Reviewable");

            // The server's own view, through the Java SDK and the worker API.
            GetAccountBalanceResponse balance = requester.client().getAccountBalance();
            assertThat(balance.availableBalance()).isEqualTo("97.90");
            assertThat(balance.onHoldBalance()).isEqualTo("0.00");
            Assignment assignment = requester.client()
                    .getAssignment(b -> b.assignmentId(assignmentId)).assignment();
            assertThat(assignment.assignmentStatus()).isEqualTo(AssignmentStatus.APPROVED);
            assertThat(assignment.workerId()).isEqualTo(worker.workerId());
            List<BonusPayment> bonuses = requester.client()
                    .listBonusPayments(b -> b.hitId(hitId)).bonusPayments();
            assertThat(bonuses).singleElement().satisfies(b -> {
                assertThat(b.bonusAmount()).isEqualTo("1.25");
                assertThat(b.assignmentId()).isEqualTo(assignmentId);
            });
            assertThat(requester.client().listHITs(b -> b.maxResults(100)).hiTs())
                    .extracting(HIT::hitId).containsExactly(hitId);
            JsonNode earnings = hitbank.workerCall(worker, "GET", "/worker/api/earnings", null)
                    .json();
            assertThat(earnings.path("EarningsBalance").asText()).isEqualTo("1.75");
        }
    }

    private static void assertBalance(JsonNode balance, String available, String onHold) {
        assertThat(balance.path("AvailableBalance").asText()).as("AvailableBalance of %s",
                balance).isEqualTo(available);
        assertThat(balance.path("OnHoldBalance").asText()).as("OnHoldBalance of %s", balance)
                .isEqualTo(onHold);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private Path script() throws URISyntaxException {
        URL url = getClass().getResource("/clients/lifecycle_boto3.py");
        assertThat(url).as("clients/lifecycle_boto3.py on the test classpath").isNotNull();
        return Path.of(url.toURI());
    }

    /** What a finished process printed. */
    record Result(int exitCode, String stdout, String stderr, Duration elapsed) {
    }

    /**
     * Runs a command with a clean environment for AWS clients: no inherited {@code AWS_*},
     * {@code PYTHON*} or proxy variables, no config or credentials files, one attempt per call.
     * {@code extraEnv} adds to that; a null value removes the variable.
     */
    static Result run(List<String> command, Map<String, String> extraEnv, Duration timeout)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("hitbank-client", ".out");
        Path err = Files.createTempFile("hitbank-client", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("PYTHON")
                    || name.toLowerCase().endsWith("_proxy"));
            env.put("AWS_DEFAULT_REGION", "us-east-1");
            env.put("AWS_MAX_ATTEMPTS", "1");
            env.put("AWS_CONFIG_FILE", "/dev/null");
            env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            env.put("AWS_PAGER", "");
            env.put("AWS_EC2_METADATA_DISABLED", "true");
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("PYTHONNOUSERSITE", "1");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            env.put("PYTHONUTF8", "1");
            extraEnv.forEach((name, value) -> {
                if (value == null) {
                    env.remove(name);
                } else {
                    env.put(name, value);
                }
            });
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail("%s did not finish within %s%nstdout:%n%s%nstderr:%n%s", command, timeout,
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), elapsed);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
