package org.hitbank.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fee rule, as a table (MTURK-NOTES §4.4). */
class FeeScheduleTest {
    private static final FeeSchedule MTURK = FeeSchedule.mturk();
    private static final FeeSchedule FREE = new FeeSchedule(0, 0, 0, 10);

    @ParameterizedTest(name = "bonus {0} cents pays fee {1}")
    @CsvSource({
        // bonusCents, feeCents: 20%, at least 1 cent, rounded half up
        "1, 1",
        "2, 1",
        "4, 1",
        "5, 1",
        "7, 1",
        "8, 2",
        "50, 10",
        "52, 10",
        "53, 11",
        "125, 25",
        "10142, 2028",
        "100000000000, 20000000000",
    })
    void bonusFee_isTwentyPercentRoundedHalfUpWithOneCentMinimum(long bonusCents,
                                                                 long feeCents) {
        assertThat(MTURK.bonusFeeCents(bonusCents)).isEqualTo(feeCents);
    }

    @ParameterizedTest(name = "reward {0} cents x {1} assignments pays fee {2}")
    @CsvSource({
        // rewardCents, maxAssignments, feeCents: another 20% from 10 assignments
        "1, 1, 1",
        "10, 1, 2",
        "50, 9, 10",
        "50, 10, 20",
        "3, 10, 1",
        "4, 10, 2",
        "52, 10, 21",
        "100, 1000, 40",
    })
    void rewardFee_addsTwentyPercentFromTenAssignments(long rewardCents, int maxAssignments,
                                                       long feeCents) {
        assertThat(MTURK.rewardFeeCents(rewardCents, maxAssignments)).isEqualTo(feeCents);
    }

    @ParameterizedTest(name = "free schedule: {0} cents pays 0")
    @CsvSource({"1", "125", "99999"})
    void zeroSchedule_chargesNothing(long amountCents) {
        assertThat(FREE.bonusFeeCents(amountCents)).isZero();
        assertThat(FREE.rewardFeeCents(amountCents, 100)).isZero();
    }

    @ParameterizedTest(name = "rejects ({0}, {1}, {2}, {3})")
    @CsvSource({
        "-1, 1, 2000, 10, 'fee rate must be 0..10000 basis points, was -1'",
        "10001, 1, 2000, 10, 'fee rate must be 0..10000 basis points, was 10001'",
        "2000, -1, 2000, 10, 'minimum fee must be 0..10000 cents, was -1'",
        "2000, 1, -5, 10, 'extra fee rate must be 0..10000 basis points, was -5'",
        "2000, 1, 2000, 0, 'many-assignments threshold must be >= 1, was 0'",
    })
    void invalidSchedule_isRejectedWithItsSetting(int rate, long min, int extra, int threshold,
                                                  String message) {
        assertThatThrownBy(() -> new FeeSchedule(rate, min, extra, threshold))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
