package org.hitbank.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.hitbank.base.Cents;
import org.hitbank.base.Limits;
import org.hitbank.market.Model.PageRequest;

/**
 * Conversions between the wire's values and the market's: CurrencyAmount strings and cents,
 * epoch-second timestamps and epoch millis, NextToken and row positions. Stateless.
 */
final class Wire {
    private static final String TOKEN_PREFIX = "hb1:";

    private Wire() {
    }

    /**
     * A CurrencyAmount member (already pattern-checked by the model) in cents.
     *
     * @throws AwsErrorException ParameterValidationError when it is too large
     */
    static long cents(JsonNode input, String member) {
        String dollars = input.path(member).asText();
        try {
            return Cents.parseDollars(dollars);
        } catch (IllegalArgumentException e) {
            throw AwsErrorException.parameterValidation(member, "The value \"" + dollars
                    + "\" is not valid for the parameter " + member + ". It must be at most "
                    + Cents.toDollars(Cents.AMOUNT_CENTS_MAX) + ".");
        }
    }

    /** Epoch millis as the wire's epoch seconds, with millisecond precision. */
    static BigDecimal seconds(long millis) {
        return BigDecimal.valueOf(millis, 3);
    }

    /**
     * A timestamp member (epoch seconds, integer or fractional) in epoch millis.
     *
     * @throws AwsErrorException ParameterValidationError when it does not fit
     */
    static long millis(JsonNode input, String member) {
        try {
            return input.path(member).decimalValue().movePointRight(3)
                    .setScale(0, RoundingMode.FLOOR).longValueExact();
        } catch (ArithmeticException e) {
            throw AwsErrorException.parameterValidation(member, "The value "
                    + input.path(member).asText() + " is not valid for the parameter " + member
                    + ".");
        }
    }

    /** A string member, or null when absent. */
    static String text(JsonNode input, String member) {
        JsonNode node = input.get(member);
        return node == null || node.isNull() ? null : node.asText();
    }

    /**
     * The page asked for by {@code NextToken} and {@code MaxResults} (default 10).
     *
     * @throws AwsErrorException ParameterValidationError for a NextToken Hitbank did not issue
     */
    static PageRequest page(JsonNode input) {
        int maxResults = input.hasNonNull("MaxResults") ? input.get("MaxResults").asInt()
                : Limits.MAX_RESULTS_DEFAULT;
        String token = text(input, "NextToken");
        if (token == null) {
            return new PageRequest(maxResults, 0);
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token),
                    StandardCharsets.UTF_8);
            if (decoded.startsWith(TOKEN_PREFIX)) {
                long after = Long.parseLong(decoded.substring(TOKEN_PREFIX.length()));
                if (after >= 0) {
                    return new PageRequest(maxResults, after);
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw AwsErrorException.parameterValidation("NextToken", "The value \"" + token
                + "\" is not valid for the parameter NextToken.");
    }

    /** The NextToken that continues after row {@code afterSeq}. */
    static String nextToken(long afterSeq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                (TOKEN_PREFIX + afterSeq).getBytes(StandardCharsets.UTF_8));
    }
}
