package org.hitbank.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the AWS Signature Version 4 ({@code AWS4-HMAC-SHA256}) of one incoming request, the way
 * the real service does for a non-S3 JSON protocol such as {@code mturk-requester}.
 *
 * <h2>Implementation notes</h2>
 * {@link #verify} checks, in this order, and stops at the first failure:
 * <ol>
 *   <li>an {@code Authorization} header exists ({@code MissingAuthenticationTokenException},
 *       403) and appears once;</li>
 *   <li>it uses the {@code AWS4-HMAC-SHA256} algorithm and carries {@code Credential},
 *       {@code SignedHeaders} and {@code Signature}, and the request has an {@code X-Amz-Date}
 *       header ({@code IncompleteSignatureException}, 400; all missing parts are named at
 *       once);</li>
 *   <li>{@code X-Amz-Date} is {@code yyyyMMdd'T'HHmmss'Z'}, the credential has five
 *       slash-delimited elements, and {@code host} and {@code x-amz-date} are among the signed
 *       headers ({@code IncompleteSignatureException}, 400);</li>
 *   <li>the credential scope ends in {@code aws4_request}, names the configured service and one
 *       of the configured regions, and its date is the date of {@code X-Amz-Date}
 *       ({@code InvalidSignatureException}, 400);</li>
 *   <li>{@code X-Amz-Date} lies within the allowed clock skew of the clock
 *       ({@code InvalidSignatureException}, 400, AWS's "Signature expired" / "Signature not yet
 *       current" texts);</li>
 *   <li>the access key id is known to the {@link SecretLookup}
 *       ({@code UnrecognizedClientException}, 400);</li>
 *   <li>an {@code x-amz-content-sha256} header, when present (signed or not), equals the SHA-256
 *       of the raw body, and the signature recomputed from the canonical request equals the one
 *       sent, compared in constant time ({@code InvalidSignatureException}, 400).</li>
 * </ol>
 * The canonical request follows the SigV4 specification for services other than S3: the method;
 * the raw path with dot segments and empty segments removed (a trailing slash is kept) and every
 * segment URI-encoded once more (so an already-encoded {@code %2F} becomes {@code %252F}); the
 * query parameters decoded, re-encoded (RFC 3986 unreserved characters only) and sorted by name
 * then value; one line per header named in {@code SignedHeaders} (taken from the request, never a
 * fixed list), lower-cased, values trimmed with inner runs of blanks collapsed and repeated headers
 * joined with {@code ","}; the signed header list; and the hex SHA-256 of the raw body bytes.
 *
 * <p>Verification is pure: it reads the request and the secret and never changes any state.
 * Every failure is an {@link AwsErrorException} thrown before the caller runs anything, so a
 * request that fails here has no effect at all. Instances are immutable and thread-safe.
 */
public final class SigV4Verifier {

    /** Looks up the secret access key of an access key id; empty when the key is unknown. */
    @FunctionalInterface
    public interface SecretLookup {
        /** The secret access key of {@code accessKeyId}, or empty when the key is unknown. */
        Optional<String> secretFor(String accessKeyId);
    }

    /**
     * One received HTTP request as the server saw it.
     *
     * @param method   the HTTP method, e.g. {@code "POST"}
     * @param path     the raw (still percent-encoded) request path, e.g. {@code "/"} or
     *                 {@code "/mturk/api"}
     * @param rawQuery null or the raw query string (without {@code '?'})
     * @param headers  every header line, names in any case, in received order (repeated names
     *                 allowed)
     * @param body     the raw body bytes
     */
    public record SignedRequest(String method, String path, String rawQuery,
                                List<Map.Entry<String, String>> headers, byte[] body) {}

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String TERMINATOR = "aws4_request";
    private static final String INCOMPLETE = "IncompleteSignatureException";
    private static final String INVALID = "InvalidSignatureException";
    private static final String MISMATCH = "The request signature we calculated does not match the"
            + " signature you provided. Check your AWS Secret Access Key and signing method."
            + " Consult the service documentation for details.";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'", Locale.ROOT)
                    .withResolverStyle(ResolverStyle.STRICT);
    private static final HexFormat HEX = HexFormat.of();
    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

    private final Set<String> regions;
    private final String service;
    private final Clock clock;
    private final Duration clockSkewMax;

    /**
     * Creates a verifier for one service.
     *
     * @param regions      the regions a credential scope may name, e.g. {@code us-east-1}
     * @param service      the signing name of the service, {@code "mturk-requester"}
     * @param clock        the clock {@code X-Amz-Date} is compared with
     * @param clockSkewMax how far {@code X-Amz-Date} may lie before or after the clock (AWS: 15
     *                     minutes); must not be negative
     */
    public SigV4Verifier(Set<String> regions, String service, Clock clock, Duration clockSkewMax) {
        this.regions = Set.copyOf(regions);
        this.service = Objects.requireNonNull(service, "service");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkewMax = Objects.requireNonNull(clockSkewMax, "clockSkewMax");
        if (clockSkewMax.isNegative()) {
            throw new IllegalArgumentException("clockSkewMax must not be negative");
        }
    }

    /**
     * Verifies the request's SigV4 signature (see the class notes for the checks and their order).
     *
     * @param request the request as received; must not be null
     * @param secrets where the signing key's secret comes from; an exception it throws propagates
     *                unchanged (it is a failure of the key store, not of the request)
     * @return the access key id that signed the request
     * @throws AwsErrorException on any verification failure (and nothing else for a non-null
     *                           request)
     */
    public String verify(SignedRequest request, SecretLookup secrets) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(secrets, "secrets");
        List<Map.Entry<String, String>> headers =
                request.headers() == null ? List.of() : request.headers();

        List<String> authorizations = values(headers, "authorization");
        if (authorizations.isEmpty()) {
            throw AwsErrorException.aws("MissingAuthenticationTokenException", 403,
                    "Missing Authentication Token");
        }
        if (authorizations.size() > 1) {
            throw incomplete("Authorization header may appear only once.");
        }
        List<String> dates = values(headers, "x-amz-date");
        Authorization auth = Authorization.parse(authorizations.get(0), !dates.isEmpty());

        String amzDate = joined(dates);
        LocalDateTime requestTime;
        try {
            requestTime = LocalDateTime.parse(amzDate, AMZ_DATE);
        } catch (DateTimeParseException e) {
            throw incomplete("Date must be in ISO-8601 'basic format'. Got '" + amzDate
                    + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        String[] scope = auth.credential().split("/", -1);
        if (scope.length != 5) {
            throw incomplete("Credential must have exactly 5 slash-delimited elements, e.g."
                    + " keyid/date/region/service/term, got '" + auth.credential() + "'");
        }
        if (!auth.signedHeaders().contains("host")) {
            throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS"
                    + " Authorization.");
        }
        if (!auth.signedHeaders().contains("x-amz-date")) {
            throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
        }

        String accessKeyId = scope[0];
        String scopeDate = scope[1];
        String region = scope[2];
        String scopeService = scope[3];
        if (!TERMINATOR.equals(scope[4])) {
            throw invalid("Credential should be scoped with a valid terminator: '" + TERMINATOR
                    + "', not '" + scope[4] + "'. ");
        }
        if (!service.equals(scopeService)) {
            throw invalid("Credential should be scoped to correct service: '" + service + "'. ");
        }
        if (!regions.contains(region)) {
            throw invalid("Credential should be scoped to a valid region. ");
        }
        String dateOfRequest = amzDate.substring(0, 8);
        if (!dateOfRequest.equals(scopeDate)) {
            throw invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version"
                    + " of date from HTTP: '" + scopeDate + "' != '" + dateOfRequest + "', from '"
                    + amzDate + "'.");
        }

        checkClockSkew(requestTime.toInstant(ZoneOffset.UTC), amzDate);

        Optional<String> secret = secrets.secretFor(accessKeyId);
        if (secret == null || secret.isEmpty()) {
            throw AwsErrorException.aws("UnrecognizedClientException", 400,
                    "The security token included in the request is invalid.");
        }

        byte[] body = request.body() == null ? new byte[0] : request.body();
        String bodyHash = HEX.formatHex(sha256(body));
        List<String> declaredHashes = values(headers, "x-amz-content-sha256");
        if (!declaredHashes.isEmpty() && !MessageDigest.isEqual(
                joined(declaredHashes).getBytes(StandardCharsets.UTF_8),
                bodyHash.getBytes(StandardCharsets.US_ASCII))) {
            throw invalid(MISMATCH);
        }

        String signedHeaderList = String.join(";", auth.signedHeaders());
        String canonicalRequest = request.method() + "\n"
                + canonicalUri(request.path()) + "\n"
                + canonicalQuery(request.rawQuery()) + "\n"
                + canonicalHeaders(headers, auth.signedHeaders())
                + "\n"
                + signedHeaderList + "\n"
                + bodyHash;
        String credentialScope = scopeDate + "/" + region + "/" + scopeService + "/" + TERMINATOR;
        String stringToSign = ALGORITHM + "\n"
                + amzDate + "\n"
                + credentialScope + "\n"
                + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));

        byte[] key = hmac(("AWS4" + secret.get()).getBytes(StandardCharsets.UTF_8), scopeDate);
        key = hmac(key, region);
        key = hmac(key, scopeService);
        key = hmac(key, TERMINATOR);
        String expected = HEX.formatHex(hmac(key, stringToSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                auth.signature().getBytes(StandardCharsets.UTF_8))) {
            throw invalid(MISMATCH);
        }
        return accessKeyId;
    }

    private void checkClockSkew(Instant requestTime, String amzDate) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        String allowance = describe(clockSkewMax);
        if (requestTime.isBefore(now.minus(clockSkewMax))) {
            throw invalid("Signature expired: " + amzDate + " is now earlier than "
                    + format(now.minus(clockSkewMax)) + " (" + format(now) + " - " + allowance
                    + ")");
        }
        if (requestTime.isAfter(now.plus(clockSkewMax))) {
            throw invalid("Signature not yet current: " + amzDate + " is still later than "
                    + format(now.plus(clockSkewMax)) + " (" + format(now) + " + " + allowance
                    + ")");
        }
    }

    private static String describe(Duration d) {
        if (d.toSecondsPart() == 0 && d.toNanosPart() == 0) {
            return d.toMinutes() + " min.";
        }
        return d.toSeconds() + " sec.";
    }

    private static String format(Instant instant) {
        return AMZ_DATE.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    /** The parsed {@code Authorization} header; signedHeaders lower-cased, sorted, distinct. */
    private record Authorization(String credential, TreeSet<String> signedHeaders,
                                 String signature) {

        static Authorization parse(String header, boolean hasDate) {
            String value = header.strip();
            int space = indexOfBlank(value);
            String algorithm = space < 0 ? value : value.substring(0, space);
            if (!ALGORITHM.equals(algorithm)) {
                throw incomplete("Unsupported Authorization header: the only supported algorithm"
                        + " is '" + ALGORITHM + "'.");
            }
            Map<String, String> parts = new LinkedHashMap<>();
            String rest = space < 0 ? "" : value.substring(space + 1);
            for (String part : rest.split(",", -1)) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw incomplete("Invalid key=value pair (missing equal-sign) in"
                            + " Authorization header (hashed with SHA-256 and encoded with"
                            + " Base64): '" + Base64.getEncoder().encodeToString(
                                    sha256(header.getBytes(StandardCharsets.UTF_8))) + "'.");
                }
                String name = p.substring(0, eq).strip();
                if (parts.putIfAbsent(name, p.substring(eq + 1).strip()) != null) {
                    throw incomplete("Authorization header has more than one '" + name
                            + "' parameter.");
                }
            }
            StringBuilder missing = new StringBuilder();
            for (String required : List.of("Credential", "Signature", "SignedHeaders")) {
                String v = parts.get(required);
                if (v == null || v.isEmpty()) {
                    missing.append("Authorization header requires '").append(required)
                            .append("' parameter. ");
                }
            }
            if (!hasDate) {
                missing.append("Authorization header requires existence of a 'X-Amz-Date'"
                        + " header. ");
            }
            if (!missing.isEmpty()) {
                throw incomplete(missing.toString().strip());
            }
            TreeSet<String> signed = new TreeSet<>();
            for (String name : parts.get("SignedHeaders").split(";", -1)) {
                String n = asciiLower(name.strip());
                if (n.isEmpty()) {
                    throw incomplete("Authorization header's 'SignedHeaders' parameter has an"
                            + " empty header name.");
                }
                signed.add(n);
            }
            return new Authorization(parts.get("Credential"), signed, parts.get("Signature"));
        }

        private static int indexOfBlank(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Values of every header called {@code lowerName} (any case), in received order. */
    private static List<String> values(List<Map.Entry<String, String>> headers, String lowerName) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey() != null && asciiLower(h.getKey().strip()).equals(lowerName)) {
                out.add(h.getValue() == null ? "" : h.getValue());
            }
        }
        return out;
    }

    /** Lower-cases A-Z only, so no locale or Unicode case folding can alias a header name. */
    private static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return sb.toString();
    }

    private static String joined(List<String> values) {
        List<String> trimmed = new ArrayList<>(values.size());
        for (String v : values) {
            trimmed.add(trimAll(v));
        }
        return String.join(",", trimmed);
    }

    /** Trims the value and collapses every inner run of blanks into one space. */
    private static String trimAll(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        boolean pendingBlank = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == '\u000b' || c == '\f' || c == '\r' || c == '\n') {
                pendingBlank = !sb.isEmpty();
            } else {
                if (pendingBlank) {
                    sb.append(' ');
                    pendingBlank = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String canonicalHeaders(List<Map.Entry<String, String>> headers,
                                           TreeSet<String> signed) {
        StringBuilder sb = new StringBuilder();
        for (String name : signed) {
            sb.append(name).append(':').append(joined(values(headers, name))).append('\n');
        }
        return sb.toString();
    }

    /** Removes dot and empty segments (keeping a trailing slash), then encodes each segment. */
    private static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else {
                segments.add(segment);
            }
        }
        StringBuilder sb = new StringBuilder();
        if (rawPath.startsWith("/")) {
            sb.append('/');
        }
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(encode(segments.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        if (!segments.isEmpty() && rawPath.endsWith("/")) {
            sb.append('/');
        }
        return sb.toString();
    }

    /** Decodes every parameter, re-encodes it, sorts by name then value, joins with '&'. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> params = new ArrayList<>();
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(new String[] {encode(percentDecode(name)), encode(percentDecode(value))});
        }
        params.sort((a, b) -> {
            int byName = a[0].compareTo(b[0]);
            return byName != 0 ? byName : a[1].compareTo(b[1]);
        });
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /** Decodes {@code %XX} escapes to bytes; a malformed escape is kept literally. */
    private static byte[] percentDecode(String s) {
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && HexFormat.isHexDigit(in[i + 1])
                    && HexFormat.isHexDigit(in[i + 2])) {
                out.write((HexFormat.fromHexDigit(in[i + 1]) << 4)
                        | HexFormat.fromHexDigit(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    /** RFC 3986 encoding as SigV4 wants it: unreserved bytes as is, all others as %XX. */
    private static String encode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(UPPER_HEX[c >> 4]).append(UPPER_HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA256", e);
        }
    }

    private static AwsErrorException incomplete(String message) {
        return AwsErrorException.aws(INCOMPLETE, 400, message);
    }

    private static AwsErrorException invalid(String message) {
        return AwsErrorException.aws(INVALID, 400, message);
    }
}
