package org.hitbank.base;

import java.security.SecureRandom;

/**
 * MTurk-shaped identifiers (MTURK-NOTES §10a): HIT, HITType, Assignment and bonus ids are 30
 * upper-case alphanumerics; WorkerIds are {@code A} followed by 13 of them. Secrets are drawn from
 * the same {@link SecureRandom}. Thread-safe.
 */
public final class Ids {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String SECRET_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** A 30-character id matching {@code ^[A-Z0-9]+$} (MTurk's EntityId). */
    public static String entityId() {
        return random(ALPHABET, 30);
    }

    /** A WorkerId matching {@code ^A[A-Z0-9]+$} (MTurk's CustomerId), 14 characters. */
    public static String workerId() {
        return "A" + random(ALPHABET, 13);
    }

    /** An internal requester id, {@code R} + 13 upper-case alphanumerics. */
    public static String requesterId() {
        return "R" + random(ALPHABET, 13);
    }

    /** An AWS-style access key id: {@code AKHB} + 16 upper-case alphanumerics. */
    public static String accessKeyId() {
        return "AKHB" + random(ALPHABET, 16);
    }

    /** A 40-character secret (AWS secret access key alphabet). */
    public static String secret() {
        return random(SECRET_ALPHABET, 40);
    }

    private static String random(String alphabet, int length) {
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return id.toString();
    }
}
