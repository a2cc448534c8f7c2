package org.hitbank.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hitbank.base.Cents;
import org.hitbank.market.SendBonusIT.Balance;
import org.hitbank.market.SendBonusIT.Bank;
import org.hitbank.market.SendBonusIT.Setup;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.RequestErrorException;
import software.amazon.awssdk.services.mturk.model.SendBonusRequest;

/**
 * SendBonus under concurrent load: {@value #THREADS} threads, each with its own SDK client of the
 * same requester, against a real server. The store must serialise the balance check and the
 * debit (no overdraft, no lost update) and the token check and its recording (no double payment).
 */
class ConcurrentBonusIT {
    private static final int THREADS = 16;
    private static final int CALLS = 200;
    private static final int ROUNDS = 10;
    private static final String INSUFFICIENT = "This Requester has insufficient funds in their"
            + " account to complete this transaction.";

    private static TestHitbank hitbank;
    private static Bank bank;

    @BeforeAll
    static void startServer() {
        hitbank = TestHitbank.start();
        bank = new Bank(hitbank);
    }

    @AfterAll
    static void stopServer() {
        if (hitbank != null) {
            hitbank.close();
        }
    }

    /** One successful call: which request, on which assignment, with which server request id. */
    record Paid(int call, int assignment, String requestId) {
    }

