package org.hitbank.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.GetAccountBalanceResponse;
import software.amazon.awssdk.services.mturk.model.MTurkException;
import software.amazon.awssdk.services.mturk.model.RequestErrorException;

/** Assertions on what the AWS SDK for Java sees: balances to the cent and MTurk errors. */
public final class MTurkAssertions {
    private MTurkAssertions() {
    }

    /** GetAccountBalance answers exactly these two dollar strings. */
    public static void assertBalance(MTurkClient mturk, String available, String onHold) {
        GetAccountBalanceResponse balance = mturk.getAccountBalance(r -> { });
        assertThat(balance.availableBalance()).as("AvailableBalance").isEqualTo(available);
        assertThat(balance.onHoldBalance()).as("OnHoldBalance").isEqualTo(onHold);
    }

    /**
     * A 400 RequestError with that TurkErrorCode and message (null: any message), followed by
     * MTurk's {@code (<epoch millis>)} suffix.
     */
    public static void assertRequestError(Runnable call, String turkErrorCode, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(RequestErrorException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.turkErrorCode()).isEqualTo(turkErrorCode);
            if (message != null) {
                assertThat(e.awsErrorDetails().errorMessage())
                        .matches(Pattern.quote(message) + " \\(\\d{13}\\)");
            }
        });
    }

    /** A 400 ParameterValidationError whose message names {@code parameter}. */
    public static void assertParameterValidation(Runnable call, String parameter) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MTurkException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterValidationError");
            assertThat(e.awsErrorDetails().errorMessage()).contains(parameter);
        });
    }
}
