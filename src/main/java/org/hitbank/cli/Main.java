package org.hitbank.cli;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.hitbank.base.Cents;
import org.hitbank.base.HitbankException;
import org.hitbank.base.Limits;
import org.hitbank.ledger.FeeSchedule;
import org.hitbank.market.Market;
import org.hitbank.market.Model.Balance;
import org.hitbank.market.Model.RequesterCredentials;
import org.hitbank.market.Model.WorkerCredentials;
import org.hitbank.store.Store;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Hitbank's command line: {@code serve}, and admin commands that work on the same data directory
 * while the server runs ({@code requester create}, {@code deposit}, {@code worker create},
 * {@code check}). Options may also come from a properties file given with {@code --config}
 * (keys are the long option names without dashes, e.g. {@code port=8080}); flags win.
 */
@Command(name = "hitbank", mixinStandardHelpOptions = true, version = "Hitbank 0.1.0",
        description = "A self-hosted successor of the MTurk Requester API with an exact ledger.",
        subcommands = {Main.Serve.class, Main.RequesterCommand.class, Main.Deposit.class,
                Main.WorkerCommand.class, Main.Check.class})
public final class Main {
    /** Runs the command line and exits with its code: 0 done, 1 failed, 2 bad usage or config. */
    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line, with {@code --config FILE} (if given) as the source of defaults. The file
     * must exist, and every key in it must be the long name of some command's option without its
     * leading dashes (e.g. {@code fee-basis-points}); else the command exits 2 with a message.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine commandLine = new CommandLine(new Main());
        List<String> list = List.of(args);
        for (int i = 0; i < list.size(); i++) {
            String arg = list.get(i);
            String file = arg.startsWith("--config=") ? arg.substring("--config=".length())
                    : arg.equals("--config") && i + 1 < list.size() ? list.get(i + 1) : null;
            if (file != null) {
                commandLine.setDefaultValueProvider(
                        new CommandLine.PropertiesDefaultProvider(new File(file)));
                commandLine.setExecutionStrategy(parsed -> {
                    checkConfigFile(parsed.commandSpec().commandLine(), Path.of(file));
                    return new CommandLine.RunLast().execute(parsed);
                });
            }
        }
        return commandLine;
    }

    private static void checkConfigFile(CommandLine commandLine, Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ParameterException(commandLine, "cannot read config file " + file + ": "
                    + e);
        }
        Set<String> known = new TreeSet<>();
        collectOptionNames(commandLine.getCommandSpec().root(), known);
        Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new ParameterException(commandLine, "unknown setting(s) in " + file + ": "
                    + String.join(", ", unknown) + " (known: " + String.join(", ", known) + ")");
        }
    }

    private static void collectOptionNames(CommandLine.Model.CommandSpec spec, Set<String> names) {
        for (CommandLine.Model.OptionSpec option : spec.options()) {
            if (option.longestName().startsWith("--") && !option.usageHelp()
                    && !option.versionHelp() && !option.longestName().equals("--config")) {
                names.add(option.longestName().substring(2));
            }
        }
        for (CommandLine sub : spec.subcommands().values()) {
            collectOptionNames(sub.getCommandSpec(), names);
        }
    }

    /** Options every command shares. */
    static final class Common {
        @Option(names = "--data-dir", defaultValue = "hitbank-data",
                description = "Data directory holding hitbank.db (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--config", paramLabel = "FILE",
                description = "Properties file with defaults for these options.")
        File config;

        /**
         * Opens the existing store; commands that only read or add to a store refuse to create
         * one by mistake (a typo in --data-dir).
         */
        Store openExisting(CommandLine commandLine) {
            if (!Files.exists(dataDir.resolve("hitbank.db"))) {
                throw new ParameterException(commandLine, "no Hitbank data in " + dataDir
                        + " (start with: hitbank serve --data-dir " + dataDir + ")");
            }
            return Store.open(dataDir);
        }

        Market openMarket(Store store) {
            return new Market(store, Clock.systemUTC(), FeeSchedule.mturk(), Limits.defaults());
        }
    }

    @Command(name = "serve", description = "Start the Requester API and worker API.")
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Common common;

        @Option(names = "--bind", defaultValue = "127.0.0.1",
                description = "Address to listen on (default: ${DEFAULT-VALUE}).")
        String bind;
        @Option(names = "--port", defaultValue = "8080",
                description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--region", defaultValue = "us-east-1", split = ",",
                description = "SigV4 region(s) accepted, comma-separated"
                        + " (default: ${DEFAULT-VALUE}).")
        List<String> regions;
        @Option(names = "--clock-skew-minutes", defaultValue = "15",
                description = "Largest accepted X-Amz-Date skew (default: ${DEFAULT-VALUE}).")
        int clockSkewMinutes;
        @Option(names = "--fee-basis-points", defaultValue = "2000",
                description = "Fee on rewards and bonuses, 1/100 %%"
                        + " (default: ${DEFAULT-VALUE} = 20%%).")
        int feeBasisPoints;
        @Option(names = "--fee-cents-min", defaultValue = "1",
                description = "Least fee per reward or bonus, cents (default: ${DEFAULT-VALUE}).")
        long feeCentsMin;
        @Option(names = "--many-assignments-fee-basis-points", defaultValue = "2000",
                description = "Extra fee on rewards of HITs with many assignments"
                        + " (default: ${DEFAULT-VALUE}).")
        int manyAssignmentsFeeBasisPoints;
        @Option(names = "--many-assignments-min", defaultValue = "10",
                description = "MaxAssignments from which the extra fee applies"
                        + " (default: ${DEFAULT-VALUE}).")
        int manyAssignmentsMin;
        @Option(names = "--bonus-cents-max", defaultValue = "0",
                description = "Largest single bonus in cents; 0: no maximum"
                        + " (default: ${DEFAULT-VALUE}).")
        long bonusCentsMax;
        @Option(names = "--bonus-token-retention-hours", defaultValue = "0",
                description = "How long SendBonus tokens are kept; 0: as long as the bonus"
                        + " (default: ${DEFAULT-VALUE}).")
        long bonusTokenRetentionHours;
        @Option(names = "--hit-token-retention-hours", defaultValue = "24",
                description = "How long CreateHIT tokens are kept (default: ${DEFAULT-VALUE}).")
        long hitTokenRetentionHours;
        @Option(names = "--request-bytes-max", defaultValue = "1048576",
                description = "Largest request body in bytes (default: ${DEFAULT-VALUE}).")
        int requestBytesMax;
        @Option(names = "--sweep-interval-millis", defaultValue = "1000",
                description = "How often expiry and auto-approval run (default: ${DEFAULT-VALUE}).")
        long sweepIntervalMillis;

        @Override
        public Integer call() throws InterruptedException {
            ServerConfig config;
            try {
                config = new ServerConfig(common.dataDir, bind, port,
                        new LinkedHashSet<>(regions), Duration.ofMinutes(clockSkewMinutes),
                        new FeeSchedule(feeBasisPoints, feeCentsMin,
                                manyAssignmentsFeeBasisPoints, manyAssignmentsMin),
                        new Limits(requestBytesMax, bonusCentsMax,
                                bonusTokenRetentionHours == 0 ? null
                                        : Duration.ofHours(bonusTokenRetentionHours),
                                Duration.ofHours(hitTokenRetentionHours)),
                        Duration.ofMillis(sweepIntervalMillis));
                if (clockSkewMinutes < 1 || clockSkewMinutes > 60) {
                    throw new IllegalArgumentException("clock-skew-minutes must be 1..60, was "
                            + clockSkewMinutes);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "invalid configuration: "
                        + e.getMessage());
            }
            HitbankServer server;
            try {
                server = HitbankServer.start(config, Clock.systemUTC());
            } catch (HitbankException e) {
                spec.commandLine().getErr().println("hitbank: " + e.getMessage());
                return 1;
            }
            System.out.println("Hitbank is serving on http://" + bind + ":" + server.port()
                    + "/ (data: " + common.dataDir.toAbsolutePath() + ")");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "requester", description = "Manage requesters.",
            subcommands = RequesterCommand.Create.class)
    static final class RequesterCommand {
        @Command(name = "create", description = "Create a requester and print its credentials"
                + " (shown once) in ~/.aws/credentials form.")
        static final class Create implements Callable<Integer> {
            @Mixin
            Common common;
            @Option(names = "--name", required = true, description = "A name for the requester.")
            String name;
            @Option(names = "--profile", defaultValue = "hitbank",
                    description = "Profile name printed (default: ${DEFAULT-VALUE}).")
            String profile;

            @Override
            public Integer call() {
                try (Store store = Store.open(common.dataDir)) {
                    RequesterCredentials c = common.openMarket(store).createRequester(name);
                    System.out.println("# Requester " + c.requesterId() + " (" + name + ")."
                            + " Paste into ~/.aws/credentials; the secret is not shown again.");
                    System.out.println("[" + profile + "]");
                    System.out.println("aws_access_key_id = " + c.accessKeyId());
                    System.out.println("aws_secret_access_key = " + c.secretAccessKey());
                }
                return 0;
            }
        }
    }

    @Command(name = "deposit", description = "Add funds to a requester's available balance.")
    static final class Deposit implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Common common;
        @Option(names = "--requester", required = true,
                description = "Requester id or access key id.")
        String requester;
        @Option(names = "--amount", required = true,
                description = "US dollars, e.g. 100 or 25.50.")
        String amount;

        @Override
        public Integer call() {
            long cents;
            try {
                cents = Cents.parseDollars(amount);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--amount must be dollars like"
                        + " 100 or 25.50, was '" + amount + "'");
            }
            if (cents == 0) {
                throw new ParameterException(spec.commandLine(), "--amount must be more than 0");
            }
            try (Store store = common.openExisting(spec.commandLine())) {
                Market market = common.openMarket(store);
                String requesterId = market.findRequester(requester).orElseThrow(
                        () -> new ParameterException(spec.commandLine(), "no requester '"
                                + requester + "' in " + common.dataDir));
                Balance balance = market.deposit(requesterId, cents);
                System.out.println("Deposited " + Cents.toDollars(cents) + " to " + requesterId
                        + ". AvailableBalance " + Cents.toDollars(balance.availableCents())
                        + ", OnHoldBalance " + Cents.toDollars(balance.onHoldCents()) + ".");
            }
            return 0;
        }
    }

    @Command(name = "worker", description = "Manage workers.",
            subcommands = WorkerCommand.Create.class)
    static final class WorkerCommand {
        @Command(name = "create", description = "Create a worker and print its WorkerId and"
                + " secret (shown once) for the worker API's Basic auth.")
        static final class Create implements Callable<Integer> {
            @Mixin
            Common common;
            @Option(names = "--name", required = true, description = "A name for the worker.")
            String name;

            @Override
            public Integer call() {
                try (Store store = Store.open(common.dataDir)) {
                    WorkerCredentials c = common.openMarket(store).createWorker(name);
                    System.out.println("WorkerId = " + c.workerId());
                    System.out.println("WorkerSecret = " + c.secret());
                }
                return 0;
            }
        }
    }

    @Command(name = "check", description = "Check the ledger's invariants; exit 1 on violation.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Common common;

        @Override
        public Integer call() {
            try (Store store = common.openExisting(spec.commandLine())) {
                List<String> violations = common.openMarket(store).audit();
                if (violations.isEmpty()) {
                    System.out.println("ledger OK: balances sum to zero, none negative, every"
                            + " deposit accounted for, every reward and bonus has its fee.");
                    return 0;
                }
                violations.forEach(v -> System.out.println("VIOLATION " + v));
                return 1;
            }
        }
    }
}
