package org.hitbank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: admin commands on a real SQLite file, and fail-fast configuration. */
class MainTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest(name = "serve {0} is refused: {1}")
    @CsvSource(delimiter = '|', value = {
        "--port 70000 | invalid configuration: port must be 0..65535, was 70000",
        "--fee-basis-points 20001 | invalid configuration: fee rate must be 0..10000 basis"
                + " points, was 20001",
        "--bonus-token-retention-hours 3 | invalid configuration: bonus-token-retention-hours"
                + " must be at least 24 (MTurk keeps tokens 24 hours), or 0 to keep them forever",
        "--hit-token-retention-hours 1 | invalid configuration: hit-token-retention-hours must be"
                + " at least 24",
        "--request-bytes-max 10 | invalid configuration: request-bytes-max must be at least 1024,"
                + " was 10",
        "--sweep-interval-millis 0 | invalid configuration: sweep-interval-millis must be"
                + " 10..60000, was 0",
        "--clock-skew-minutes 0 | invalid configuration: clock-skew-minutes must be 1..60, was 0",
        "--port nope | Invalid value for option '--port': 'nope' is not an int",
    })
    void serve_withBadConfiguration_exitsTwoWithAClearMessage(String flags, String message) {
        String[] args = ("serve --data-dir " + dataDir + " " + flags).split(" ");
        Run run = run(args);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith(message);
    }

    @Test
    void serve_readsItsDefaultsFromAConfigFile() throws IOException {
        Path config = dataDir.resolve("hitbank.properties");
        Files.writeString(config, "port=99999\n");
        Run run = run("serve", "--config", config.toString(), "--data-dir", dataDir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("invalid configuration: port must be 0..65535, was"
                + " 99999");
    }

    @Test
    void serve_onAPortInUse_exitsOneSayingSo() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run run = run("serve", "--port", Integer.toString(taken.getLocalPort()),
                    "--data-dir", dataDir.toString());
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).startsWith("hitbank: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": ");
        }
    }

    @Test
    void configFile_withAnUnknownKey_isRefused() throws IOException {
        Path config = dataDir.resolve("hitbank.properties");
        Files.writeString(config, "feeBasisPoints=0\n");
        Run run = run("serve", "--config", config.toString(), "--data-dir", dataDir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("unknown setting(s) in " + config + ": feeBasisPoints"
                + " (known: amount, bind, bonus-cents-max, bonus-token-retention-hours,");
    }

    @Test
    void configFile_thatIsMissing_isRefused() {
        Path config = dataDir.resolve("nope.properties");
        Run run = run("serve", "--config", config.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("cannot read config file " + config);
    }

    @Test
    void checkAndDeposit_onADirectoryWithoutData_areRefused() {
        Path typo = dataDir.resolve("typo");
        Run check = run("check", "--data-dir", typo.toString());
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.err()).startsWith("no Hitbank data in " + typo);
        assertThat(typo).doesNotExist();
    }

    @Test
    void adminCommands_createFundAndCheck() {
        Run requester = run("requester", "create", "--name", "lab", "--data-dir",
                dataDir.toString());
        assertThat(requester.exitCode()).isZero();
        assertThat(requester.out()).containsPattern("\\[hitbank]\n"
                + "aws_access_key_id = AKHB[A-Z0-9]{16}\naws_secret_access_key = \\S{40}\n");
        String accessKeyId = requester.out().replaceAll("(?s).*aws_access_key_id = (\\S+).*",
                "$1");

        Run deposit = run("deposit", "--requester", accessKeyId, "--amount", "25.50",
                "--data-dir", dataDir.toString());
        assertThat(deposit.exitCode()).isZero();
        assertThat(deposit.out()).endsWith("AvailableBalance 25.50, OnHoldBalance 0.00.\n");

        Run badAmount = run("deposit", "--requester", accessKeyId, "--amount", "1.005",
                "--data-dir", dataDir.toString());
        assertThat(badAmount.exitCode()).isEqualTo(2);
        assertThat(badAmount.err()).startsWith("--amount must be dollars like 100 or 25.50, was"
                + " '1.005'");
        Run nobody = run("deposit", "--requester", "AKHBNOBODY", "--amount", "1",
                "--data-dir", dataDir.toString());
        assertThat(nobody.exitCode()).isEqualTo(2);
        assertThat(nobody.err()).startsWith("no requester 'AKHBNOBODY' in " + dataDir);

        Run worker = run("worker", "create", "--name", "alice", "--data-dir", dataDir.toString());
        assertThat(worker.exitCode()).isZero();
        assertThat(worker.out()).matches("WorkerId = A[A-Z0-9]{13}\nWorkerSecret = \\S{40}\n");

        Run check = run("check", "--data-dir", dataDir.toString());
        assertThat(check.exitCode()).isZero();
        assertThat(check.out()).startsWith("ledger OK");
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exitCode = Main.commandLine(args).setErr(new PrintWriter(err, true))
                    .execute(args);
            return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }
}
