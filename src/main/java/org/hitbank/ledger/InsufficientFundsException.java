package org.hitbank.ledger;

import org.hitbank.base.HitbankException;

/** An account could not pay a transfer; the enclosing transaction rolls back, nothing moved. */
public final class InsufficientFundsException extends HitbankException {
    public InsufficientFundsException(String accountId, long amountCents) {
        super("account " + accountId + " cannot pay " + amountCents + " cents");
    }
}
