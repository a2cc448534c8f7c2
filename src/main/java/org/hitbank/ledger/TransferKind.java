package org.hitbank.ledger;

/** Why money moved. Stored by name in {@code transfer.kind}. */
public enum TransferKind {
    /** external → requester available: funds added by an operator. */
    DEPOSIT,
    /** requester available → requester on hold: liability of a HIT's open assignments. */
    HOLD,
    /** requester on hold → requester available: a hold no longer needed (reject, expiry...). */
    RELEASE,
    /** requester on hold (or available, after an overridden rejection) → worker earnings. */
    REWARD,
    /** the fee on a reward → fees. */
    REWARD_FEE,
    /** requester available → worker earnings. */
    BONUS,
    /** the fee on a bonus → fees. */
    BONUS_FEE
}
