package org.hitbank.ledger;

/**
 * One movement of {@code amountCents} from the debit account to the credit account. Transfers are
 * immutable once posted; balances follow from them.
 *
 * @param debitAccountId the account money leaves
 * @param creditAccountId the account money enters
 * @param amountCents a positive amount
 * @param kind why it moved
 * @param refs the requester, HIT, assignment and bonus it belongs to (for audits and listings)
 */
public record Transfer(String debitAccountId, String creditAccountId, long amountCents,
                       TransferKind kind, Refs refs) {
    /** What a transfer belongs to; any id may be null. */
    public record Refs(String requesterId, String hitId, String assignmentId, String bonusId) {
    }
}