    @Test
    void sendBonus_200ConcurrentBonusesOnExactFunds_payExactlyWhatTheBalanceAffords()
            throws InterruptedException {
        int assignments = 4;
        Requester requester = hitbank.newRequester("2.40");
        List<Worker> workers = new ArrayList<>();
        List<String> assignmentIds = new ArrayList<>();
        for (int k = 0; k < assignments; k++) {
            Worker worker = hitbank.newWorker();
            workers.add(worker);
            assignmentIds.add(hitbank.submittedAssignment(requester, worker, "0.50")
                    .assignmentId());
        }
        assertThat(bank.balance(requester)).isEqualTo(new Balance("0.00", "2.40"));
        bank.deposit(requester, "10.00");
        Balance before = bank.balance(requester);
        assertThat(before).isEqualTo(new Balance("10.00", "2.40"));
        long cost = 25 + 5;  // bonus 0.25, fee max(1, 20% of 25) = 5 cents
        long affordable = Cents.parseDollars(before.available()) / cost;
        assertThat(affordable).isEqualTo(33);

        AtomicInteger next = new AtomicInteger();
        AtomicInteger insufficient = new AtomicInteger();
        Queue<Paid> paid = new ConcurrentLinkedQueue<>();
        Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<MTurkClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int t = 0; t < THREADS; t++) {
                MTurkClient client = hitbank.client(requester.accessKeyId(), requester.secret());
                clients.add(client);
                pool.submit(() -> {
                    ready.countDown();
                    await(go);
                    for (int i = next.getAndIncrement(); i < CALLS; i = next.getAndIncrement()) {
                        int k = i % assignments;
                        try {
                            String requestId = client.sendBonus(SendBonusRequest.builder()
                                    .workerId(workers.get(k).workerId())
                                    .assignmentId(assignmentIds.get(k)).bonusAmount("0.25")
                                    .reason("load #" + i).build())
                                    .responseMetadata().requestId();
                            paid.add(new Paid(i, k, requestId));
                        } catch (RequestErrorException e) {
                            if ("AWS.MechanicalTurk.InsufficientFunds".equals(e.turkErrorCode())
                                    && e.awsErrorDetails().errorMessage().matches(
                                            Pattern.quote(INSUFFICIENT) + " \\(\\d{13}\\)")) {
                                insufficient.incrementAndGet();
                            } else {
                                unexpected.add("call " + i + ": " + e.turkErrorCode() + " "
                                        + e.awsErrorDetails().errorMessage());
                            }
                        } catch (RuntimeException e) {
                            unexpected.add("call " + i + ": " + e);
                        }
                    }
                });
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).as("load finished").isTrue();
        } finally {
            pool.shutdownNow();
            clients.forEach(MTurkClient::close);
        }

        assertThat(unexpected).as("neither success nor InsufficientFunds").isEmpty();
        assertThat(paid).hasSize(33);
        assertThat(insufficient.get()).isEqualTo(CALLS - 33);
        assertThat(bank.balance(requester)).isEqualTo(new Balance("0.10", "2.40"));

        // ListBonusPayments shows exactly the successful calls, and each worker got exactly those
        BigDecimal earned = BigDecimal.ZERO;
        for (int k = 0; k < assignments; k++) {
            int assignment = k;
            List<BonusPayment> listed = bank.listAll(requester,
                    b -> b.assignmentId(assignmentIds.get(assignment)));
            List<String> paidReasons = paid.stream().filter(p -> p.assignment() == assignment)
                    .map(p -> "load #" + p.call()).toList();
            assertThat(listed).extracting(BonusPayment::reason)
                    .containsExactlyInAnyOrderElementsOf(paidReasons);
            assertThat(listed).extracting(BonusPayment::bonusAmount).containsOnly("0.25");
            assertThat(listed).extracting(BonusPayment::workerId)
                    .containsOnly(workers.get(k).workerId());
            String earnings = bank.earnings(workers.get(k)).get("EarningsBalance").asText();
            assertThat(earnings).isEqualTo(Cents.toDollars(25L * paidReasons.size()));
            earned = earned.add(new BigDecimal(earnings));
        }
        assertThat(earned).isEqualByComparingTo("8.25");
        assertThat(paid.stream().map(Paid::requestId).distinct()).hasSize(33);
        hitbank.assertInvariants();
    }

    @Test
    void sendBonus_sameTokenSentConcurrently_paysOnce_andTheOthersAreDuplicateRequests()
            throws InterruptedException {
        Setup s = bank.setup("10.00");
        List<MTurkClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Map<Integer, String> paidRequestIds = new java.util.TreeMap<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                clients.add(hitbank.client(s.requester().accessKeyId(), s.requester().secret()));
            }
            for (int round = 0; round < ROUNDS; round++) {
                String token = "concurrent-" + round;
                SendBonusRequest request = SendBonusRequest.builder()
                        .workerId(s.worker().workerId()).assignmentId(s.assignmentId())
                        .bonusAmount("0.25").reason("round " + round).uniqueRequestToken(token)
                        .build();
                Queue<String> paid = new ConcurrentLinkedQueue<>();
                Queue<String> duplicates = new ConcurrentLinkedQueue<>();
                Queue<String> unexpected = new ConcurrentLinkedQueue<>();
                CountDownLatch ready = new CountDownLatch(THREADS);
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch done = new CountDownLatch(THREADS);
                for (MTurkClient client : clients) {
                    pool.submit(() -> {
                        try {
                            ready.countDown();
                            await(go);
                            paid.add(client.sendBonus(request).responseMetadata().requestId());
                        } catch (RequestErrorException e) {
                            if ("AWS.MechanicalTurk.DuplicateRequest".equals(e.turkErrorCode())) {
                                duplicates.add(e.awsErrorDetails().errorMessage());
                            } else {
                                unexpected.add(e.turkErrorCode() + " "
                                        + e.awsErrorDetails().errorMessage());
                            }
                        } catch (RuntimeException e) {
                            unexpected.add(e.toString());
                        } finally {
                            done.countDown();
                        }
                    });
                }
                assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
                go.countDown();
                assertThat(done.await(2, TimeUnit.MINUTES)).as("round finished").isTrue();

                assertThat(unexpected).as("round " + round + ": unexpected outcomes").isEmpty();
                assertThat(paid).as("round " + round + ": successes").hasSize(1);
                String original = paid.peek();
                assertThat(duplicates).as("round " + round + ": duplicates")
                        .hasSize(THREADS - 1)
                        .allSatisfy(message -> assertThat(message).matches(Pattern.quote(
                                "The idempotency token \"" + token + "\" has already been"
                                        + " processed. Original request ID: " + original + ".")
                                + " \\(\\d{13}\\)"));
                paidRequestIds.put(round, original);
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(MTurkClient::close);
        }

        // paid once per round: 10 × (0.25 + 0.05)
        assertThat(bank.balance(s.requester())).isEqualTo(new Balance("7.00", "0.60"));
        assertThat(bank.earnings(s.worker()).get("EarningsBalance").asText()).isEqualTo("2.50");
        List<BonusPayment> listed = bank.listAll(s.requester(),
                b -> b.assignmentId(s.assignmentId()));
        assertThat(listed).extracting(BonusPayment::reason).containsExactlyElementsOf(
                paidRequestIds.keySet().stream().map(r -> "round " + r)
                        .collect(Collectors.toList()));
        hitbank.assertInvariants();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("start signal not given");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
