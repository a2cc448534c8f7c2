package org.hitbank.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Dollar strings to cents and back, exactly (MTURK-NOTES §2, CurrencyAmount). */
class CentsTest {
    @ParameterizedTest(name = "\"{0}\" is {1} cents")
    @CsvSource({
        "5, 500",
        "5., 500",
        "0, 0",
        "00.1, 10",
        "0.50, 50",
        "101.42, 10142",
        "0.01, 1",
        "10000000000, 1000000000000",
    })
    void parseDollars_isExact(String dollars, long cents) {
        assertThat(Cents.parseDollars(dollars)).isEqualTo(cents);
    }

    @ParameterizedTest(name = "\"{0}\" is refused")
    @ValueSource(strings = {".50", "0.9752", "1,000.00", "-1", "1e3", " 1", "1.005", "",
        "10000000000.01", "99999999999999999999999"})
    void parseDollars_refusesWhatIsNotACurrencyAmount(String dollars) {
        assertThatThrownBy(() -> Cents.parseDollars(dollars))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} cents is \"{1}\"")
    @CsvSource({"0, 0.00", "1, 0.01", "50, 0.50", "10142, 101.42", "1000000000000, 10000000000.00"})
    void toDollars_hasTwoDecimals(long cents, String dollars) {
        assertThat(Cents.toDollars(cents)).isEqualTo(dollars);
    }
}
