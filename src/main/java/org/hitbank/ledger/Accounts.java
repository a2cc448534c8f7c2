package org.hitbank.ledger;

/** The names of ledger accounts (MTURK issue §5: available, on hold, earnings, fees, external). */
public final class Accounts {
    public static final String EXTERNAL = "external";
    public static final String FEES = "fees";

    private Accounts() {
    }

    /** A requester's spendable funds. */
    public static String available(String requesterId) {
        return "requester/" + requesterId + "/available";
    }

    /** A requester's funds held for the liability of open assignments. */
    public static String onHold(String requesterId) {
        return "requester/" + requesterId + "/on_hold";
    }

    /** A worker's earnings: rewards and bonuses received. */
    public static String earnings(String workerId) {
        return "worker/" + workerId + "/earnings";
    }
}
