package org.hitbank.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A Hitbank server run as a separate OS process ({@code org.hitbank.cli.Main serve}) with the test
 * JVM's java binary and class path, so tests can {@link #kill9() kill -9} it and start it again on
 * the same data directory. The server's stdout and stderr go to {@code server-<n>.log} in the data
 * directory (n counts the starts), which failures quote. {@link #runCli} runs admin commands
 * ({@code requester create}, {@code deposit}, {@code check}, ...) in a JVM of their own, as an
 * operator would.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    /** Servers still running; killed when the test JVM exits, so none outlives a crashed fork. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> LIVE.forEach(Process::destroyForcibly), "server-process-reaper"));
    }

    private final Process process;
    private final int port;
    private final Path log;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code serve --data-dir dataDir --port <free port>} plus {@code extraArgs} and waits
     * (at most 30 s) until the port answers and the server has said it is serving.
     *
     * @throws IllegalStateException when the server dies or does not come up in time, with its
     *     output
     */
    public static ServerProcess start(Path dataDir, String... extraArgs) {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(dataDir, extraArgs);
            } catch (PortTakenException e) {
                // another process took the free port between our probe and the server's bind
                last = e;
            }
        }
        throw last;
    }

    private static ServerProcess startOnce(Path dataDir, String... extraArgs) {
        int port = freePort();
        Path log;
        try {
            Files.createDirectories(dataDir);
            log = nextLogFile(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = javaCommand();
        command.add("org.hitbank.cli.Main");
        command.addAll(List.of("serve", "--data-dir", dataDir.toAbsolutePath().toString(),
                "--bind", "127.0.0.1", "--port", Integer.toString(port)));
        command.addAll(List.of(extraArgs));
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        LIVE.add(process);
        process.onExit().thenAccept(LIVE::remove);
        ServerProcess server = new ServerProcess(process, port, log);
        server.awaitServing(command);
        return server;
    }

    private void awaitServing(List<String> command) {
        String serving = "Hitbank is serving on http://127.0.0.1:" + port + "/";
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = output();
                String message = "server exited with " + process.exitValue() + " before serving;"
                        + " command " + command + "; output (" + log + "):\n" + output;
                if (output.contains("Address already in use") || output.contains("BindException")
                        || output.contains("Failed to bind")) {
                    throw new PortTakenException(message);
                }
                throw new IllegalStateException(message);
            }
            if (answers() && output().contains(serving)) {
                return;
            }
            sleep(50);
        }
        kill9();
        throw new IllegalStateException("server did not serve on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s; command " + command + "; output (" + log
                + "):\n" + output());
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The Requester API endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file holding this server's stdout and stderr. */
    public Path logFile() {
        return log;
    }

    /** What the server has printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * Kills the server with SIGKILL (no shutdown hooks, no flushing) and waits until it is gone.
     *
     * @throws IllegalStateException when it is still alive after 10 s
     */
    public void kill9() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("server process " + process.pid()
                        + " survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server if it still runs: SIGTERM (clean shutdown), then SIGKILL after 10 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill9();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill9();
        }
    }

    /**
     * Runs {@code org.hitbank.cli.Main args...} in a new JVM and waits for it (at most 60 s).
     *
     * @throws IllegalStateException when it does not finish in time (it is killed)
     */
    public static CliResult runCli(String... args) {
        List<String> command = javaCommand();
        // a short-lived admin command: C1 only starts faster and is plenty
        command.add(1, "-XX:TieredStopAtLevel=1");
        command.add("org.hitbank.cli.Main");
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the command reads no input; nothing to do
        }
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(CLI_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("CLI " + List.of(args) + " did not finish within "
                        + CLI_TIMEOUT.toSeconds() + " s; stdout:\n" + stdout.getNow("")
                        + "\nstderr:\n" + stderr.getNow(""));
            }
            return new CliResult(process.exitValue(), stdout.get(10, TimeUnit.SECONDS),
                    stderr.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the output of CLI " + List.of(args), e);
        }
    }

    /** A CLI command's exit code and output. */
    public record CliResult(int exitCode, String stdout, String stderr) {
        /** The value of the first {@code key = value} line of stdout. */
        public String value(String key) {
            for (String line : stdout.split("\\R")) {
                int eq = line.indexOf('=');
                if (eq > 0 && line.substring(0, eq).trim().equals(key)) {
                    return line.substring(eq + 1).trim();
                }
            }
            throw new IllegalStateException("no '" + key + " = ...' line in:\n" + this);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        }, "cli-output-drain");
        thread.setDaemon(true);
        thread.start();
        return text;
    }

    /** {@code <java> -cp <test class path>}, the same binary as this JVM. */
    private static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        return command;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path nextLogFile(Path dataDir) throws IOException {
        for (int n = 1; ; n++) {
            Path log = dataDir.resolve("server-" + n + ".log");
            if (!Files.exists(log)) {
                return Files.createFile(log);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
