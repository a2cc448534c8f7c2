package org.hitbank.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.mturk.model.AssignmentStatus;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceResponse;

/**
 * The AWS CLI v2 of Debian ({@code /usr/bin/aws}, package {@code awscli}, 2.9.19) runs a HIT's
 * lifecycle against a real Hitbank with {@code aws mturk ... --endpoint-url}; the worker side
 * goes through the fixture's worker API helpers. Each command's exit code, stdout (JSON) and
 * stderr are asserted exactly, then the server's state through the Java SDK.
 *
 * <p>A machine without {@code /usr/bin/aws} fails this test (CI installs {@code awscli}); it is
 * never skipped. Each CLI start costs 1-3 s, so the two read-only error cases run in parallel
 * with the lifecycle.
 */
class AwsCliIT {
    private static final Path AWS = Path.of("/usr/bin/aws");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String TIMESTAMP = " \\(\\d{13}\\)";

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    @Timeout(60)
    void lifecycleWithDebianAwsCliV2(@org.junit.jupiter.api.io.TempDir Path temp)
            throws Exception {
        assertThat(Files.isExecutable(AWS))
                .as("%s is missing: install Debian's AWS CLI v2 (apt-get install awscli)", AWS)
                .isTrue();

        try (TestHitbank hitbank = TestHitbank.start()) {
            Requester requester = hitbank.newRequester("100.00");
            Worker worker = hitbank.newWorker();
            Cli cli = new Cli(hitbank.endpoint(), requester.accessKeyId(), requester.secret(),
                    false);
            // For errors: a 400 is never retried, so this too sends exactly one request.
            Cli asUsers = new Cli(hitbank.endpoint(), requester.accessKeyId(),
                    requester.secret(), true);
            Cli forged = new Cli(hitbank.endpoint(), requester.accessKeyId(),
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", true);

            // Read-only calls, in parallel with the lifecycle below.
            CompletableFuture<Boto3IT.Result> unknownHit = asUsers.async("get-hit", "--hit-id",
                    "3ZZZZNOSUCHHIT0000000000000000");
            CompletableFuture<Boto3IT.Result> cliVersion = cli.asyncCommand(List.of("--version"));

            JsonNode balance = cli.json("get-account-balance");
            assertThat(balance.path("AvailableBalance").asText()).isEqualTo("100.00");
            assertThat(balance.path("OnHoldBalance").asText()).isEqualTo("0.00");

            Path question = temp.resolve("question.xml");
            Files.writeString(question, TestHitbank.EXTERNAL_QUESTION, StandardCharsets.UTF_8);
            JsonNode hit = cli.json("create-hit", "--title", "Label images", "--description",
                    "Label 10 images", "--keywords", "images,labels", "--reward", "0.50",
                    "--max-assignments", "1", "--lifetime-in-seconds", "3600",
                    "--assignment-duration-in-seconds", "600",
                    "--auto-approval-delay-in-seconds", "86400",
                    "--question", "file://" + question).path("HIT");
            String hitId = hit.path("HITId").asText();
            assertThat(hitId).matches("[A-Z0-9]{30}");
            assertThat(hit.path("HITStatus").asText()).isEqualTo("Assignable");
            assertThat(hit.path("Reward").asText()).isEqualTo("0.50");
            assertThat(hit.path("MaxAssignments").asInt()).isEqualTo(1);
            assertThat(hit.path("Question").asText()).isEqualTo(TestHitbank.EXTERNAL_QUESTION);

            String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
            hitbank.submit(worker, assignmentId, Map.of("q1", "black cat"));
            // A wrong secret: refused before anything runs (checked at the end).
            CompletableFuture<Boto3IT.Result> forgedBonus = forged.async("send-bonus",
                    "--worker-id", worker.workerId(), "--bonus-amount", "5.00",
                    "--assignment-id", assignmentId, "--reason", "forged",
                    "--unique-request-token", "cli-forged");

            JsonNode listed = cli.json("list-assignments-for-hit", "--hit-id", hitId);
            // The CLI paginates list commands and prints only the merged result key.
            assertThat(listed.path("Assignments")).as(listed.toString()).hasSize(1);
            JsonNode assignment = listed.path("Assignments").get(0);
            assertThat(assignment.path("AssignmentId").asText()).isEqualTo(assignmentId);
            assertThat(assignment.path("WorkerId").asText()).isEqualTo(worker.workerId());
            assertThat(assignment.path("AssignmentStatus").asText()).isEqualTo("Submitted");
            assertThat(assignment.path("Answer").asText()).contains(
                    "<QuestionIdentifier>q1</QuestionIdentifier><FreeText>black cat</FreeText>");

            Boto3IT.Result approved = cli.run("approve-assignment", "--assignment-id",
                    assignmentId, "--requester-feedback", "Thanks!");
            assertThat(approved.exitCode()).as(approved.toString()).isZero();
            assertThat(approved.stdout()).as(approved.toString()).isEmpty();

            String token = "cli-bonus-" + assignmentId;
            List<String> sendBonus = List.of("send-bonus", "--worker-id", worker.workerId(),
                    "--bonus-amount", "1.25", "--assignment-id", assignmentId, "--reason",
                    "Thanks for the great work", "--unique-request-token", token);
            Boto3IT.Result sent = cli.run(sendBonus.toArray(String[]::new));
            assertThat(sent.exitCode()).as(sent.toString()).isZero();
            assertThat(sent.stdout()).as(sent.toString()).isEmpty();

            Boto3IT.Result repeat = asUsers.run(sendBonus.toArray(String[]::new));
            assertThat(repeat.exitCode()).as(repeat.toString()).isEqualTo(254);
            assertThat(repeat.stdout()).as(repeat.toString()).isEmpty();
            assertThat(repeat.stderr()).as(repeat.toString()).contains("An error occurred"
                    + " (RequestError) when calling the SendBonus operation: The idempotency"
                    + " token \"" + token + "\" has already been processed.");
            assertThat(repeat.stderr().strip()).as(repeat.toString()).matches(Pattern.quote(
                    "An error occurred (RequestError) when calling the SendBonus operation: The"
                    + " idempotency token \"" + token + "\" has already been processed."
                    + " Original request ID: ") + "[0-9a-f-]{36}\\." + TIMESTAMP);

            CompletableFuture<Boto3IT.Result> finalBalance = cli.async("get-account-balance");
            JsonNode payments = cli.json("list-bonus-payments", "--assignment-id", assignmentId);
            assertThat(payments.path("BonusPayments")).as(payments.toString()).hasSize(1);
            JsonNode payment = payments.path("BonusPayments").get(0);
            assertThat(payment.path("WorkerId").asText()).isEqualTo(worker.workerId());
            assertThat(payment.path("BonusAmount").asText()).isEqualTo("1.25");
            assertThat(payment.path("AssignmentId").asText()).isEqualTo(assignmentId);
            assertThat(payment.path("Reason").asText()).isEqualTo("Thanks for the great work");

            // 100.00 - (0.50 reward + 0.10 fee) - (1.25 bonus + 0.25 fee) = 97.90
            balance = cli.json(finalBalance.join());
            assertThat(balance.path("AvailableBalance").asText()).isEqualTo("97.90");
            assertThat(balance.path("OnHoldBalance").asText()).isEqualTo("0.00");

            Boto3IT.Result forgedResult = forgedBonus.join();
            assertThat(forgedResult.exitCode()).as(forgedResult.toString()).isEqualTo(254);
            assertThat(forgedResult.stdout()).as(forgedResult.toString()).isEmpty();
            assertThat(forgedResult.stderr()).as(forgedResult.toString()).contains(
                    "An error occurred (InvalidSignatureException) when calling the SendBonus"
                            + " operation: The request signature we calculated does not match"
                            + " the signature you provided.");

            Boto3IT.Result missing = unknownHit.join();
            assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(254);
            assertThat(missing.stdout()).as(missing.toString()).isEmpty();
            assertThat(missing.stderr().strip()).as(missing.toString()).matches(Pattern.quote(
                    "An error occurred (RequestError) when calling the GetHIT operation: Hit"
                    + " 3ZZZZNOSUCHHIT0000000000000000 does not exist.") + TIMESTAMP);
            Boto3IT.Result version = cliVersion.join();
            assertThat(version.stdout()).as(version.toString()).startsWith("aws-cli/2.");

            // The server's own view.
            GetAccountBalanceResponse server = requester.client().getAccountBalance();
            assertThat(server.availableBalance()).isEqualTo("97.90");
            assertThat(server.onHoldBalance()).isEqualTo("0.00");
            assertThat(requester.client().getAssignment(b -> b.assignmentId(assignmentId))
                    .assignment().assignmentStatus()).isEqualTo(AssignmentStatus.APPROVED);
            List<BonusPayment> bonuses = requester.client()
                    .listBonusPayments(b -> b.hitId(hitId)).bonusPayments();
            assertThat(bonuses).singleElement().satisfies(b -> {
                assertThat(b.bonusAmount()).isEqualTo("1.25");
                assertThat(b.reason()).isEqualTo("Thanks for the great work");
            });
            assertThat(hitbank.workerCall(worker, "GET", "/worker/api/earnings", null).json()
                    .path("EarningsBalance").asText()).isEqualTo("1.75");
        }
    }

    /** {@code /usr/bin/aws mturk <command> --endpoint-url <ep>} with one requester's keys. */
    private final class Cli {
        private final String endpoint;
        private final Map<String, String> env = new HashMap<>();

        /**
         * @param defaultRetries false: one attempt per call ({@code AWS_MAX_ATTEMPTS=1});
         *     true: the CLI's own retry settings (standard mode, 3 attempts), so error texts are
         *     exactly what users see. With {@code AWS_MAX_ATTEMPTS=1} botocore's standard mode
         *     inserts {@code " (reached max retries: 0)"} into every error sentence, even for
         *     errors it never retries.
         */
        Cli(String endpoint, String accessKeyId, String secret, boolean defaultRetries) {
            this.endpoint = endpoint;
            env.put("AWS_ACCESS_KEY_ID", accessKeyId);
            env.put("AWS_SECRET_ACCESS_KEY", secret);
            if (defaultRetries) {
                env.put("AWS_MAX_ATTEMPTS", null);
            }
        }

        Boto3IT.Result run(String... mturkArgs) {
            return command(mturk(mturkArgs));
        }

        /** Runs a command that must succeed with JSON on stdout; returns it. */
        JsonNode json(String... mturkArgs) throws IOException {
            return json(run(mturkArgs));
        }

        /** A finished command's JSON stdout, after checking it succeeded. */
        JsonNode json(Boto3IT.Result result) throws IOException {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stderr()).as(result.toString()).isEmpty();
            return mapper.readTree(result.stdout());
        }

        CompletableFuture<Boto3IT.Result> async(String... mturkArgs) {
            return asyncCommand(mturk(mturkArgs));
        }

        CompletableFuture<Boto3IT.Result> asyncCommand(List<String> args) {
            return CompletableFuture.supplyAsync(() -> command(args));
        }

        private List<String> mturk(String... mturkArgs) {
            List<String> args = new ArrayList<>(List.of("mturk"));
            args.addAll(List.of(mturkArgs));
            args.addAll(List.of("--endpoint-url", endpoint, "--output", "json"));
            return args;
        }

        private Boto3IT.Result command(List<String> args) {
            List<String> command = new ArrayList<>(List.of(AWS.toString()));
            command.addAll(args);
            try {
                return Boto3IT.run(command, env, COMMAND_TIMEOUT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
