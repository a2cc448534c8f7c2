package org.hitbank.base;

/**
 * Assertions that stay on in production (TigerStyle): a failed check is a programmer error, never
 * bad input. The caller's transaction rolls back and the request answers {@code ServiceFault}.
 */
public final class Check {
    private Check() {
    }

    /**
     * @throws IllegalStateException with the formatted message when {@code condition} is false
     */
    public static void that(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException("check failed: " + String.format(format, args));
        }
    }
}
