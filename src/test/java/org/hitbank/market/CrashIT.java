package org.hitbank.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hitbank.testing.ServerProcess;
import org.hitbank.testing.ServerProcess.CliResult;
import org.hitbank.testing.TestHitbank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.BonusPayment;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceResponse;
import software.amazon.awssdk.services.mturk.model.ListBonusPaymentsRequest;
import software.amazon.awssdk.services.mturk.model.ListBonusPaymentsResponse;
import software.amazon.awssdk.services.mturk.model.MTurkException;
import software.amazon.awssdk.services.mturk.model.RequestErrorException;
import software.amazon.awssdk.services.mturk.model.SendBonusRequest;
import software.amazon.awssdk.services.mturk.model.ServiceException;

/**
 * The crash test: a real server process takes a SendBonus load from 8 threads and is killed with
 * SIGKILL while calls are in flight, then restarted on the same data directory; twice. After each
 * restart every acknowledged bonus must still be there (its token is refused as already processed
 * and ListBonusPayments lists it), every call whose outcome was unknown is paid at most once when
 * retried, the balance is exact to the cent, and {@code hitbank check} passes (run by a separate
 * JVM next to the restarted server).
 *
 * <p>It also measures acknowledged SendBonus calls per second (each a durable SQLite commit) and,
 * as a baseline on the same server and threads just before, GetAccountBalance calls per second (a
 * read), after a short warm-up of both; the ratio is what to report, as absolute numbers depend on
 * the machine. The output shows each phase's time and the system load average, since a busy
 * machine moves the numbers a lot. Run alone:
 * {@code mvn -o verify -Dit.test=CrashIT -Dtest=NoSuchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 * On failure the data directory, with the servers' logs ({@code server-<n>.log}), is kept.
 */
