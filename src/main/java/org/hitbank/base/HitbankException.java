package org.hitbank.base;

/**
 * The one unchecked root of every exception Hitbank throws on purpose. Each front end (the
 * requester API, the worker API, the CLI) catches it at exactly one boundary.
 */
public class HitbankException extends RuntimeException {
    public HitbankException(String message) {
        super(message);
    }

    public HitbankException(String message, Throwable cause) {
        super(message, cause);
    }
}
