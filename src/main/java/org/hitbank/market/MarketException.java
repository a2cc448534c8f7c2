package org.hitbank.market;

import org.hitbank.base.HitbankException;

/**
 * A market operation refused its input; nothing changed. {@link Kind} says which rule, in the
 * terms the front ends map to MTurk's error types (MTURK-NOTES §11); the message is MTurk's text
 * where it is known, without the {@code (<millis>)} suffix the protocol adds.
 */
public final class MarketException extends HitbankException {
    /** Which rule refused the request. */
    public enum Kind {
        /** A parameter's value is not acceptable: ParameterValidationError. */
        INVALID_PARAMETER,
        HIT_DOES_NOT_EXIST,
        ASSIGNMENT_DOES_NOT_EXIST,
        INVALID_HIT_STATE,
        INVALID_ASSIGNMENT_STATE,
        INSUFFICIENT_FUNDS,
        HIT_ALREADY_EXISTS,
        /** A UniqueRequestToken that already succeeded (same or different parameters). */
        DUPLICATE_REQUEST,
        INVALID_MAXIMUM_ASSIGNMENTS_INCREASE
    }

    private final Kind kind;
    private final String parameter;

    private MarketException(Kind kind, String parameter, String message) {
        super(message);
        this.kind = kind;
        this.parameter = parameter;
    }

    public static MarketException of(Kind kind, String message) {
        return new MarketException(kind, null, message);
    }

    /** {@code The value "<value>" is not valid for the parameter <parameter>.} plus detail. */
    public static MarketException invalidParameter(String parameter, String value, String detail) {
        String message = "The value \"" + value + "\" is not valid for the parameter " + parameter
                + "." + (detail == null ? "" : " " + detail);
        return new MarketException(Kind.INVALID_PARAMETER, parameter, message);
    }

    /** A parameter's value is not acceptable, with a message of its own. */
    public static MarketException invalid(String parameter, String message) {
        return new MarketException(Kind.INVALID_PARAMETER, parameter, message);
    }

    /** MTurk's range text: {@code The value <v> is invalid for <p>. Valid values range ...} */
    public static MarketException outOfRange(String parameter, long value, long min, long max) {
        return new MarketException(Kind.INVALID_PARAMETER, parameter, "The value " + value
                + " is invalid for " + parameter + ". Valid values range from " + min + " to "
                + max + ".");
    }

    static MarketException hitDoesNotExist(String hitId) {
        return of(Kind.HIT_DOES_NOT_EXIST, "Hit " + hitId + " does not exist.");
    }

    static MarketException assignmentDoesNotExist(String assignmentId) {
        return of(Kind.ASSIGNMENT_DOES_NOT_EXIST, "Assignment " + assignmentId
                + " does not exist.");
    }

    static MarketException insufficientFunds() {
        return of(Kind.INSUFFICIENT_FUNDS, "This Requester has insufficient funds in their account"
                + " to complete this transaction.");
    }

    public Kind kind() {
        return kind;
    }

    /** The parameter at fault for {@link Kind#INVALID_PARAMETER}, else null. */
    public String parameter() {
        return parameter;
    }
}
