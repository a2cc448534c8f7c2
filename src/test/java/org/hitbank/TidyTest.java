package org.hitbank;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Style and architecture rules, checked over the sources with no extra tool (after
 * TigerBeetle's tidy.zig): package dependencies run one way, money is never floating point,
 * time comes from an injected clock, no star imports, lines of at most 100 columns.
 */
class TidyTest {
    private static final Path MAIN = Path.of("src/main/java/org/hitbank");
    private static final Path TEST = Path.of("src/test/java/org/hitbank");
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "base", Set.of(),
            "store", Set.of("base"),
            "ledger", Set.of("base", "store"),
            "market", Set.of("base", "store", "ledger"),
            "protocol", Set.of("base", "store", "market"),
            "worker", Set.of("base", "market"),
            "cli", Set.of("base", "store", "ledger", "market", "protocol", "worker"));
    private static final Pattern FLOATING_POINT = Pattern.compile(
            "\\b(double|float)\\s+\\w|\\b(Double|Float|BigDecimal)\\b");
    private static final Pattern IMPORT = Pattern.compile(
            "^import (static )?org\\.hitbank\\.(\\w+)\\.", Pattern.MULTILINE);

    @Test
    void packageDependencies_runOneWay() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : javaFiles(MAIN)) {
            String layer = MAIN.relativize(file).getName(0).toString();
            assertThat(ALLOWED).as("package %s has no rule", layer).containsKey(layer);
            Matcher imports = IMPORT.matcher(Files.readString(file));
            while (imports.find()) {
                String target = imports.group(2);
                if (!target.equals(layer) && !ALLOWED.get(layer).contains(target)) {
                    violations.add(file + " imports " + target);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void moneyCode_hasNoFloatingPoint() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String layer : List.of("ledger", "market", "base")) {
            for (Path file : javaFiles(MAIN.resolve(layer))) {
                String source = Files.readString(file);
                if (FLOATING_POINT.matcher(source).find()) {
                    violations.add(file.toString());
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void sources_useTheInjectedClock_noStarImports_andShortLines() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : javaFiles(MAIN)) {
            String source = Files.readString(file);
            if (source.contains("Instant.now()") || source.contains("System.currentTimeMillis")) {
                violations.add(file + ": reads the time without a Clock");
            }
        }
        for (Path file : Stream.concat(javaFiles(MAIN).stream(), javaFiles(TEST).stream())
                .toList()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("import ") && lines.get(i).endsWith(".*;")) {
                    violations.add(file + ":" + (i + 1) + ": star import");
                }
                if (lines.get(i).length() > 100) {
                    violations.add(file + ":" + (i + 1) + ": longer than 100 columns");
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
