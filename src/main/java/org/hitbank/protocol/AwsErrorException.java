package org.hitbank.protocol;

import org.hitbank.base.HitbankException;

/**
 * An error answered on the wire in the AWS JSON 1.1 envelope:
 * {@code {"__type": type, "Message": message, "TurkErrorCode": turkErrorCode,
 * "Parameter": parameter}}
 * with the HTTP status {@code httpStatus}. {@code turkErrorCode} and {@code parameter} may be null
 * and are then left out of the body.
 *
 * <p>Errors thrown here never change state: they are raised before an operation runs (framing,
 * SigV4, model validation) or by an operation whose transaction is then rolled back.
 * See MTURK-NOTES §1.1 for the envelope.
 */
public final class AwsErrorException extends HitbankException {
    private final String type;
    private final int httpStatus;
    private final String turkErrorCode;
    private final String parameter;
    private final boolean timestamped;

    private AwsErrorException(String type, int httpStatus, String message, String turkErrorCode,
                              String parameter, boolean timestamped) {
        super(message);
        this.type = type;
        this.httpStatus = httpStatus;
        this.turkErrorCode = turkErrorCode;
        this.parameter = parameter;
        this.timestamped = timestamped;
    }

    /** A generic AWS error (auth, framing, validation): no TurkErrorCode, no timestamp. */
    public static AwsErrorException aws(String type, int httpStatus, String message) {
        return new AwsErrorException(type, httpStatus, message, null, null, false);
    }

    /** MTurk's {@code RequestError} (400); the wire message ends with {@code (<epoch millis>)}. */
    public static AwsErrorException requestError(String turkErrorCode, String message) {
        return new AwsErrorException("RequestError", 400, message, turkErrorCode, null, true);
    }

    /**
     * MTurk's {@code ParameterValidationError} (400) with TurkErrorCode
     * {@code AWS.MechanicalTurk.InvalidParameterValue} and the offending {@code parameter}.
     */
    public static AwsErrorException parameterValidation(String parameter, String message) {
        return new AwsErrorException("ParameterValidationError", 400, message,
                "AWS.MechanicalTurk.InvalidParameterValue", parameter, true);
    }

    /** MTurk's {@code ServiceFault} (500): only for failures where no state changed. */
    public static AwsErrorException serviceFault(String message) {
        return new AwsErrorException("ServiceFault", 500, message,
                "AWS.MechanicalTurk.ServiceFault", null, true);
    }

    /** The wire's {@code __type}, e.g. {@code RequestError}. */
    public String type() { return type; }
    /** The HTTP status, 4xx for the caller's errors, 500 for {@code ServiceFault}. */
    public int httpStatus() { return httpStatus; }
    /** May be null. */
    public String turkErrorCode() { return turkErrorCode; }
    /** May be null. */
    public String parameter() { return parameter; }
    /** Whether the wire message carries MTurk's {@code " (<epoch millis>)"} suffix. */
    public boolean timestamped() { return timestamped; }
}
