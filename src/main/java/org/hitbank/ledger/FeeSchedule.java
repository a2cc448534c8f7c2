package org.hitbank.ledger;

/**
 * The commission Hitbank charges on top of rewards and bonuses (MTURK-NOTES §4.4). Default is
 * MTurk's July 2015 schedule: 20% of each reward and bonus, at least $0.01, rounded half up to the
 * cent; HITs with 10 or more assignments pay another 20% on rewards (not on bonuses). A schedule
 * of zero rates and a zero minimum charges nothing. Immutable.
 *
 * @param rateBasisPoints base rate on rewards and bonuses, in 1/100 of a percent (2000 = 20%)
 * @param feeCentsMin the least fee per reward or bonus, in cents
 * @param manyAssignmentsRateBasisPoints extra rate on rewards of HITs with many assignments
 * @param manyAssignmentsMin the MaxAssignments from which the extra rate applies
 */
public record FeeSchedule(int rateBasisPoints, long feeCentsMin, int manyAssignmentsRateBasisPoints,
                          int manyAssignmentsMin) {
    private static final int BASIS_POINTS_MAX = 10_000;

    /**
     * @throws IllegalArgumentException when a rate is outside 0..10000 basis points, the minimum is
     *     negative or {@code manyAssignmentsMin} is below 1
     */
    public FeeSchedule {
        if (rateBasisPoints < 0 || rateBasisPoints > BASIS_POINTS_MAX) {
            throw new IllegalArgumentException("fee rate must be 0..10000 basis points, was "
                    + rateBasisPoints);
        }
        if (manyAssignmentsRateBasisPoints < 0
                || manyAssignmentsRateBasisPoints > BASIS_POINTS_MAX) {
            throw new IllegalArgumentException("extra fee rate must be 0..10000 basis points, was "
                    + manyAssignmentsRateBasisPoints);
        }
        if (feeCentsMin < 0 || feeCentsMin > 100_00) {
            throw new IllegalArgumentException("minimum fee must be 0..10000 cents, was "
                    + feeCentsMin);
        }
        if (manyAssignmentsMin < 1) {
            throw new IllegalArgumentException("many-assignments threshold must be >= 1, was "
                    + manyAssignmentsMin);
        }
    }

    /** MTurk's schedule: 20%, minimum 1 cent, another 20% on rewards from 10 assignments. */
    public static FeeSchedule mturk() {
        return new FeeSchedule(2000, 1, 2000, 10);
    }

    /** The fee on one assignment's reward of a HIT with {@code maxAssignments} assignments. */
    public long rewardFeeCents(long rewardCents, int maxAssignments) {
        int rate = rateBasisPoints
                + (maxAssignments >= manyAssignmentsMin ? manyAssignmentsRateBasisPoints : 0);
        return feeCents(rewardCents, rate);
    }

    /** The fee on one bonus. */
    public long bonusFeeCents(long bonusCents) {
        return feeCents(bonusCents, rateBasisPoints);
    }

    /** Whether a HIT of {@code maxAssignments} pays the extra rate on rewards. */
    public boolean isManyAssignments(int maxAssignments) {
        return maxAssignments >= manyAssignmentsMin;
    }

    /**
     * max(minimum, amount × rate rounded half up to the cent), in exact integer arithmetic.
     * MTurk's pricing FAQ: $0.104 rounds to $0.10, $0.105 to $0.11.
     */
    long feeCents(long amountCents, int rateBasisPoints) {
        long scaled = Math.multiplyExact(amountCents, (long) rateBasisPoints);
        long rounded = (scaled + BASIS_POINTS_MAX / 2) / BASIS_POINTS_MAX;
        return Math.max(feeCentsMin, rounded);
    }
}