class CrashIT {
    private static final String STORE = "SQLite (WAL, synchronous=FULL)";
    private static final int THREADS = 8;
    private static final int CYCLES = 2;
    /** JIT warm-up of both JVMs before measuring: GetAccountBalance and SendBonus mixed. */
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration BASELINE = Duration.ofSeconds(2);
    private static final Duration LOAD = Duration.ofSeconds(3);
    /** Bonuses started per warm-up and per load, at most: with bonuses of at most $0.99 + $0.20
     *  fee, 2 × (500 + 3,500) × $1.19 = $9,520 fits the deposit whatever the throughput. */
    private static final int WARM_UP_BONUSES_MAX = 500;
    private static final int LOAD_CALLS_MAX = 3_500;
    private static final long DEPOSIT_CENTS = 10_000_00;
    private static final long REWARD_CENTS = 10;
    /** The HIT's hold: its one assignment's reward and fee (20 %, at least a cent). */
    private static final long HOLD_CENTS = REWARD_CENTS + fee(REWARD_CENTS);
    private static final String REASON = "crash test bonus";
    private static final String DUPLICATE = "AWS.MechanicalTurk.DuplicateRequest";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dataDir;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String accessKeyId;
    private String secretAccessKey;
    private String workerId;
    private String workerSecret;
    private String assignmentId;
    private final long testStart = System.nanoTime();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void everyAcknowledgedBonusSurvivesKillMinus9() throws Exception {
        setUpWithCli();
        phase("set up with the CLI");
        ServerProcess server = ServerProcess.start(dataDir);
        phase("server started, pid " + server.pid());
        try {
            createSubmittedAssignment(server);
            phase("assignment submitted");
            // every token known to be processed exactly once, with its amount in cents
            Map<String, Long> settled = new LinkedHashMap<>();
            List<Cycle> cycles = new ArrayList<>();
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                Cycle c = crashCycle(cycle, server, settled);
                cycles.add(c);
                server = c.restarted;
            }
            report(cycles);
        } finally {
            server.close();
        }
    }

    // ------------------------------------------------------------------ the cycle

    private Cycle crashCycle(int cycle, ServerProcess server, Map<String, Long> settled)
            throws Exception {
        List<MTurkClient> clients = clients(server.endpoint());
        double baselinePerSecond;
        Load load;
        try {
            settled.putAll(warmUp(cycle, clients));
            phase("warmed up");
            baselinePerSecond = callsPerSecond(clients, BASELINE);
            phase("baseline measured");
            load = bonusLoadThenKill(cycle, clients, server);
            phase("killed with SIGKILL during the load");
        } finally {
            clients.forEach(MTurkClient::close);
        }
        List<String> serverErrors = server.output().lines()
                .filter(line -> line.contains("ERROR") || line.contains("Exception")).toList();
        if (!serverErrors.isEmpty()) {
            System.out.println("CrashIT cycle " + cycle + ": the killed server logged:\n"
                    + String.join("\n", serverErrors));
        }
        assertThat(load.unexpected).as("refusals during the load (cycle %d)", cycle).isEmpty();
        assertThat(load.runningAtKill).as("load threads still sending when killed (cycle %d)",
                cycle).isEqualTo(THREADS);
        assertThat(load.acknowledged).as("acknowledged bonuses (cycle %d)", cycle).isNotEmpty();

        ServerProcess restarted = ServerProcess.start(dataDir);
        phase("server restarted, pid " + restarted.pid());
        List<MTurkClient> verifiers = clients(restarted.endpoint());
        try {
            settled.putAll(load.acknowledged);
            // (a) every acknowledged bonus, from this cycle and the earlier ones, is on record:
            // sent again with its token it is refused as already processed
            Map<String, String> again = resend(verifiers, settled);
            phase(settled.size() + " acknowledged bonuses sent again");
            again.forEach((token, outcome) -> assertThat(outcome)
                    .as("acknowledged %s sent again after restart %d", token, cycle)
                    .isEqualTo("duplicate"));

            // (b) before resolving the unknown outcomes: all acknowledged listed, nothing extra
            // beyond the calls whose outcome is unknown
            Map<String, Long> pending = new LinkedHashMap<>(load.unknown);
            pending.putAll(load.refused);
            List<Long> listed = listBonusCents(verifiers.get(0));
            assertThat(listed.size()).as("bonuses listed after restart %d", cycle)
                    .isBetween(settled.size(), settled.size() + pending.size());
            assertContains(multiset(listed), multiset(settled.values()),
                    "listed bonuses include the acknowledged ones, cycle " + cycle);

            // the unknown outcomes, retried with their tokens: paid now or already, never twice;
            // a ServiceFault promised nothing changed, so its retry must pay
            Map<String, String> retried = resend(verifiers, pending);
            int committedBeforeKill = 0;
            for (Map.Entry<String, String> e : retried.entrySet()) {
                if (load.refused.containsKey(e.getKey())) {
                    assertThat(e.getValue()).as("retry of %s refused by ServiceFault",
                            e.getKey()).isEqualTo("paid");
                } else {
                    assertThat(e.getValue()).as("retry of unknown-outcome %s", e.getKey())
                            .isIn("paid", "duplicate");
                }
                if (e.getValue().equals("duplicate")) {
                    committedBeforeKill++;
                }
            }
            settled.putAll(pending);
            phase(pending.size() + " unknown outcomes retried");

            // (b) now exactly the settled bonuses, each once
            listed = listBonusCents(verifiers.get(0));
            assertThat(listed).as("bonuses listed after retries, cycle %d", cycle)
                    .hasSameSizeAs(settled.values());
            assertThat(multiset(listed)).as("listed amounts = settled amounts, cycle %d", cycle)
                    .isEqualTo(multiset(settled.values()));

            // (c) the balance, to the cent
            long spent = 0;
            long bonuses = 0;
            for (long cents : listed) {
                spent += cents + fee(cents);
                bonuses += cents;
            }
            GetAccountBalanceResponse balance = verifiers.get(0).getAccountBalance(b -> { });
            assertThat(cents(balance.availableBalance())).as("AvailableBalance, cycle %d", cycle)
                    .isEqualTo(DEPOSIT_CENTS - HOLD_CENTS - spent);
            assertThat(cents(balance.onHoldBalance())).as("OnHoldBalance, cycle %d", cycle)
                    .isEqualTo(HOLD_CENTS);
            assertThat(cents(workerEarnings(restarted).path("EarningsBalance").asText()))
                    .as("worker's EarningsBalance, cycle %d", cycle).isEqualTo(bonuses);

            // (d) the ledger's invariants, checked by the CLI next to the running server
            CliResult check = ServerProcess.runCli("check", "--data-dir", dir());
            assertThat(check.exitCode()).as("check after restart %d: %s", cycle, check).isZero();
            phase("check next to the restarted server passed");

            Cycle result = new Cycle(cycle, baselinePerSecond, load, committedBeforeKill,
                    settled.size(), restarted);
            System.out.println(result.line());
            return result;
        } catch (Throwable t) {
            System.out.println("CrashIT cycle " + cycle + " failed; data and server logs kept in "
                    + dataDir);
            restarted.close();
            throw t;
        } finally {
            verifiers.forEach(MTurkClient::close);
        }
    }

    /**
     * Runs the SendBonus load until {@link #LOAD} has passed or {@link #LOAD_CALLS_MAX} calls have
     * started, then kills the server while the threads still send.
     */
    private Load bonusLoadThenKill(int cycle, List<MTurkClient> clients, ServerProcess server)
            throws InterruptedException {
        Load load = new Load();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger running = new AtomicInteger(THREADS);
        CountDownLatch enough = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            MTurkClient client = clients.get(t);
            threads.add(Thread.ofPlatform().name("bonus-load-" + t).start(() -> {
                try {
                    for (int n = 0; !stop.get(); n++) {
                        if (started.incrementAndGet() >= LOAD_CALLS_MAX) {
                            enough.countDown();
                        }
                        String token = "crash-c" + cycle + "-t" + thread + "-" + n;
                        long cents = 1 + Math.floorMod(thread * 37 + n * 13 + cycle * 5, 99);
                        String outcome = send(client, token, cents);
                        switch (outcome) {
                            case "paid", "duplicate" -> load.acknowledged.put(token, cents);
                            case "fault" -> load.refused.put(token, cents);
                            case "unknown" -> load.unknown.put(token, cents);
                            default -> {
                                load.refused.put(token, cents);
                                load.unexpected.add(token + ": " + outcome);
                            }
                        }
                        if (outcome.equals("unknown")) {
                            // the connection broke: a real client would stop and retry later
                            break;
                        }
                    }
                } finally {
                    running.decrementAndGet();
                }
            }));
        }
        long start = System.nanoTime();
        enough.await(LOAD.toMillis(), TimeUnit.MILLISECONDS);
        load.loadAverage = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        load.runningAtKill = running.get();
        load.acknowledgedAtKill = load.acknowledged.size();
        load.seconds = (System.nanoTime() - start) / 1e9;
        server.kill9();
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30));
            assertThat(thread.isAlive()).as("%s stopped", thread.getName()).isFalse();
        }
        load.started = started.get();
        return load;
    }

    /** One SendBonus: "paid", "duplicate", "fault" (ServiceFault), "unknown" or the error. */
    private String send(MTurkClient client, String token, long cents) {
        try {
            client.sendBonus(SendBonusRequest.builder().workerId(workerId)
                    .assignmentId(assignmentId).bonusAmount(dollars(cents)).reason(REASON)
                    .uniqueRequestToken(token).build());
            return "paid";
        } catch (RequestErrorException e) {
            if (DUPLICATE.equals(e.turkErrorCode())
                    && e.getMessage().contains("has already been processed")) {
                return "duplicate";
            }
            return "RequestError " + e.turkErrorCode() + ": " + e.getMessage();
        } catch (ServiceException e) {
            return "fault";
        } catch (MTurkException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            // connection refused, reset or closed mid-response: the bonus may or may not be paid
            return "unknown";
        }
    }

    /**
     * Warms both JVMs up for {@link #WARM_UP}: each thread alternates GetAccountBalance and
     * SendBonus (at most {@link #WARM_UP_BONUSES_MAX} bonuses in all). The server is not disturbed,
     * so every call must succeed; returns the bonuses paid, token → cents.
     */
    private Map<String, Long> warmUp(int cycle, List<MTurkClient> clients)
            throws InterruptedException {
        Map<String, Long> paid = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger bonuses = new AtomicInteger();
        long deadline = System.nanoTime() + WARM_UP.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients.size(); t++) {
            int thread = t;
            MTurkClient client = clients.get(t);
            threads.add(Thread.ofPlatform().name("warm-up-" + t).start(() -> {
                for (int n = 0; System.nanoTime() < deadline; n++) {
                    try {
                        client.getAccountBalance(b -> { });
                    } catch (RuntimeException e) {
                        errors.add("GetAccountBalance: " + e);
                        return;
                    }
                    if (bonuses.incrementAndGet() <= WARM_UP_BONUSES_MAX) {
                        String token = "warm-c" + cycle + "-t" + thread + "-" + n;
                        long cents = 1 + Math.floorMod(thread * 41 + n * 17 + cycle, 99);
                        String outcome = send(client, token, cents);
                        if (!outcome.equals("paid")) {
                            errors.add(token + ": " + outcome);
                            return;
                        }
                        paid.put(token, cents);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30));
        }
        assertThat(errors).as("errors during the warm-up").isEmpty();
        return paid;
    }

    /** Sends each bonus again with its token from 8 threads: token → outcome of {@link #send}. */
    private Map<String, String> resend(List<MTurkClient> clients, Map<String, Long> bonuses)
            throws InterruptedException {
        List<Map.Entry<String, Long>> list = new ArrayList<>(bonuses.entrySet());
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients.size(); t++) {
            int first = t;
            MTurkClient client = clients.get(t);
            threads.add(Thread.ofPlatform().name("resend-" + t).start(() -> {
                for (int i = first; i < list.size(); i += clients.size()) {
                    Map.Entry<String, Long> bonus = list.get(i);
                    outcomes.put(bonus.getKey(), send(client, bonus.getKey(), bonus.getValue()));
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(60));
        }
        assertThat(outcomes).as("resend outcomes").hasSize(list.size());
        return outcomes;
    }

    /** GetAccountBalance from every client in parallel for {@code duration}: calls per second. */
    private static double callsPerSecond(List<MTurkClient> clients, Duration duration)
            throws InterruptedException {
        AtomicLong calls = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (MTurkClient client : clients) {
            threads.add(Thread.ofPlatform().name("balance-load").start(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        client.getAccountBalance(b -> { });
                        calls.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e.toString());
                        return;
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(errors).as("GetAccountBalance errors").isEmpty();
        return calls.get() / seconds;
    }

    // ------------------------------------------------------------------ set-up

    /** Requester, $10,000 deposit and worker, made by the CLI as an operator would. */
    private void setUpWithCli() {
        CliResult requester = ServerProcess.runCli("requester", "create", "--name",
                "crash-test requester", "--data-dir", dir());
        assertThat(requester.exitCode()).as("requester create: %s", requester).isZero();
        accessKeyId = requester.value("aws_access_key_id");
        secretAccessKey = requester.value("aws_secret_access_key");

        CliResult deposit = ServerProcess.runCli("deposit", "--requester", accessKeyId,
                "--amount", dollars(DEPOSIT_CENTS), "--data-dir", dir());
        assertThat(deposit.exitCode()).as("deposit: %s", deposit).isZero();

        CliResult worker = ServerProcess.runCli("worker", "create", "--name",
                "crash-test worker", "--data-dir", dir());
        assertThat(worker.exitCode()).as("worker create: %s", worker).isZero();
        workerId = worker.value("WorkerId");
        workerSecret = worker.value("WorkerSecret");
    }

    /** A HIT with one assignment at $0.10, accepted and submitted by the worker. */
    private void createSubmittedAssignment(ServerProcess server) {
        try (MTurkClient client = client(server.endpoint())) {
            String hitId = client.createHIT(TestHitbank.hit(dollars(REWARD_CENTS), 1).build())
                    .hit().hitId();
            JsonNode accepted = workerPost(server, "/worker/api/hits/" + hitId + "/accept",
                    null);
            assignmentId = accepted.path("AssignmentId").asText();
            assertThat(assignmentId).as("accept: %s", accepted).isNotEmpty();
            workerPost(server, "/worker/api/assignments/" + assignmentId + "/submit",
                    "{\"Answers\":{\"q\":\"a\"}}");
            GetAccountBalanceResponse balance = client.getAccountBalance(b -> { });
            assertThat(cents(balance.availableBalance())).isEqualTo(DEPOSIT_CENTS - HOLD_CENTS);
            assertThat(cents(balance.onHoldBalance())).isEqualTo(HOLD_CENTS);
        }
    }

    // ------------------------------------------------------------------ clients

    private List<MTurkClient> clients(String endpoint) {
        List<MTurkClient> clients = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            clients.add(client(endpoint));
        }
        return clients;
    }

    /** An SDK client that never retries: an error surfaces at once, as the test needs. */
    private MTurkClient client(String endpoint) {
        return MTurkClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(20)).build())
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .build();
    }

    /** Every bonus of the assignment, in cents, all pages of 100. */
    private List<Long> listBonusCents(MTurkClient client) {
        List<Long> cents = new ArrayList<>();
        String next = null;
        do {
            ListBonusPaymentsResponse page = client.listBonusPayments(
                    ListBonusPaymentsRequest.builder().assignmentId(assignmentId).maxResults(100)
                            .nextToken(next).build());
            for (BonusPayment b : page.bonusPayments()) {
                assertThat(b.workerId()).isEqualTo(workerId);
                assertThat(b.assignmentId()).isEqualTo(assignmentId);
                assertThat(b.reason()).isEqualTo(REASON);
                cents.add(cents(b.bonusAmount()));
            }
            assertThat(page.numResults()).isEqualTo(page.bonusPayments().size());
            next = page.nextToken();
        } while (next != null);
        return cents;
    }

    private JsonNode workerPost(ServerProcess server, String path, String json) {
        return workerCall(server, HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode workerEarnings(ServerProcess server) {
        return workerCall(server, HttpRequest.newBuilder(
                URI.create(server.endpoint() + "/worker/api/earnings")).GET());
    }

    private JsonNode workerCall(ServerProcess server, HttpRequest.Builder request) {
        request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (workerId + ":" + workerSecret).getBytes(StandardCharsets.UTF_8)));
        request.timeout(Duration.ofSeconds(20));
        try {
            HttpResponse<String> response = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s: %s\nserver output:\n%s", request.build()
                    .uri(), response.body(), server.output()).isEqualTo(200);
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ money

    /** MTurk's bonus fee: 20 % rounded half up to the cent, at least one cent. */
    private static long fee(long cents) {
        return BigDecimal.valueOf(cents).multiply(new BigDecimal("0.20"))
                .setScale(0, RoundingMode.HALF_UP).max(BigDecimal.ONE).longValueExact();
    }

    private static long cents(String dollars) {
        return new BigDecimal(dollars).movePointRight(2).longValueExact();
    }

    private static String dollars(long cents) {
        return BigDecimal.valueOf(cents, 2).toPlainString();
    }

    private static Map<Long, Integer> multiset(Iterable<Long> values) {
        Map<Long, Integer> counts = new TreeMap<>();
        values.forEach(v -> counts.merge(v, 1, Integer::sum));
        return counts;
    }

    private static void assertContains(Map<Long, Integer> all, Map<Long, Integer> part,
                                       String what) {
        part.forEach((cents, count) -> assertThat(all.getOrDefault(cents, 0))
                .as("%s: bonuses of %s", what, dollars(cents)).isGreaterThanOrEqualTo(count));
    }

    private String dir() {
        return dataDir.toAbsolutePath().toString();
    }

    // ------------------------------------------------------------------ reporting

    private void phase(String what) {
        System.out.println(String.format(Locale.ROOT, "CrashIT %6.1f s: %s",
                (System.nanoTime() - testStart) / 1e9, what));
    }

    private void report(List<Cycle> cycles) {
        double loadSeconds = 0;
        long acknowledged = 0;
        double baselineSum = 0;
        for (Cycle c : cycles) {
            loadSeconds += c.load.seconds;
            acknowledged += c.load.acknowledgedAtKill;
            baselineSum += c.baselinePerSecond;
        }
        double bonusesPerSecond = acknowledged / loadSeconds;
        double baselinePerSecond = baselineSum / cycles.size();
        System.out.println(String.format(Locale.ROOT, "CrashIT summary [%s]: %d kill -9 cycles,"
                        + " %d threads; SendBonus %.1f acknowledged/s; GetAccountBalance baseline"
                        + " %.1f/s; ratio SendBonus/GetAccountBalance %.3f; test took %.1f s",
                STORE, cycles.size(), THREADS, bonusesPerSecond, baselinePerSecond,
                bonusesPerSecond / baselinePerSecond, (System.nanoTime() - testStart) / 1e9));
    }

    /** What one load saw. Maps are token → cents. */
    private static final class Load {
        final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        final Map<String, Long> unknown = new ConcurrentHashMap<>();
        final Map<String, Long> refused = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        volatile int runningAtKill;
        volatile int acknowledgedAtKill;
        volatile int started;
        volatile double seconds;
        volatile double loadAverage;
    }

    private record Cycle(int number, double baselinePerSecond, Load load,
                         int unknownCommitted, int bonusesTotal, ServerProcess restarted) {
        double bonusesPerSecond() {
            return load.acknowledgedAtKill / load.seconds;
        }

        String line() {
            return String.format(Locale.ROOT, "CrashIT cycle %d [%s]: GetAccountBalance"
                            + " baseline %.1f/s; SendBonus %.1f acknowledged/s (%d in %.2f s,"
                            + " %d threads); ratio %.3f; at kill -9: %d calls started, %d"
                            + " acknowledged, %d unknown-outcome (%d had committed), %d"
                            + " ServiceFault; after restart all %d bonuses verified; system load"
                            + " average %.1f on %d cores",
                    number, STORE, baselinePerSecond, bonusesPerSecond(),
                    load.acknowledgedAtKill, load.seconds, THREADS,
                    bonusesPerSecond() / baselinePerSecond, load.started,
                    load.acknowledged.size(), load.unknown.size(), unknownCommitted,
                    load.refused.size(), bonusesTotal, load.loadAverage,
                    Runtime.getRuntime().availableProcessors());
        }
    }
}
