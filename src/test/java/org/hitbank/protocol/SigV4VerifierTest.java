package org.hitbank.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.hitbank.protocol.SigV4Verifier.SecretLookup;
import org.hitbank.protocol.SigV4Verifier.SignedRequest;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * {@link SigV4Verifier} against the requests real MTurk clients signed (every line of every file
 * in {@code src/test/resources/sigv4-captures}, a copy of
 * {@code ../shared/reference/sigv4-captures}), against published AWS SigV4 test-suite vectors,
 * and against requests with odd shapes signed by the AWS SDK for Java v2 signer.
 */
class SigV4VerifierTest {

    private static final Path CAPTURES = Path.of(System.getProperty("user.dir"))
            .resolve("src/test/resources/sigv4-captures");
    private static final String AKID = "AKIDEXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String SERVICE = "mturk-requester";
    private static final Duration SKEW = Duration.ofMinutes(15);
    private static final SecretLookup KEYS =
            id -> AKID.equals(id) ? Optional.of(SECRET) : Optional.empty();
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT);

    private static final String MISMATCH = "The request signature we calculated does not match the"
            + " signature you provided. Check your AWS Secret Access Key and signing method."
            + " Consult the service documentation for details.";

    private static List<Capture> loaded;

    /** One captured request; headers keep the received names, order and values. */
    record Capture(String method, String path, List<Map.Entry<String, String>> headers,
                   byte[] body) {

        String header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElseThrow();
        }

        Instant amzDate() {
            return LocalDateTime.parse(header("x-amz-date").strip(), AMZ_DATE)
                    .toInstant(ZoneOffset.UTC);
        }

        List<String> signedHeaders() {
            String auth = header("authorization");
            int from = auth.indexOf("SignedHeaders=") + "SignedHeaders=".length();
            return List.of(auth.substring(from, auth.indexOf(',', from)).split(";"));
        }

        SignedRequest request() {
            int q = path.indexOf('?');
            return new SignedRequest(method, q < 0 ? path : path.substring(0, q),
                    q < 0 ? null : path.substring(q + 1), headers, body);
        }

        Capture withPath(String newPath) {
            return new Capture(method, newPath, headers, body);
        }

        Capture withBody(byte[] newBody) {
            return new Capture(method, path, headers, newBody);
        }

        /** Replaces the header at {@code index} ({@code null} entry: removes it). */
        Capture withHeaderAt(int index, Map.Entry<String, String> replacement) {
            List<Map.Entry<String, String>> copy = new ArrayList<>(headers);
            if (replacement == null) {
                copy.remove(index);
            } else {
                copy.set(index, replacement);
            }
            return new Capture(method, path, copy, body);
        }

        /** Applies {@code change} to the value of every header called {@code name}. */
        Capture withHeader(String name, UnaryOperator<String> change) {
            List<Map.Entry<String, String>> copy = new ArrayList<>();
            for (Map.Entry<String, String> h : headers) {
                copy.add(h.getKey().equalsIgnoreCase(name)
                        ? Map.entry(h.getKey(), change.apply(h.getValue())) : h);
            }
            return new Capture(method, path, copy, body);
        }

        Capture withoutHeader(String name) {
            List<Map.Entry<String, String>> copy = new ArrayList<>(headers);
            copy.removeIf(h -> h.getKey().equalsIgnoreCase(name));
            return new Capture(method, path, copy, body);
        }

        Capture withExtraHeader(String name, String value) {
            List<Map.Entry<String, String>> copy = new ArrayList<>(headers);
            copy.add(Map.entry(name, value));
            return new Capture(method, path, copy, body);
        }

        /** Replaces {@code part=...} (up to the next comma) in the Authorization header. */
        Capture withAuthPart(String part, String newValue) {
            return withHeader("authorization", a -> {
                int from = a.indexOf(part + "=") + part.length() + 1;
                int to = a.indexOf(',', from);
                return a.substring(0, from) + newValue + (to < 0 ? "" : a.substring(to));
            });
        }
    }

    static synchronized List<Capture> captures() {
        if (loaded == null) {
            loaded = load();
        }
        return loaded;
    }

    private static List<Capture> load() {
        List<Capture> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(CAPTURES)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (String line : lines) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node = json.readTree(line);
                    List<Map.Entry<String, String>> headers = new ArrayList<>();
                    for (JsonNode h : node.get("headers")) {
                        headers.add(Map.entry(h.get(0).asText(), h.get(1).asText()));
                    }
                    out.add(new Capture(node.get("method").asText(), node.get("path").asText(),
                            List.copyOf(headers),
                            node.get("body").asText().getBytes(StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CAPTURES, e);
        }
        return out;
    }

    /** Every capture, named file:line. */
    static Stream<Named<Capture>> vectors() throws IOException {
        List<Named<Capture>> out = new ArrayList<>();
        List<Capture> all = captures();
        int i = 0;
        try (Stream<Path> files = Files.list(CAPTURES)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int n = 0; n < lines.size(); n++) {
                    if (!lines.get(n).isBlank()) {
                        out.add(Named.of(file.getFileName() + ":" + (n + 1), all.get(i++)));
                    }
                }
            }
        }
        return out.stream();
    }

    private static SigV4Verifier verifierAt(Instant now) {
        return new SigV4Verifier(Set.of("us-east-1"), SERVICE, Clock.fixed(now, ZoneOffset.UTC),
                SKEW);
    }

    private static String verify(Capture c) {
        return verifierAt(c.amzDate()).verify(c.request(), KEYS);
    }

    private static void assertRejected(Capture c, String type, int status, String message) {
        assertRejected(() -> verify(c), type, status, message);
    }

    /** As above, but with the clock at {@code at} (for requests whose date was changed). */
    private static void assertRejected(Instant at, Capture c, String type, int status,
                                       String message) {
        assertRejected(() -> verifierAt(at).verify(c.request(), KEYS), type, status, message);
    }

    private static void assertRejected(Runnable call, String type, int status, String message) {
        try {
            call.run();
        } catch (AwsErrorException e) {
            assertThat(e.type()).as("type of <%s>", e.getMessage()).isEqualTo(type);
            assertThat(e.httpStatus()).as("status").isEqualTo(status);
            assertThat(e.getMessage()).as("message").isEqualTo(message);
            assertThat(e.turkErrorCode()).isNull();
            assertThat(e.timestamped()).isFalse();
            return;
        }
        fail("expected %s: %s", type, message);
    }

    private static void assertMismatch(Capture c) {
        assertRejected(c, "InvalidSignatureException", 400, MISMATCH);
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String amz(Instant t) {
        return AMZ_DATE.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    // ---------------------------------------------------------------- the captures

    @Test
    void findsAllCapturedVectors() {
        assertThat(CAPTURES).as("capture directory").isDirectory();
        assertThat(captures()).as("vectors in %s", CAPTURES).hasSizeGreaterThanOrEqualTo(250);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void acceptsCapturedRequest(Capture c) {
        assertThat(verify(c)).isEqualTo(AKID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void acceptsWhatCanonicalisationIgnores(Capture c) {
        Capture padded = c;
        for (Map.Entry<String, String> h : c.headers()) {
            padded = padded.withHeader(h.getKey(), v -> " \t" + v.replace(" ", "  \t ") + "  ");
        }
        List<Map.Entry<String, String>> renamed = new ArrayList<>();
        for (Map.Entry<String, String> h : padded.headers()) {
            renamed.add(Map.entry(h.getKey().toUpperCase(Locale.ROOT), h.getValue()));
        }
        Capture shouting = new Capture(c.method(), c.path(), renamed, c.body());
        assertThat(verify(shouting)).isEqualTo(AKID);

        Capture extra = c.withExtraHeader("X-Unsigned-Extra", "anything");
        if (!c.signedHeaders().contains("user-agent")) {
            extra = extra.withHeader("user-agent", v -> v + " changed");
        }
        assertThat(verify(extra)).isEqualTo(AKID);

        Instant at = c.amzDate();
        assertThat(verifierAt(at.plus(SKEW)).verify(c.request(), KEYS)).isEqualTo(AKID);
        assertThat(verifierAt(at.minus(SKEW)).verify(c.request(), KEYS)).isEqualTo(AKID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsEveryChangedSignedHeader(Capture c) {
        List<String> signed = c.signedHeaders();
        assertThat(signed).contains("host", "x-amz-date");
        int changed = 0;
        for (int i = 0; i < c.headers().size(); i++) {
            Map.Entry<String, String> h = c.headers().get(i);
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!signed.contains(name)) {
                continue;
            }
            String value = switch (name) {
                case "x-amz-date" -> amz(c.amzDate().plusSeconds(1));
                case "x-amz-content-sha256" -> sha256Hex("tampered".getBytes());
                default -> h.getValue() + "x";
            };
            assertMismatch(c.withHeaderAt(i, Map.entry(h.getKey(), value)));
            if (!name.equals("x-amz-date")) {
                assertMismatch(c.withHeaderAt(i, null));
            }
            changed++;
        }
        assertThat(changed).as("signed headers present").isEqualTo(signed.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsChangedPathBodyOrSignature(Capture c) {
        assertMismatch(c.withPath(c.path() + "x"));
        assertMismatch(c.withPath(c.path().endsWith("/") ? c.path() + "a/" : c.path() + "/a"));
        assertMismatch(c.withPath(c.path() + "?a=b"));

        byte[] body = c.body();
        assertThat(body).isNotEmpty();
        for (int at : new int[] {0, body.length / 2, body.length - 1}) {
            byte[] changed = body.clone();
            changed[at] ^= 0x01;
            assertMismatch(c.withBody(changed));
        }
        byte[] longer = Arrays.copyOf(body, body.length + 1);
        longer[body.length] = ' ';
        assertMismatch(c.withBody(longer));

        String auth = c.header("authorization");
        String signature = auth.substring(auth.length() - 64);
        String otherSignature = signature.substring(0, 63) + (auth.endsWith("0") ? "1" : "0");
        assertMismatch(c.withAuthPart("Signature", otherSignature));
        assertMismatch(c.withAuthPart("Signature", signature.toUpperCase(Locale.ROOT)));
        assertRejected(() -> verifierAt(c.amzDate()).verify(c.request(),
                id -> Optional.of(SECRET.replace('K', 'k'))),
                "InvalidSignatureException", 400, MISMATCH);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsOutsideClockSkew(Capture c) {
        Instant at = c.amzDate();
        String date = c.header("x-amz-date");
        Instant late = at.plus(Duration.ofMinutes(16));
        assertRejected(() -> verifierAt(late).verify(c.request(), KEYS),
                "InvalidSignatureException", 400,
                "Signature expired: " + date + " is now earlier than " + amz(at.plusSeconds(60))
                        + " (" + amz(late) + " - 15 min.)");
        Instant early = at.minus(Duration.ofMinutes(16));
        assertRejected(() -> verifierAt(early).verify(c.request(), KEYS),
                "InvalidSignatureException", 400,
                "Signature not yet current: " + date + " is still later than "
                        + amz(at.minusSeconds(60)) + " (" + amz(early) + " + 15 min.)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsUnknownAccessKey(Capture c) {
        assertRejected(() -> verifierAt(c.amzDate()).verify(c.request(), id -> Optional.empty()),
                "UnrecognizedClientException", 400,
                "The security token included in the request is invalid.");
        assertRejected(c.withAuthPart("Credential",
                        "AKIDOTHER/20261129/us-east-1/mturk-requester/aws4_request"),
                "UnrecognizedClientException", 400,
                "The security token included in the request is invalid.");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsMissingOrMalformedAuthorization(Capture c) {
        Instant at = c.amzDate();
        assertRejected(at, c.withoutHeader("authorization"),
                "MissingAuthenticationTokenException", 403, "Missing Authentication Token");

        String incomplete = "IncompleteSignatureException";
        String auth = c.header("authorization");
        String noSignature = auth.substring(0, auth.indexOf(", Signature="));
        assertRejected(at, c.withHeader("authorization", a -> noSignature), incomplete, 400,
                "Authorization header requires 'Signature' parameter.");
        assertRejected(at, c.withHeader("authorization", a -> "AWS4-HMAC-SHA256 "), incomplete, 400,
                "Authorization header requires 'Credential' parameter. Authorization header"
                        + " requires 'Signature' parameter. Authorization header requires"
                        + " 'SignedHeaders' parameter.");
        assertRejected(at, c.withoutHeader("x-amz-date"), incomplete, 400,
                "Authorization header requires existence of a 'X-Amz-Date' header.");
        assertRejected(at, c.withHeader("authorization", a -> "Bearer abc.def"), incomplete, 400,
                "Unsupported Authorization header: the only supported algorithm is"
                        + " 'AWS4-HMAC-SHA256'.");
        assertRejected(at, c.withHeader("authorization", a -> a.replace("AWS4-HMAC-SHA256",
                        "AWS4-HMAC-SHA512")), incomplete, 400,
                "Unsupported Authorization header: the only supported algorithm is"
                        + " 'AWS4-HMAC-SHA256'.");
        assertRejected(at, c.withHeader("x-amz-date", d -> "2026-11-29T11:00:00Z"), incomplete, 400,
                "Date must be in ISO-8601 'basic format'. Got '2026-11-29T11:00:00Z'. See"
                        + " http://en.wikipedia.org/wiki/ISO_8601");
        assertRejected(at, c.withAuthPart("Credential", "AKIDEXAMPLE/20261129/us-east-1"),
                incomplete, 400, "Credential must have exactly 5 slash-delimited elements, e.g."
                        + " keyid/date/region/service/term, got 'AKIDEXAMPLE/20261129/us-east-1'");
        String signed = String.join(";", c.signedHeaders());
        assertRejected(at, c.withAuthPart("SignedHeaders", signed.replace("host;", "")), incomplete,
                400, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        assertRejected(at, c.withAuthPart("SignedHeaders", signed.replace("x-amz-date;", "")),
                incomplete, 400,
                "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");

        String invalid = "InvalidSignatureException";
        assertRejected(at, c.withAuthPart("Credential",
                        "AKIDEXAMPLE/20261129/us-east-1/sqs/aws4_request"), invalid, 400,
                "Credential should be scoped to correct service: 'mturk-requester'. ");
        assertRejected(at, c.withAuthPart("Credential",
                        "AKIDEXAMPLE/20261129/eu-west-1/mturk-requester/aws4_request"), invalid,
                400, "Credential should be scoped to a valid region. ");
        assertRejected(at, c.withAuthPart("Credential",
                        "AKIDEXAMPLE/20261129/us-east-1/mturk-requester/aws5_request"), invalid,
                400, "Credential should be scoped with a valid terminator: 'aws4_request', not"
                        + " 'aws5_request'. ");
        String date = c.header("x-amz-date");
        assertRejected(at, c.withAuthPart("Credential",
                        "AKIDEXAMPLE/20261128/us-east-1/mturk-requester/aws4_request"), invalid,
                400, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of"
                        + " date from HTTP: '20261128' != '" + date.substring(0, 8) + "', from '"
                        + date + "'.");
    }

    // ---------------------------------------------------------------- AWS's own test suite

    /**
     * Vectors of the AWS SigV4 test suite (service "service", 2015-08-30, the same example key):
     * get-vanilla, get-vanilla-query-order-key-case, get-utf8, get-space, get-slash-dot-slash,
     * get-header-value-trim. Paths are given unencoded, as in the suite's .req files.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "/||5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "/./||5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "/|Param2=value2&Param1=value1|"
                + "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        "/\u1234||8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        "/example space/||652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    })
    void acceptsAwsTestSuiteVectors(String vector) {
        String[] v = vector.split("\\|", -1);
        List<Map.Entry<String, String>> headers = List.of(
                Map.entry("Host", "example.amazonaws.com"),
                Map.entry("X-Amz-Date", "20150830T123600Z"),
                Map.entry("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                        + "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date,"
                        + " Signature=" + v[2]));
        SigV4Verifier verifier = new SigV4Verifier(Set.of("us-east-1"), "service",
                Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC), SKEW);
        SignedRequest request = new SignedRequest("GET", v[0], v[1].isEmpty() ? null : v[1],
                headers, new byte[0]);
        assertThat(verifier.verify(request, KEYS)).isEqualTo(AKID);
    }

    @Test
    void acceptsAwsTestSuiteHeaderValueTrim() {
        List<Map.Entry<String, String>> headers = List.of(
                Map.entry("Host", "example.amazonaws.com"),
                Map.entry("My-Header1", " value1"),
                Map.entry("My-Header2", " \"a   b   c\""),
                Map.entry("X-Amz-Date", "20150830T123600Z"),
                Map.entry("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                        + "us-east-1/service/aws4_request,"
                        + " SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature="
                        + "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
        SigV4Verifier verifier = new SigV4Verifier(Set.of("us-east-1"), "service",
                Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC), SKEW);
        assertThat(verifier.verify(new SignedRequest("GET", "/", null, headers, new byte[0]),
                KEYS)).isEqualTo(AKID);
    }

    // ---------------------------------------------------------------- the AWS SDK's own signer

    /** Requests of odd shapes, signed by the AWS SDK for Java v2 signer, must verify. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "/",
        "/mturk/api",
        "/mturk/api/",
        "/a%20b/c~d/%E1%88%B4/",
        "/a/./b/../c",
        "/x//y/",
        "/with%2Fslash/x%25y",
        "/?b=2&a=1&a=0&c",
        "/mturk?X-Name=v%20w&z=%7E&empty=",
    })
    void acceptsWhatTheSdkSigns(String target) {
        URI uri = URI.create("http://127.0.0.1:8765" + target);
        byte[] body = "{\"Reason\":\"caf\u00e9 \u2603\"}".getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(uri)
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "MTurkRequesterServiceV20170117.GetAccountBalance")
                .putHeader("X-Odd", List.of("  two   spaces  ", "second\tvalue"))
                .build();
        Instant now = Instant.parse("2026-11-29T11:00:00Z");
        var signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(AKID, SECRET))
                .request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        signed.request().forEachHeader((name, values) -> {
            for (String value : values) {
                headers.add(Map.entry(name, value));
            }
        });
        if (headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase("host"))) {
            headers.add(Map.entry("Host", "127.0.0.1:8765"));
        }
        assertThat(headers).anySatisfy(h -> assertThat(h.getKey()).isEqualTo("Authorization"));
        SignedRequest request = new SignedRequest("POST", signed.request().encodedPath(),
                signed.request().getUri().getRawQuery(), headers, body);
        assertThat(verifierAt(now).verify(request, KEYS)).isEqualTo(AKID);

        byte[] changed = body.clone();
        changed[3] ^= 1;
        assertRejected(() -> verifierAt(now).verify(new SignedRequest("POST", request.path(),
                        request.rawQuery(), headers, changed), KEYS),
                "InvalidSignatureException", 400, MISMATCH);
    }

    @Test
    void treatsEquivalentPathFormsAlikeAsAwsDoes() {
        Capture c = captures().stream().filter(x -> x.path().equals("/mturk/api")).findFirst()
                .orElseThrow();
        assertThat(verify(c.withPath("/mturk//api"))).isEqualTo(AKID);
        assertThat(verify(c.withPath("/mturk/./api"))).isEqualTo(AKID);
        assertThat(verify(c.withPath("/other/../mturk/api"))).isEqualTo(AKID);
        assertMismatch(c.withPath("/mturk/api/"));
        assertMismatch(c.withPath("/mturk/API"));
        assertMismatch(c.withPath("/mturk%2Fapi"));
    }

    @Test
    void rejectsDuplicateAuthorizationAndParameters() {
        Capture c = captures().get(0);
        assertRejected(c.withExtraHeader("Authorization", c.header("authorization")),
                "IncompleteSignatureException", 400,
                "Authorization header may appear only once.");
        assertRejected(c.withHeader("authorization", a -> a + ", Signature=00"),
                "IncompleteSignatureException", 400,
                "Authorization header has more than one 'Signature' parameter.");
        Capture noEquals = c.withHeader("authorization", a -> a + ", Junk");
        assertRejected(() -> verify(noEquals), "IncompleteSignatureException", 400,
                missingEqualSignMessage(noEquals.header("authorization")));
    }

    private static String missingEqualSignMessage(String header) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(header.getBytes(StandardCharsets.UTF_8));
            return "Invalid key=value pair (missing equal-sign) in Authorization header (hashed"
                    + " with SHA-256 and encoded with Base64): '"
                    + Base64.getEncoder().encodeToString(hash) + "'.";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void contentHashHeaderMustMatchEvenWhenUnsigned() {
        Capture c = captures().stream()
                .filter(x -> !x.signedHeaders().contains("x-amz-content-sha256")).findFirst()
                .orElseThrow();
        assertThat(verify(c.withExtraHeader("x-amz-content-sha256", sha256Hex(c.body()))))
                .isEqualTo(AKID);
        assertMismatch(c.withExtraHeader("x-amz-content-sha256", sha256Hex(new byte[0])));
        assertMismatch(c.withExtraHeader("x-amz-content-sha256", "UNSIGNED-PAYLOAD"));
    }

    @Test
    void reportsOnlyAwsErrorsForGarbage() {
        Capture c = captures().get(0);
        String[] garbage = {"", " ", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,,",
            "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=;;, Signature=x",
            "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host;x-amz-date, Signature=x",
            "AWS4-HMAC-SHA256 =, ==, Signature==="};
        SigV4Verifier verifier = verifierAt(c.amzDate());
        for (String g : garbage) {
            SignedRequest r = c.withHeader("authorization", a -> g).request();
            assertThatThrownBy(() -> verifier.verify(r, KEYS)).as(g)
                    .isInstanceOf(AwsErrorException.class);
        }
        List<Map.Entry<String, String>> nullValue = new ArrayList<>(c.headers());
        nullValue.add(new AbstractMap.SimpleEntry<>("X-Amz-Date", null));
        assertThatThrownBy(() -> verifier.verify(new SignedRequest("POST", null, null, nullValue,
                null), KEYS)).isInstanceOf(AwsErrorException.class);
    }
}
