package org.hitbank.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hitbank.base.Cents;
import org.hitbank.base.Limits;
import org.hitbank.ledger.FeeSchedule;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Submitted;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.mturk.model.ApproveAssignmentRequest;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceRequest;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceResponse;
import software.amazon.awssdk.services.mturk.model.ListBonusPaymentsRequest;
import software.amazon.awssdk.services.mturk.model.ListBonusPaymentsResponse;
import software.amazon.awssdk.services.mturk.model.MTurkException;
import software.amazon.awssdk.services.mturk.model.RejectAssignmentRequest;
import software.amazon.awssdk.services.mturk.model.RequestErrorException;
import software.amazon.awssdk.services.mturk.model.SendBonusRequest;
import software.amazon.awssdk.services.mturk.model.SendBonusResponse;

/**
 * SendBonus and ListBonusPayments end to end: the AWS SDK for Java v2 MTurk client against a real
 * Hitbank server (MTURK-NOTES §4). The rules are tables, rows in the order the server applies
 * them: model validation (ValidationException), amount, reason, token, worker, assignment, funds.
 * Every refusal is checked for its exact wire error and for leaving every balance unchanged to the
 * cent; every payment for its exact effect on the requester's available balance, the hold, the
 * worker's earnings and ListBonusPayments.
 */
class SendBonusIT {
    static final String AMOUNT_PATTERN = "^[0-9]+(\\.)?[0-9]{0,2}$";
    static final String NO_SUCH_WORKER = "A1NOSUCHWORKER";
    static final String NO_SUCH_ASSIGNMENT = "3NOSUCHASSIGNMENT0000000000000";
    static final String USED_TOKEN = "used-token-1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Bank bank;
    private static Ctx ctx;

    @BeforeAll
    static void startServer() {
        bank = new Bank(TestHitbank.start());
        ctx = Ctx.create(bank);
    }

    @AfterAll
    static void stopServer() {
        if (bank != null) {
            bank.hitbank().close();
        }
    }

    // ================================================================ payments

    static Stream<Arguments> feeCases() {
        // amount as sent, bonus as listed, fee, available after (from exactly 1500.00)
        return Stream.of(
                Arguments.of("1.25", "1.25", "0.25", "1498.50"),
                Arguments.of("0.01", "0.01", "0.01", "1499.98"),
                Arguments.of("0.02", "0.02", "0.01", "1499.97"),
                Arguments.of("0.07", "0.07", "0.01", "1499.92"),
                Arguments.of("0.08", "0.08", "0.02", "1499.90"),
                Arguments.of("0.52", "0.52", "0.10", "1499.38"),
                Arguments.of("0.53", "0.53", "0.11", "1499.36"),
                Arguments.of("0.5", "0.50", "0.10", "1499.40"),
                Arguments.of("5", "5.00", "1.00", "1494.00"),
                Arguments.of("5.", "5.00", "1.00", "1494.00"),
                Arguments.of("00.1", "0.10", "0.02", "1499.88"),
                Arguments.of("99.99", "99.99", "20.00", "1380.01"),
                Arguments.of("1000", "1000.00", "200.00", "300.00"));
    }

    @ParameterizedTest(name = "bonus {0} costs {1} + fee {2}")
    @MethodSource("feeCases")
    void sendBonus_chargesBonusAndFeeToAvailable_andCreditsTheWorker(String amount,
                                                                     String bonus, String fee,
                                                                     String availableAfter) {
        Setup s = bank.setup("1500.00");

        bank.send(s.requester(), s.worker(), s.assignmentId(), amount, "Thank you", null);

        assertThat(bank.balance(s.requester()))
                .isEqualTo(new Balance(availableAfter, "0.60"));
        assertThat(Cents.parseDollars("1500.00") - Cents.parseDollars(availableAfter))
                .as("bonus + fee").isEqualTo(Cents.parseDollars(bonus) + Cents.parseDollars(fee));
        JsonNode earnings = bank.earnings(s.worker());
        assertThat(earnings.get("EarningsBalance").asText()).isEqualTo(bonus);
        assertThat(earnings.get("Payments")).hasSize(1);
        JsonNode payment = earnings.get("Payments").get(0);
        assertThat(payment.get("Kind").asText()).isEqualTo("Bonus");
        assertThat(payment.get("Amount").asText()).isEqualTo(bonus);
        assertThat(payment.get("Reason").asText()).isEqualTo("Thank you");
        assertThat(payment.get("AssignmentId").asText()).isEqualTo(s.assignmentId());
        assertThat(bank.listAll(s.requester(), b -> b.assignmentId(s.assignmentId())))
                .extracting(BonusPayment::bonusAmount).containsExactly(bonus);
    }

    /** How the assignment got to the state in which it receives the bonus. */
    enum Reviewed {
        SUBMITTED, APPROVED, REJECTED, SUBMITTED_ON_A_10_ASSIGNMENT_HIT
    }

