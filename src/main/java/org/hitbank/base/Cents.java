package org.hitbank.base;

import java.util.regex.Pattern;

/**
 * The one place where MTurk's dollar strings ({@code CurrencyAmount}, MTURK-NOTES §2) meet
 * Hitbank's money, a {@code long} count of cents. Used only by the front ends.
 */
public final class Cents {
    /** The model's CurrencyAmount pattern. */
    public static final Pattern CURRENCY_AMOUNT = Pattern.compile("^[0-9]+(\\.)?[0-9]{0,2}$");
    /** The largest amount accepted anywhere: $10,000,000,000.00, far below overflow. */
    public static final long AMOUNT_CENTS_MAX = 1_000_000_000_000L;

    private Cents() {
    }

    /**
     * Parses {@code "5"}, {@code "5."}, {@code "0.5"}, {@code "101.42"} into cents, exactly: no
     * rounding, no trimming.
     *
     * @throws IllegalArgumentException when {@code dollars} does not match the CurrencyAmount
     *     pattern or exceeds {@link #AMOUNT_CENTS_MAX}
     */
    public static long parseDollars(String dollars) {
        if (dollars == null || !CURRENCY_AMOUNT.matcher(dollars).matches()) {
            throw new IllegalArgumentException("not a CurrencyAmount: " + dollars);
        }
        int dot = dollars.indexOf('.');
        String whole = dot < 0 ? dollars : dollars.substring(0, dot);
        String fraction = dot < 0 ? "" : dollars.substring(dot + 1);
        String digits = whole.replaceFirst("^0+(?=.)", "");
        if (digits.length() > 13) {
            throw new IllegalArgumentException("amount too large: " + dollars);
        }
        long cents = Math.addExact(Math.multiplyExact(Long.parseLong(digits), 100L),
                fraction.isEmpty() ? 0L : Long.parseLong((fraction + "0").substring(0, 2)));
        if (cents > AMOUNT_CENTS_MAX) {
            throw new IllegalArgumentException("amount too large: " + dollars);
        }
        return cents;
    }

    /** Formats cents as a 2-decimal dollar string, e.g. 12 as {@code "0.12"}. */
    public static String toDollars(long cents) {
        Check.that(cents >= 0, "negative amount %d", cents);
        return (cents / 100) + "." + String.format("%02d", cents % 100);
    }
}
