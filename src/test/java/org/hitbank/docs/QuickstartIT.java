package org.hitbank.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hitbank.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's quickstart as written, so the README stays true: the one bash block that
 * creates a requester, against a real server process on a free port, with a private HOME for
 * {@code ~/.aws}. Only the port and the path of {@code bin/hitbank} are substituted.
 */
class QuickstartIT {
    @TempDir
    Path workDir;

    @Test
    void readmeQuickstart_endsWithAPaidBonusAndExactBalances() throws Exception {
        Path repo = Path.of(System.getProperty("user.dir"));
        String quickstart = quickstartBlock(Files.readString(repo.resolve("README.md")));
        Path home = Files.createDirectories(workDir.resolve("home"));
        try (ServerProcess server = ServerProcess.start(workDir.resolve("hitbank-data"))) {
            String script = quickstart
                    .replace("bin/hitbank", repo.resolve("bin/hitbank").toString())
                    .replace("127.0.0.1:8080", "127.0.0.1:" + server.port());
            Files.writeString(workDir.resolve("quickstart.sh"), script);
            ProcessBuilder builder = new ProcessBuilder("bash", "quickstart.sh")
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("quickstart.log").toFile());
            builder.environment().put("HOME", home.toString());
            builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
            Process process = builder.start();
            assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("quickstart finished").isTrue();
            String log = Files.readString(workDir.resolve("quickstart.log"),
                    StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(log).isZero();
            assertThat(log).as(log)
                    .contains("Deposited 100.00 to ")
                    .contains("\"AssignmentStatus\":\"Submitted\"")
                    .containsPattern("An error occurred \\(RequestError\\) when calling the"
                            + " SendBonus operation.*: The idempotency token \"bonus-1\" has"
                            + " already been processed\\. Original request ID: [0-9a-f-]{36}\\.")
                    .containsPattern("\"AvailableBalance\": \"97\\.90\",\\s*"
                            + "\"OnHoldBalance\": \"0\\.00\"")
                    .contains("\"EarningsBalance\":\"1.75\"")
                    .contains("ledger OK");
            assertThat(count(log, "\"BonusAmount\": \"1.25\"")).as(log).isEqualTo(1);
        }
    }

    private static String quickstartBlock(String readme) {
        Matcher blocks = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> found = blocks.results().map(m -> m.group(1))
                .filter(block -> block.contains("requester create")).toList();
        assertThat(found).as("README quickstart blocks").hasSize(1);
        return found.get(0);
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }
}