    static Stream<Arguments> reviewableCases() {
        // state, balance before the bonus (after a deposit of 10.00), available after, earnings
        return Stream.of(
                Arguments.of(Reviewed.SUBMITTED, new Balance("10.00", "0.60"), "8.80", "1.00"),
                Arguments.of(Reviewed.APPROVED, new Balance("10.00", "0.00"), "8.80", "1.50"),
                Arguments.of(Reviewed.REJECTED, new Balance("10.60", "0.00"), "9.40", "1.00"),
                // the reward fee is 40% from 10 assignments; the bonus fee stays 20%
                Arguments.of(Reviewed.SUBMITTED_ON_A_10_ASSIGNMENT_HIT,
                        new Balance("10.00", "7.00"), "8.80", "1.00"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reviewableCases")
    void sendBonus_paysOnSubmittedApprovedAndRejectedAssignments(Reviewed state, Balance before,
                                                                  String availableAfter,
                                                                  String earningsAfter) {
        TestHitbank hb = bank.hitbank();
        Worker worker = hb.newWorker();
        Requester requester;
        String assignmentId;
        if (state == Reviewed.SUBMITTED_ON_A_10_ASSIGNMENT_HIT) {
            requester = hb.newRequester("7.00");
            String hitId = requester.client().createHIT(TestHitbank.hit("0.50", 10).build())
                    .hit().hitId();
            assignmentId = hb.accept(worker, hitId).get("AssignmentId").asText();
            hb.submit(worker, assignmentId, Map.of("answer", "done"));
        } else {
            requester = hb.newRequester("0.60");
            assignmentId = hb.submittedAssignment(requester, worker, "0.50").assignmentId();
        }
        if (state == Reviewed.APPROVED) {
            requester.client().approveAssignment(ApproveAssignmentRequest.builder()
                    .assignmentId(assignmentId).build());
        } else if (state == Reviewed.REJECTED) {
            requester.client().rejectAssignment(RejectAssignmentRequest.builder()
                    .assignmentId(assignmentId).requesterFeedback("Incomplete").build());
        }
        bank.deposit(requester, "10.00");
        assertThat(bank.balance(requester)).isEqualTo(before);

        bank.send(requester, worker, assignmentId, "1.00", "Bonus after review", null);

        assertThat(bank.balance(requester))
                .isEqualTo(new Balance(availableAfter, before.onHold()));
        assertThat(bank.earnings(worker).get("EarningsBalance").asText())
                .isEqualTo(earningsAfter);
        assertThat(bank.listAll(requester, b -> b.assignmentId(assignmentId)))
                .extracting(BonusPayment::bonusAmount).containsExactly("1.00");
    }

    static Stream<Arguments> limitValueCases() {
        return Stream.of(
                Arguments.of(Named.of("reason of 4096 characters", "x".repeat(4096)), null),
                Arguments.of(Named.of("reason of 4096 astral code points (8192 UTF-16 units)",
                        "\uD83D\uDE00".repeat(4096)), null),
                Arguments.of(Named.of("reason with quotes, newline, tab, markup and non-ASCII",
                        "Danke f\u00fcr \"extra\" Arbeit\n<b>&amp;</b>\t\u2713"), null),
                Arguments.of(Named.of("reason with CR LF and a tab",
                        "line 1\r\nline 2\tafter tab"), null),
                Arguments.of(Named.of("1-character token", "Great work"), "t"),
                Arguments.of(Named.of("64-character token", "Great work"), "T".repeat(64)),
                Arguments.of(Named.of("64 astral code points token", "Great work"),
                        "\uD83D\uDE00".repeat(64)),
                Arguments.of(Named.of("token with spaces and symbols", "Great work"),
                        "order #42 / retry=1 \u2713"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limitValueCases")
    void sendBonus_acceptsReasonsAndTokensAtTheirLimits_andKeepsTheReasonExactly(String reason,
                                                                                  String token) {
        Setup s = bank.setup("10.00");

        bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00", reason, token);

        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("8.80", "0.60"));
        assertThat(bank.earnings(s.worker()).get("Payments").get(0).get("Reason").asText())
                .as("Reason in the worker API").isEqualTo(reason);
        assertThat(bank.listAll(s.requester(), b -> b.assignmentId(s.assignmentId())))
                .extracting(BonusPayment::reason).as("Reason in ListBonusPayments")
                .containsExactly(reason);
    }

    static Stream<Arguments> fundsCases() {
        // available before, bonus, paid?, available after; the HIT's hold of 0.60 is never used
        return Stream.of(
                Arguments.of("1.00", "0.83", true, "0.00"),
                Arguments.of("0.99", "0.83", false, "0.99"),
                Arguments.of("1.00", "0.84", false, "1.00"),
                Arguments.of("1.20", "1.00", true, "0.00"),
                Arguments.of("1.19", "1.00", false, "1.19"),
                Arguments.of("0.02", "0.01", true, "0.00"),
                Arguments.of("0.01", "0.01", false, "0.01"),
                Arguments.of("0.00", "0.01", false, "0.00"));
    }

    @ParameterizedTest(name = "available {0}, bonus {1}: paid={2}")
    @MethodSource("fundsCases")
    void sendBonus_paysOnlyWhenAvailableCoversBonusPlusFee_elseChangesNoBalance(
            String available, String amount, boolean paid, String availableAfter) {
        Setup s = bank.setup(available);

        if (paid) {
            bank.send(s.requester(), s.worker(), s.assignmentId(), amount, "Thanks", null);
        } else {
            Expect.insufficientFunds().assertRefuses(() -> bank.send(s.requester(), s.worker(),
                    s.assignmentId(), amount, "Thanks", null));
        }

        assertThat(bank.balance(s.requester())).isEqualTo(new Balance(availableAfter, "0.60"));
        assertThat(bank.earnings(s.worker()).get("EarningsBalance").asText())
                .isEqualTo(paid ? Cents.toDollars(Cents.parseDollars(amount)) : "0.00");
        assertThat(bank.listAll(s.requester(), b -> b.assignmentId(s.assignmentId())))
                .hasSize(paid ? 1 : 0);
    }

    @Test
    void sendBonus_insufficientFunds_changesNoBalance() {
        Setup s = bank.setup("5.00");
        Snapshot before = bank.snapshot(List.of(s.requester()), List.of(s.worker()));

        Expect.insufficientFunds().assertRefuses(() -> bank.send(s.requester(), s.worker(),
                s.assignmentId(), "4.18", "Too much", null));

        assertThat(bank.snapshot(List.of(s.requester()), List.of(s.worker()))).isEqualTo(before);
        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("5.00", "0.60"));
        assertThat(bank.listAll(s.requester(), b -> b.hitId(s.submitted().hitId()))).isEmpty();
    }

    @Test
    void sendBonus_severalBonusesOnOneAssignmentWithoutToken_allPay() {
        Setup s = bank.setup("10.00");

        for (int i = 0; i < 3; i++) {
            bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00", "Same reason", null);
        }

        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("6.40", "0.60"));
        assertThat(bank.earnings(s.worker()).get("EarningsBalance").asText()).isEqualTo("3.00");
        assertThat(bank.listAll(s.requester(), b -> b.assignmentId(s.assignmentId())))
                .extracting(BonusPayment::bonusAmount).containsExactly("1.00", "1.00", "1.00");
    }

    // ================================================================ refusals

    /** Who calls and what they send, given the shared fixture. */
    interface Call {
        void run(Ctx c);
    }

    private static Arguments refusal(String name, Call call, Expect expect) {
        return Arguments.of(Named.of(name, call), expect);
    }

    /** A call by {@code rich} with W, W's submitted assignment, 1.00 and a reason, changed. */
    private static Call rich(Consumer<SendBonusRequest.Builder> change) {
        return c -> c.send(c.rich(), b -> {
            b.workerId(c.w().workerId()).assignmentId(c.submitted()).bonusAmount("1.00")
                    .reason("Great work");
            change.accept(b);
        });
    }

    private static Call rich(java.util.function.BiConsumer<Ctx, SendBonusRequest.Builder> change) {
        return c -> c.send(c.rich(), b -> {
            b.workerId(c.w().workerId()).assignmentId(c.submitted()).bonusAmount("1.00")
                    .reason("Great work");
            change.accept(c, b);
        });
    }

    private static String patternViolation(String value) {
        return "1 validation error detected: Value '" + value + "' at 'bonusAmount' failed to"
                + " satisfy constraint: Member must satisfy regular expression pattern: "
                + AMOUNT_PATTERN;
    }

    static Stream<Arguments> refusalCases() {
        String zero = "The value \"0.00\" is not valid for the parameter BonusAmount. A bonus must"
                + " be more than $0.00.";
        List<Arguments> rows = new ArrayList<>(List.of(
                // ---- 1. the API model (ValidationException, no TurkErrorCode, no timestamp)
                refusal("WorkerId missing", rich(b -> b.workerId(null)), Expect.validation(
                        "1 validation error detected: Value null at 'workerId' failed to satisfy"
                                + " constraint: Member must not be null")),
                refusal("WorkerId not matching ^A[A-Z0-9]+$", rich(b -> b.workerId("a1bad")),
                        Expect.validation("1 validation error detected: Value 'a1bad' at"
                                + " 'workerId' failed to satisfy constraint: Member must satisfy"
                                + " regular expression pattern: ^A[A-Z0-9]+$")),
                refusal("BonusAmount missing", rich(b -> b.bonusAmount(null)), Expect.validation(
                        "1 validation error detected: Value null at 'bonusAmount' failed to"
                                + " satisfy constraint: Member must not be null"))));
        for (String bad : List.of("0.9752", "1.005", "-1", " 1", "1 ", "1e3", ".50", "",
                "$1.00", "1,00", "1.2.3", "+1", "\uFF11")) {
            rows.add(refusal("BonusAmount '" + bad + "'", rich(b -> b.bonusAmount(bad)),
                    Expect.validation(patternViolation(bad))));
        }
        rows.addAll(List.of(
                refusal("AssignmentId missing", rich(b -> b.assignmentId(null)), Expect.validation(
                        "1 validation error detected: Value null at 'assignmentId' failed to"
                                + " satisfy constraint: Member must not be null")),
                refusal("Reason missing", rich(b -> b.reason(null)), Expect.validation(
                        "1 validation error detected: Value null at 'reason' failed to satisfy"
                                + " constraint: Member must not be null")),
                refusal("UniqueRequestToken empty", rich(b -> b.uniqueRequestToken("")),
                        Expect.validation("1 validation error detected: Value '' at"
                                + " 'uniqueRequestToken' failed to satisfy constraint: Member must"
                                + " have length greater than or equal to 1")),
                refusal("UniqueRequestToken of 65 characters",
                        rich(b -> b.uniqueRequestToken("T".repeat(65))),
                        Expect.validation("1 validation error detected: Value '" + "T".repeat(65)
                                + "' at 'uniqueRequestToken' failed to satisfy constraint: Member"
                                + " must have length less than or equal to 64")),
                refusal("BonusAmount malformed and Reason missing: both listed in model order",
                        rich(b -> b.bonusAmount("1.005").reason(null)),
                        Expect.validation("2 validation errors detected: Value '1.005' at"
                                + " 'bonusAmount' failed to satisfy constraint: Member must satisfy"
                                + " regular expression pattern: " + AMOUNT_PATTERN
                                + "; Value null at 'reason' failed to satisfy constraint: Member"
                                + " must not be null")),
                // ---- 2. the amount (ParameterValidationError)
                refusal("BonusAmount '0'", rich(b -> b.bonusAmount("0")),
                        Expect.invalidParameter("BonusAmount", zero)),
                refusal("BonusAmount '0.00'", rich(b -> b.bonusAmount("0.00")),
                        Expect.invalidParameter("BonusAmount", zero)),
                refusal("BonusAmount '00.'", rich(b -> b.bonusAmount("00.")),
                        Expect.invalidParameter("BonusAmount", zero)),
                refusal("BonusAmount '10000000000.01' (over Hitbank's amount maximum)",
                        rich(b -> b.bonusAmount("10000000000.01")),
                        Expect.invalidParameter("BonusAmount", "The value \"10000000000.01\" is"
                                + " not valid for the parameter BonusAmount. It must be at most"
                                + " 10000000000.00.")),
                // ---- 3. the reason
                refusal("Reason empty", rich(b -> b.reason("")), Expect.invalidParameter(
                        "Reason", "The value \"\" is not valid for the parameter Reason. The"
                                + " reason must not be empty.")),
                refusal("Reason blank", rich(b -> b.reason(" \t\n ")), Expect.invalidParameter(
                        "Reason", "The value \" \t\n \" is not valid for the parameter Reason."
                                + " The reason must not be empty.")),
                // (the Parameter member of these two is checked by its own test, below)
                refusal("Reason of 4097 characters", rich(b -> b.reason("x".repeat(4097))),
                        Expect.invalidParameter("Reason", "The value of Reason has 4097"
                                + " characters; it must have 1 to 4096.").anyParameter()),
                refusal("Reason of 4097 astral code points",
                        rich(b -> b.reason("\uD83D\uDE00".repeat(4097))),
                        Expect.invalidParameter("Reason", "The value of Reason has 4097"
                                + " characters; it must have 1 to 4096.").anyParameter()),
                // ---- 4. the worker
                refusal("WorkerId well-formed but unknown",
                        rich(b -> b.workerId(NO_SUCH_WORKER)),
                        Expect.invalidParameter("WorkerId", "The value \"" + NO_SUCH_WORKER
                                + "\" is not valid for the parameter WorkerId.")),
                // ---- 5. the assignment (RequestError AssignmentDoesNotExist)
                refusal("another requester's assignment (submitted by the same worker)",
                        rich((c, b) -> b.assignmentId(c.otherRequesters())),
                        Expect.assignmentDoesNotExist(c -> c.otherRequesters())),
                refusal("another worker's assignment",
                        rich((c, b) -> b.assignmentId(c.takenOver())),
                        Expect.assignmentDoesNotExist(c -> c.takenOver())),
                refusal("the submitter's assignment, but named with another (known) worker",
                        rich((c, b) -> b.workerId(c.w2().workerId())),
                        Expect.assignmentDoesNotExist(c -> c.submitted())),
                refusal("an assignment accepted but not yet submitted",
                        rich((c, b) -> b.assignmentId(c.accepted())),
                        Expect.assignmentDoesNotExist(c -> c.accepted())),
                refusal("an assignment the worker returned",
                        rich((c, b) -> b.assignmentId(c.returned())),
                        Expect.assignmentDoesNotExist(c -> c.returned())),
                refusal("unknown AssignmentId",
                        rich(b -> b.assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.assignmentDoesNotExist(c -> NO_SUCH_ASSIGNMENT)),
                // ---- 6. the funds (RequestError InsufficientFunds); the hold is not spendable
                refusal("available 0.00 (0.60 on hold), bonus 0.01",
                        c -> c.send(c.poor(), b -> b.workerId(c.w().workerId())
                                .assignmentId(c.poorSubmitted()).bonusAmount("0.01")
                                .reason("Thanks")),
                        Expect.insufficientFunds())));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusalCases")
    void sendBonus_refusesBadRequests_withExactError_andChangesNoBalance(Call call,
                                                                         Expect expect) {
        Snapshot before = ctx.snapshot();

        expect.assertRefuses(ctx, () -> call.run(ctx));

        assertThat(ctx.snapshot()).isEqualTo(before);
    }

    /** Every other ParameterValidationError names its parameter; this one must too. */
    @Test
    void sendBonus_reasonOver4096Characters_namesReasonInTheParameterMember() {
        Snapshot before = ctx.snapshot();

        Expect.invalidParameter("Reason", "The value of Reason has 4097 characters; it must have"
                + " 1 to 4096.").assertRefuses(ctx, () -> rich(b -> b.reason("x".repeat(4097)))
                .run(ctx));

        assertThat(ctx.snapshot()).isEqualTo(before);
    }

    @Test
    void sendBonus_reasonWithACharacterXmlForbids_isRefusedNamingIt() {
        Snapshot before = ctx.snapshot();

        Expect.invalidParameter("Reason", "The value of Reason contains the character U+0000,"
                + " which is not allowed.").assertRefuses(ctx,
                () -> rich(b -> b.reason("line 1\u0000after NUL")).run(ctx));

        assertThat(ctx.snapshot()).isEqualTo(before);
    }

    static Stream<Arguments> precedenceCases() {
        // Each row breaks its own rule and every later one; the earliest rule wins.
        return Stream.of(
                refusal("model pattern > zero/reason/token/worker/assignment/funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.005").reason("")
                                .uniqueRequestToken(USED_TOKEN).workerId(NO_SUCH_WORKER)
                                .assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.validation(patternViolation("1.005"))),
                refusal("zero amount > reason/token/worker/assignment/funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("0").reason("")
                                .uniqueRequestToken(USED_TOKEN).workerId(NO_SUCH_WORKER)
                                .assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.invalidParameter("BonusAmount", "The value \"0.00\" is not valid"
                                + " for the parameter BonusAmount. A bonus must be more than"
                                + " $0.00.")),
                refusal("empty reason > token/worker/assignment/funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.00").reason("")
                                .uniqueRequestToken(USED_TOKEN).workerId(NO_SUCH_WORKER)
                                .assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.invalidParameter("Reason", "The value \"\" is not valid for the"
                                + " parameter Reason. The reason must not be empty.")),
                refusal("used token > worker/assignment/funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.00").reason("Late")
                                .uniqueRequestToken(USED_TOKEN).workerId(NO_SUCH_WORKER)
                                .assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.duplicateDifferent(USED_TOKEN, Ctx::usedTokenRequestId)),
                refusal("unknown worker > assignment/funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.00").reason("Late")
                                .workerId(NO_SUCH_WORKER).assignmentId(NO_SUCH_ASSIGNMENT)),
                        Expect.invalidParameter("WorkerId", "The value \"" + NO_SUCH_WORKER
                                + "\" is not valid for the parameter WorkerId.")),
                refusal("another worker's assignment > funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.00").reason("Late")
                                .workerId(c.w().workerId()).assignmentId(c.poorOthers())),
                        Expect.assignmentDoesNotExist(Ctx::poorOthers)),
                refusal("funds",
                        c -> c.send(c.poor(), b -> b.bonusAmount("1.00").reason("Late")
                                .workerId(c.w().workerId()).assignmentId(c.poorSubmitted())),
                        Expect.insufficientFunds()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precedenceCases")
    void sendBonus_reportsTheFirstBrokenRuleInPrecedenceOrder(Call call, Expect expect) {
        Snapshot before = ctx.snapshot();

        expect.assertRefuses(ctx, () -> call.run(ctx));

        assertThat(ctx.snapshot()).isEqualTo(before);
    }

    // ================================================================ UniqueRequestToken

    @Test
    void sendBonus_repeatedToken_isDuplicateRequestNamingTheOriginalRequest_andPaysOnce() {
        Setup s = bank.setup("10.00");
        String token = "bonus-42";
        SendBonusResponse first = bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00",
                "Great work", token);
        String originalId = first.responseMetadata().requestId();
        assertThat(originalId).isNotBlank();

        for (int i = 0; i < 3; i++) {
            MTurkException e = Expect.duplicateSame(token, c -> originalId).assertRefuses(null,
                    () -> bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00",
                            "Great work", token));
            assertThat(e.awsErrorDetails().errorMessage())
                    .startsWith("The idempotency token \"" + token + "\" has already been"
                            + " processed.")
                    .contains(originalId);
        }

        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("8.80", "0.60"));
        assertThat(bank.earnings(s.worker()).get("EarningsBalance").asText()).isEqualTo("1.00");
        assertThat(bank.listAll(s.requester(), b -> b.assignmentId(s.assignmentId())))
                .hasSize(1);
    }

    /** Which parameter the second call with the same token changes. */
    enum Changed {
        AMOUNT, REASON, ASSIGNMENT, WORKER_AND_ASSIGNMENT, UNKNOWN_WORKER
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changedCases")
    void sendBonus_sameTokenWithDifferentParameters_isDuplicateRequestSayingDifferentParameters(
            Changed changed) {
        TestHitbank hb = bank.hitbank();
        Requester requester = hb.newRequester("1.80");
        Worker worker = hb.newWorker();
        Worker other = hb.newWorker();
        String first = hb.submittedAssignment(requester, worker, "0.50").assignmentId();
        String second = hb.submittedAssignment(requester, worker, "0.50").assignmentId();
        String others = hb.submittedAssignment(requester, other, "0.50").assignmentId();
        bank.deposit(requester, "10.00");
        String token = "tok-" + changed;
        String originalId = bank.send(requester, worker, first, "1.00", "Great work", token)
                .responseMetadata().requestId();
        Snapshot before = bank.snapshot(List.of(requester), List.of(worker, other));

        SendBonusRequest.Builder repeat = SendBonusRequest.builder().workerId(worker.workerId())
                .assignmentId(first).bonusAmount("1.00").reason("Great work")
                .uniqueRequestToken(token);
        switch (changed) {
            case AMOUNT -> repeat.bonusAmount("1.01");
            case REASON -> repeat.reason("Great work!");
            case ASSIGNMENT -> repeat.assignmentId(second);
            case WORKER_AND_ASSIGNMENT -> repeat.workerId(other.workerId()).assignmentId(others);
            case UNKNOWN_WORKER -> repeat.workerId(NO_SUCH_WORKER);
        }
        MTurkException e = Expect.duplicateDifferent(token, c -> originalId)
                .assertRefuses(null, () -> requester.client().sendBonus(repeat.build()));

        assertThat(e.awsErrorDetails().errorMessage()).contains("different parameters")
                .contains(originalId);
        assertThat(bank.snapshot(List.of(requester), List.of(worker, other))).isEqualTo(before);
        assertThat(bank.balance(requester)).isEqualTo(new Balance("8.80", "1.80"));
    }

    static Stream<Changed> changedCases() {
        return Stream.of(Changed.values());
    }

    /** A first call that fails for a reason, then is fixed and retried with the same token. */
    enum FailedFirst {
        MALFORMED_AMOUNT, ZERO_AMOUNT, BLANK_REASON, UNKNOWN_WORKER, OTHER_WORKERS_ASSIGNMENT,
        UNKNOWN_ASSIGNMENT, NOT_YET_SUBMITTED, INSUFFICIENT_FUNDS
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failedFirstCases")
    void sendBonus_failedCallDoesNotUseUpItsToken_soTheFixedRetrySucceedsOnce(FailedFirst cause) {
        TestHitbank hb = bank.hitbank();
        Requester requester = hb.newRequester("1.20");
        Worker worker = hb.newWorker();
        Worker other = hb.newWorker();
        String hitId = requester.client().createHIT(TestHitbank.hit("0.50", 1).build()).hit()
                .hitId();
        String assignmentId = hb.accept(worker, hitId).get("AssignmentId").asText();
        if (cause != FailedFirst.NOT_YET_SUBMITTED) {
            hb.submit(worker, assignmentId, Map.of("answer", "done"));
        }
        String others = hb.submittedAssignment(requester, other, "0.50").assignmentId();
        if (cause != FailedFirst.INSUFFICIENT_FUNDS) {
            bank.deposit(requester, "10.00");
        }
        String token = "retry-" + cause;
        SendBonusRequest good = SendBonusRequest.builder().workerId(worker.workerId())
                .assignmentId(assignmentId).bonusAmount("1.00").reason("Great work")
                .uniqueRequestToken(token).build();
        SendBonusRequest bad = switch (cause) {
            case MALFORMED_AMOUNT -> good.toBuilder().bonusAmount("1.005").build();
            case ZERO_AMOUNT -> good.toBuilder().bonusAmount("0").build();
            case BLANK_REASON -> good.toBuilder().reason("  ").build();
            case UNKNOWN_WORKER -> good.toBuilder().workerId(NO_SUCH_WORKER).build();
            case OTHER_WORKERS_ASSIGNMENT -> good.toBuilder().assignmentId(others).build();
            case UNKNOWN_ASSIGNMENT -> good.toBuilder().assignmentId(NO_SUCH_ASSIGNMENT).build();
            case NOT_YET_SUBMITTED, INSUFFICIENT_FUNDS -> good;
        };
        String expectedType = switch (cause) {
            case MALFORMED_AMOUNT -> "ValidationException";
            case ZERO_AMOUNT, BLANK_REASON, UNKNOWN_WORKER -> "ParameterValidationError";
            default -> "RequestError";
        };
        MTurkException failure = Expect.refusal(() -> requester.client().sendBonus(bad));
        assertThat(failure.awsErrorDetails().errorCode()).isEqualTo(expectedType);
        String failedId = failure.requestId();

        if (cause == FailedFirst.NOT_YET_SUBMITTED) {
            hb.submit(worker, assignmentId, Map.of("answer", "done"));
        }
        if (cause == FailedFirst.INSUFFICIENT_FUNDS) {
            bank.deposit(requester, "1.20");
        }
        Balance before = bank.balance(requester);
        String retryId = requester.client().sendBonus(good).responseMetadata().requestId();

        assertThat(bank.balance(requester)).isEqualTo(new Balance(Cents.toDollars(
                Cents.parseDollars(before.available()) - 120), before.onHold()));
        MTurkException duplicate = Expect.duplicateSame(token, c -> retryId)
                .assertRefuses(null, () -> requester.client().sendBonus(good));
        if (failedId != null) {
            assertThat(duplicate.awsErrorDetails().errorMessage()).doesNotContain(failedId);
        }
        assertThat(bank.listAll(requester, b -> b.assignmentId(assignmentId)))
                .extracting(BonusPayment::bonusAmount).containsExactly("1.00");
        assertThat(bank.earnings(worker).get("EarningsBalance").asText()).isEqualTo("1.00");
    }

    static Stream<FailedFirst> failedFirstCases() {
        return Stream.of(FailedFirst.values());
    }

    @Test
    void sendBonus_tokensArePerRequester_soTwoRequestersMayUseTheSameToken() {
        Setup a = bank.setup("10.00");
        Setup b = bank.setup("10.00");
        String token = "shared-token";

        String idA = bank.send(a.requester(), a.worker(), a.assignmentId(), "1.00", "A", token)
                .responseMetadata().requestId();
        String idB = bank.send(b.requester(), b.worker(), b.assignmentId(), "1.00", "B", token)
                .responseMetadata().requestId();

        assertThat(bank.balance(a.requester())).isEqualTo(new Balance("8.80", "0.60"));
        assertThat(bank.balance(b.requester())).isEqualTo(new Balance("8.80", "0.60"));
        Expect.duplicateSame(token, c -> idA).assertRefuses(null, () -> bank.send(a.requester(),
                a.worker(), a.assignmentId(), "1.00", "A", token));
        Expect.duplicateSame(token, c -> idB).assertRefuses(null, () -> bank.send(b.requester(),
                b.worker(), b.assignmentId(), "1.00", "B", token));
    }

    @Test
    void sendBonus_tokensDifferingOnlyInCase_areDifferentTokens() {
        Setup s = bank.setup("10.00");

        bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00", "Great work", "abc");
        bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00", "Great work", "ABC");

        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("7.60", "0.60"));
    }

    // ================================================================ ListBonusPayments

    @Test
    void listBonusPayments_withNeitherHITIdNorAssignmentId_isParameterValidationError() {
        Setup s = bank.setup("10.00");
        bank.send(s.requester(), s.worker(), s.assignmentId(), "1.00", "Great work", null);

        MTurkException e = Expect.refusal(() -> s.requester().client().listBonusPayments(
                ListBonusPaymentsRequest.builder().maxResults(10).build()));

        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterValidationError");
        assertThat(e.awsErrorDetails().errorMessage()).matches(Pattern.quote("Either the HITId"
                + " parameter or the AssignmentId parameter must be specified.")
                + " \\(\\d{13}\\)");
        assertThat(Expect.body(e).path("TurkErrorCode").asText())
                .isEqualTo("AWS.MechanicalTurk.InvalidParameterValue");
    }

    @Test
    void listBonusPayments_showsTheBonusAsSoonAsSendBonusReturns() {
        Setup s = bank.setup("10.00");
        Instant sent = Instant.now();

        bank.send(s.requester(), s.worker(), s.assignmentId(), "1.25", "Extra care", null);
        Instant returned = Instant.now();

        for (Consumer<ListBonusPaymentsRequest.Builder> filter : List.<Consumer<
                ListBonusPaymentsRequest.Builder>>of(b -> b.assignmentId(s.assignmentId()),
                b -> b.hitId(s.submitted().hitId()))) {
            ListBonusPaymentsRequest.Builder request = ListBonusPaymentsRequest.builder();
            filter.accept(request);
            ListBonusPaymentsResponse page = s.requester().client()
                    .listBonusPayments(request.build());
            assertThat(page.numResults()).isEqualTo(1);
            assertThat(page.nextToken()).isNull();
            BonusPayment bonus = page.bonusPayments().get(0);
            assertThat(bonus.bonusAmount()).isEqualTo("1.25");
            assertThat(bonus.reason()).isEqualTo("Extra care");
            assertThat(bonus.workerId()).isEqualTo(s.worker().workerId());
            assertThat(bonus.assignmentId()).isEqualTo(s.assignmentId());
            assertThat(bonus.grantTime())
                    .isBetween(sent.minusSeconds(3), returned.plusSeconds(3));
        }
    }

    static Stream<Arguments> paginationCases() {
        return Stream.of(
                Arguments.of(Named.of("by AssignmentId", (Function<Paged, Consumer<
                        ListBonusPaymentsRequest.Builder>>) p -> b -> b.assignmentId(p.first())),
                        List.of("first", "second", "third")),
                Arguments.of(Named.of("by HITId", (Function<Paged, Consumer<
                        ListBonusPaymentsRequest.Builder>>) p -> b -> b.hitId(p.hitId())),
                        List.of("first", "second", "other worker", "third")));
    }

    record Paged(String hitId, String first) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paginationCases")
    void listBonusPayments_withMaxResults1_pagesThroughBonusesInGrantOrder(
            Function<Paged, Consumer<ListBonusPaymentsRequest.Builder>> filter,
            List<String> expectedReasons) {
        TestHitbank hb = bank.hitbank();
        Requester requester = hb.newRequester("1.80");
        Worker worker = hb.newWorker();
        Worker other = hb.newWorker();
        String hitId = requester.client().createHIT(TestHitbank.hit("0.50", 2).build()).hit()
                .hitId();
        String mine = hb.accept(worker, hitId).get("AssignmentId").asText();
        hb.submit(worker, mine, Map.of("answer", "done"));
        String others = hb.accept(other, hitId).get("AssignmentId").asText();
        hb.submit(other, others, Map.of("answer", "done"));
        String elsewhere = hb.submittedAssignment(requester, worker, "0.50").assignmentId();
        bank.deposit(requester, "20.00");
        Setup stranger = bank.setup("10.00");
        bank.send(requester, worker, mine, "0.10", "first", null);
        bank.send(requester, worker, elsewhere, "0.20", "another HIT", null);
        bank.send(stranger.requester(), stranger.worker(), stranger.assignmentId(), "0.30",
                "another requester", null);
        bank.send(requester, worker, mine, "0.40", "second", null);
        bank.send(requester, other, others, "0.50", "other worker", null);
        bank.send(requester, worker, mine, "0.60", "third", null);

        List<BonusPayment> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            ListBonusPaymentsRequest.Builder request = ListBonusPaymentsRequest.builder()
                    .maxResults(1).nextToken(next);
            filter.apply(new Paged(hitId, mine)).accept(request);
            ListBonusPaymentsResponse page = requester.client().listBonusPayments(request.build());
            pages++;
            assertThat(page.bonusPayments()).hasSizeLessThanOrEqualTo(1);
            assertThat(page.numResults()).isEqualTo(page.bonusPayments().size());
            if (seen.size() + page.bonusPayments().size() < expectedReasons.size()) {
                assertThat(page.nextToken()).as("NextToken while bonuses remain").isNotNull();
            }
            seen.addAll(page.bonusPayments());
            next = page.nextToken();
        } while (next != null && pages <= expectedReasons.size() + 1);

        assertThat(next).as("pagination ends").isNull();
        assertThat(pages).isBetween(expectedReasons.size(), expectedReasons.size() + 1);
        assertThat(seen).extracting(BonusPayment::reason).containsExactlyElementsOf(
                expectedReasons);
        assertThat(seen).extracting(BonusPayment::grantTime).isSorted();
    }

    static Stream<Arguments> foreignListingCases() {
        return Stream.of(
                Arguments.of(Named.of("another requester's assignment", true)),
                Arguments.of(Named.of("another requester's HIT", false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("foreignListingCases")
    void listBonusPayments_ofAnotherRequestersAssignmentOrHIT_doesNotExist(boolean byAssignment) {
        Setup owner = bank.setup("10.00");
        bank.send(owner.requester(), owner.worker(), owner.assignmentId(), "1.00", "Mine", null);
        Requester stranger = bank.hitbank().newRequester("1.00");

        if (byAssignment) {
            Expect.assignmentDoesNotExist(c -> owner.assignmentId()).assertRefuses(null,
                    () -> stranger.client().listBonusPayments(b -> b.assignmentId(
                            owner.assignmentId())));
        } else {
            Expect.requestError("AWS.MechanicalTurk.HITDoesNotExist",
                    c -> "Hit " + owner.submitted().hitId() + " does not exist.").assertRefuses(
                    null, () -> stranger.client().listBonusPayments(b -> b.hitId(
                            owner.submitted().hitId())));
        }
    }

    // ================================================================ configured schedules

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithABonusMaximumOf500Cents {
        private Bank limited;

        @BeforeAll
        void startServer() {
            limited = new Bank(TestHitbank.start(FeeSchedule.mturk(),
                    new Limits(1 << 20, 500, null, Duration.ofHours(24))));
        }

        @AfterAll
        void stopServer() {
            if (limited != null) {
                limited.hitbank().close();
            }
        }

        Stream<Arguments> maximumCases() {
            String over = " is not valid for the parameter BonusAmount. A bonus may be at most"
                    + " $5.00.";
            return Stream.of(
                    Arguments.of("5.00", "Great work", null, "4.00"),
                    Arguments.of("5", "Great work", null, "4.00"),
                    Arguments.of("4.99", "Great work", null, "4.01"),
                    Arguments.of("5.01", "Great work", Expect.invalidParameter("BonusAmount",
                            "The value \"5.01\"" + over), "10.00"),
                    Arguments.of("1000", "Great work", Expect.invalidParameter("BonusAmount",
                            "The value \"1000.00\"" + over), "10.00"),
                    // precedence: zero before maximum, maximum before reason
                    Arguments.of("0", "Great work", Expect.invalidParameter("BonusAmount",
                            "The value \"0.00\" is not valid for the parameter BonusAmount. A"
                                    + " bonus must be more than $0.00."), "10.00"),
                    Arguments.of("5.01", "", Expect.invalidParameter("BonusAmount",
                            "The value \"5.01\"" + over), "10.00"));
        }

        @ParameterizedTest(name = "bonus {0}")
        @MethodSource("maximumCases")
        void sendBonus_aboveTheConfiguredMaximum_isParameterValidationError(String amount,
                                                                            String reason,
                                                                            Expect expect,
                                                                            String available) {
            Setup s = limited.setup("10.00");

            if (expect == null) {
                limited.send(s.requester(), s.worker(), s.assignmentId(), amount, reason, null);
            } else {
                expect.assertRefuses(null, () -> limited.send(s.requester(), s.worker(),
                        s.assignmentId(), amount, reason, null));
            }

            assertThat(limited.balance(s.requester())).isEqualTo(new Balance(available, "0.60"));
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithAZeroFeeSchedule {
        private Bank free;

        @BeforeAll
        void startServer() {
            free = new Bank(TestHitbank.start(new FeeSchedule(0, 0, 0, 10), Limits.defaults()));
        }

        @AfterAll
        void stopServer() {
            if (free != null) {
                free.hitbank().close();
            }
        }

        @ParameterizedTest(name = "bonus {0}")
        @MethodSource("org.hitbank.market.SendBonusIT#zeroFeeCases")
        void sendBonus_costsExactlyTheBonus(String amount, String available) {
            TestHitbank hb = free.hitbank();
            Requester requester = hb.newRequester("0.50");
            Worker worker = hb.newWorker();
            Submitted submitted = hb.submittedAssignment(requester, worker, "0.50");
            free.deposit(requester, "200.00");
            assertThat(free.balance(requester)).isEqualTo(new Balance("200.00", "0.50"));

            free.send(requester, worker, submitted.assignmentId(), amount, "Thanks", null);

            assertThat(free.balance(requester)).isEqualTo(new Balance(available, "0.50"));
            assertThat(free.earnings(worker).get("EarningsBalance").asText())
                    .isEqualTo(Cents.toDollars(Cents.parseDollars(amount)));
        }
    }

    static Stream<Arguments> zeroFeeCases() {
        return Stream.of(
                Arguments.of("1.00", "199.00"),
                Arguments.of("0.01", "199.99"),
                Arguments.of("123.45", "76.55"),
                Arguments.of("200", "0.00"));
    }

    // ================================================================ fixture

    record Balance(String available, String onHold) {
    }

    /** Every balance and bonus count the refusal tests watch, for before/after comparison. */
    record Snapshot(List<Balance> balances, List<String> earnings, List<Integer> bonuses) {
    }

    /** A requester with one assignment submitted by {@code worker}. */
    record Setup(Requester requester, Worker worker, Submitted submitted) {
        String assignmentId() {
            return submitted.assignmentId();
        }
    }

    /** Helpers over one {@link TestHitbank}. */
    record Bank(TestHitbank hitbank) {
        /**
         * A new requester whose available balance is exactly {@code available}, 0.60 on hold for
         * a 0.50 one-assignment HIT, and a new worker who submitted its assignment.
         */
        Setup setup(String available) {
            Requester requester = hitbank.newRequester("0.60");
            Worker worker = hitbank.newWorker();
            Submitted submitted = hitbank.submittedAssignment(requester, worker, "0.50");
            deposit(requester, available);
            assertThat(balance(requester)).isEqualTo(new Balance(available, "0.60"));
            return new Setup(requester, worker, submitted);
        }

        void deposit(Requester requester, String dollars) {
            long cents = Cents.parseDollars(dollars);
            if (cents > 0) {
                hitbank.server().market().deposit(requester.requesterId(), cents);
            }
        }

        Balance balance(Requester requester) {
            GetAccountBalanceResponse response = requester.client()
                    .getAccountBalance(GetAccountBalanceRequest.builder().build());
            return new Balance(response.availableBalance(), response.onHoldBalance());
        }

        JsonNode earnings(Worker worker) {
            TestHitbank.Response response = hitbank.workerCall(worker, "GET",
                    "/worker/api/earnings", null);
            assertThat(response.status()).as(response.text()).isEqualTo(200);
            return response.json();
        }

        SendBonusResponse send(Requester requester, Worker worker, String assignmentId,
                               String amount, String reason, String token) {
            return requester.client().sendBonus(SendBonusRequest.builder()
                    .workerId(worker.workerId()).assignmentId(assignmentId).bonusAmount(amount)
                    .reason(reason).uniqueRequestToken(token).build());
        }

        /** Every bonus the filter selects, following NextToken. */
        List<BonusPayment> listAll(Requester requester,
                                   Consumer<ListBonusPaymentsRequest.Builder> filter) {
            List<BonusPayment> all = new ArrayList<>();
            String next = null;
            int pages = 0;
            do {
                ListBonusPaymentsRequest.Builder request = ListBonusPaymentsRequest.builder()
                        .maxResults(100).nextToken(next);
                filter.accept(request);
                ListBonusPaymentsResponse page = requester.client()
                        .listBonusPayments(request.build());
                all.addAll(page.bonusPayments());
                next = page.nextToken();
                assertThat(++pages).as("pages").isLessThan(100);
            } while (next != null);
            return all;
        }

        Snapshot snapshot(List<Requester> requesters, List<Worker> workers) {
            return new Snapshot(requesters.stream().map(this::balance).toList(),
                    workers.stream().map(w -> earnings(w).toString()).toList(), List.of());
        }
    }

    /**
     * The shared fixture of the refusal tables. {@code rich} has exactly 100.00 available and
     * three HITs: W's submitted assignment, W's accepted one, and one W accepted and returned
     * that W2 then accepted and submitted ({@code takenOver}). {@code other} has W's submitted
     * assignment. {@code poor} has 0.00 available (1.20 on hold), W's and W2's submitted
     * assignments, and has used {@link #USED_TOKEN} for a 0.25 bonus on W's.
     */
    record Ctx(Bank bank, Requester rich, Requester other, Requester poor, Worker w, Worker w2,
               String submitted, String accepted, String returned, String takenOver,
               String otherRequesters, String poorSubmitted, String poorOthers,
               String usedTokenRequestId) {
        static Ctx create(Bank bank) {
            TestHitbank hb = bank.hitbank();
            Worker w = hb.newWorker();
            Worker w2 = hb.newWorker();

            Requester rich = hb.newRequester("1.80");
            String submitted = hb.submittedAssignment(rich, w, "0.50").assignmentId();
            String acceptedHit = rich.client().createHIT(TestHitbank.hit("0.50", 1).build())
                    .hit().hitId();
            String accepted = hb.accept(w, acceptedHit).get("AssignmentId").asText();
            String returnedHit = rich.client().createHIT(TestHitbank.hit("0.50", 1).build())
                    .hit().hitId();
            String returned = hb.accept(w, returnedHit).get("AssignmentId").asText();
            hb.returnAssignment(w, returned);
            String takenOver = hb.accept(w2, returnedHit).get("AssignmentId").asText();
            hb.submit(w2, takenOver, Map.of("answer", "done"));
            bank.deposit(rich, "100.00");
            assertThat(bank.balance(rich)).isEqualTo(new Balance("100.00", "1.80"));

            Requester other = hb.newRequester("0.60");
            String otherRequesters = hb.submittedAssignment(other, w, "0.50").assignmentId();
            bank.deposit(other, "100.00");

            Requester poor = hb.newRequester("1.20");
            String poorSubmitted = hb.submittedAssignment(poor, w, "0.50").assignmentId();
            String poorOthers = hb.submittedAssignment(poor, w2, "0.50").assignmentId();
            bank.deposit(poor, "0.30");
            String usedTokenRequestId = bank.send(poor, w, poorSubmitted, "0.25", "Used",
                    USED_TOKEN).responseMetadata().requestId();
            assertThat(bank.balance(poor)).isEqualTo(new Balance("0.00", "1.20"));

            return new Ctx(bank, rich, other, poor, w, w2, submitted, accepted, returned,
                    takenOver, otherRequesters, poorSubmitted, poorOthers, usedTokenRequestId);
        }

        void send(Requester requester, Consumer<SendBonusRequest.Builder> request) {
            SendBonusRequest.Builder builder = SendBonusRequest.builder();
            request.accept(builder);
            requester.client().sendBonus(builder.build());
        }

        /**
         * Balances of the three requesters and the two workers' earnings (with their payment
         * lists): any bonus paid, to anyone in the fixture, changes one of them.
         */
        Snapshot snapshot() {
            return new Snapshot(List.of(bank.balance(rich), bank.balance(other),
                    bank.balance(poor)), List.of(bank.earnings(w).toString(),
                    bank.earnings(w2).toString()), List.of());
        }
    }

    /**
     * An expected wire error: {@code __type}, TurkErrorCode and Parameter (null: absent), and the
     * message, exact, followed by MTurk's {@code " (<epoch millis>)"} when {@code timestamped}.
     */
    record Expect(String type, String turkErrorCode, String parameter,
                  Function<Ctx, String> message, boolean timestamped, boolean checkParameter) {
        static Expect validation(String message) {
            return new Expect("ValidationException", null, null, c -> message, false, true);
        }

        static Expect invalidParameter(String parameter, String message) {
            return new Expect("ParameterValidationError",
                    "AWS.MechanicalTurk.InvalidParameterValue", parameter, c -> message, true,
                    true);
        }

        static Expect requestError(String turkErrorCode, Function<Ctx, String> message) {
            return new Expect("RequestError", turkErrorCode, null, message, true, true);
        }

        /** The same, but without checking the body's Parameter member. */
        Expect anyParameter() {
            return new Expect(type, turkErrorCode, parameter, message, timestamped, false);
        }

        static Expect assignmentDoesNotExist(Function<Ctx, String> assignmentId) {
            return requestError("AWS.MechanicalTurk.AssignmentDoesNotExist",
                    c -> "Assignment " + assignmentId.apply(c) + " does not exist.");
        }

        static Expect insufficientFunds() {
            return requestError("AWS.MechanicalTurk.InsufficientFunds", c -> "This Requester has"
                    + " insufficient funds in their account to complete this transaction.");
        }

        static Expect duplicateSame(String token, Function<Ctx, String> originalRequestId) {
            return requestError("AWS.MechanicalTurk.DuplicateRequest", c -> "The idempotency"
                    + " token \"" + token + "\" has already been processed. Original request ID: "
                    + originalRequestId.apply(c) + ".");
        }

        static Expect duplicateDifferent(String token, Function<Ctx, String> originalRequestId) {
            return requestError("AWS.MechanicalTurk.DuplicateRequest", c -> "The idempotency"
                    + " token \"" + token + "\" has already been used by request "
                    + originalRequestId.apply(c) + " with different parameters.");
        }

        void assertRefuses(Runnable call) {
            assertRefuses(null, call);
        }

        /** Runs {@code call}, which must fail with exactly this error; returns the exception. */
        MTurkException assertRefuses(Ctx c, Runnable call) {
            MTurkException e = refusal(call);
            AwsErrorDetails details = e.awsErrorDetails();
            assertThat(e.statusCode()).as("HTTP status").isEqualTo(400);
            assertThat(details.errorCode()).as("__type").isEqualTo(type);
            String expected = message.apply(c);
            if (timestamped) {
                assertThat(details.errorMessage()).as("Message")
                        .matches(Pattern.compile(Pattern.quote(expected) + " \\(\\d{13}\\)",
                                Pattern.DOTALL));
            } else {
                assertThat(details.errorMessage()).as("Message").isEqualTo(expected);
            }
            JsonNode body = body(e);
            assertThat(body.hasNonNull("TurkErrorCode") ? body.get("TurkErrorCode").asText()
                    : null).as("TurkErrorCode").isEqualTo(turkErrorCode);
            if (checkParameter) {
                assertThat(body.hasNonNull("Parameter") ? body.get("Parameter").asText() : null)
                        .as("Parameter").isEqualTo(parameter);
            }
            if (type.equals("RequestError")) {
                assertThat(e).isInstanceOf(RequestErrorException.class);
                assertThat(((RequestErrorException) e).turkErrorCode()).isEqualTo(turkErrorCode);
            }
            return e;
        }

        static MTurkException refusal(Runnable call) {
            try {
                call.run();
            } catch (MTurkException e) {
                return e;
            }
            return fail("expected the call to be refused, but it succeeded");
        }

        static JsonNode body(MTurkException e) {
            assertThat(e.awsErrorDetails().rawResponse()).as("raw error body").isNotNull();
            try {
                return MAPPER.readTree(e.awsErrorDetails().rawResponse().asUtf8String());
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
