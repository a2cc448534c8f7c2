package org.hitbank.base;

import java.time.Duration;

/**
 * Every limit Hitbank enforces, in one place. The fixed ones mirror MTurk's documented limits
 * (MTURK-NOTES §6.2); the configurable ones come from the deployment's configuration.
 *
 * @param requestBytesMax largest request body accepted, in bytes
 * @param bonusCentsMax largest single bonus, in cents; 0 means no maximum
 * @param bonusTokenRetention how long a SendBonus UniqueRequestToken is remembered; null means as
 *     long as the bonus itself (forever)
 * @param hitTokenRetention how long CreateHIT and CreateAdditionalAssignmentsForHIT tokens are
 *     remembered (MTurk: 24 hours)
 */
public record Limits(int requestBytesMax, long bonusCentsMax, Duration bonusTokenRetention,
                     Duration hitTokenRetention) {
    // MTurk's documented limits (MTURK-NOTES §6.2, §4.1, §5.2); text lengths in code points.
    public static final int TITLE_CHARS_MAX = 128;
    public static final int DESCRIPTION_CHARS_MAX = 2000;
    public static final int KEYWORDS_CHARS_MAX = 1000;
    public static final int REQUESTER_ANNOTATION_CHARS_MAX = 255;
    public static final int QUESTION_BYTES_MAX = 65535;
    public static final int REASON_CHARS_MAX = 4096;
    public static final int REQUESTER_FEEDBACK_CHARS_MAX = 1024;
    public static final long DURATION_SECONDS_MIN = 30;
    public static final long DURATION_SECONDS_MAX = 31_536_000;
    /** UpdateExpirationForHIT extends by at least a minute (MTURK-NOTES §6.3). */
    public static final long EXPIRATION_INCREMENT_SECONDS_MIN = 60;
    public static final long AUTO_APPROVAL_DELAY_SECONDS_MAX = 2_592_000;
    public static final long AUTO_APPROVAL_DELAY_SECONDS_DEFAULT = 2_592_000;
    public static final int MAX_ASSIGNMENTS_MAX = 1_000_000_000;
    public static final int QUALIFICATION_REQUIREMENTS_MAX = 10;
    public static final int MAX_RESULTS_DEFAULT = 10;
    public static final int MAX_RESULTS_MAX = 100;
    public static final Duration TOKEN_RETENTION_MIN = Duration.ofHours(24);
    public static final Duration OVERRIDE_REJECTION_WINDOW = Duration.ofDays(30);
    public static final int SWEEP_BATCH_MAX = 500;

    /** Defaults: 1 MiB requests, no bonus maximum, bonus tokens forever, HIT tokens 24 h. */
    public static Limits defaults() {
        return new Limits(1 << 20, 0, null, Duration.ofHours(24));
    }
}
