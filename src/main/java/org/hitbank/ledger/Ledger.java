package org.hitbank.ledger;

import java.util.ArrayList;
import java.util.List;
import org.hitbank.base.Check;
import org.jdbi.v3.core.Handle;

/**
 * The ledger, in integer cents, where every transfer is both a debit and a credit: the only code
 * that writes {@code account} and {@code transfer}.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Accounts: per requester <em>available</em> and <em>on hold</em>, per worker
 *       <em>earnings</em>, one <em>fees</em> and one <em>external</em> account ({@link Accounts}).
 *       {@code balance_cents} = credits − debits; it is kept on the account row and equals the sum
 *       of the account's transfers ({@link #audit}).</li>
 *   <li>Every movement is one immutable {@link Transfer}. A debit is a conditional update
 *       ({@code balance >= amount}), so no requester or worker account can go negative, even under
 *       concurrent writers and on any SQL database; only {@code external} may.</li>
 *   <li>{@link #post} runs inside the caller's transaction, so a caller's several transfers
 *       (a bonus and its fee) commit together or not at all, and many may later be batched in one
 *       transaction.</li>
 *   <li>Holds: a HIT's open assignments are backed by {@code HOLD} transfers
 *       (available → on hold); approval pays {@code REWARD} and {@code REWARD_FEE} out of on hold;
 *       rejection, expiry and deletion {@code RELEASE} on hold → available. Fee rounding lives in
 *       {@link FeeSchedule}.</li>
 * </ul>
 * Not thread-safe by itself: callers serialise through the store's transactions.
 */
public final class Ledger {
    private Ledger() {
    }

    /** Creates an account with balance zero. */
    public static void openAccount(Handle handle, String accountId, String kind, String ownerId) {
        handle.createUpdate("INSERT INTO account (account_id, kind, owner_id) VALUES (?, ?, ?)")
                .bind(0, accountId).bind(1, kind).bind(2, ownerId).execute();
    }

    /**
     * Posts {@code transfers} in order within the caller's transaction.
     *
     * @throws InsufficientFundsException when a debit account cannot pay; the caller's transaction
     *     must then roll back (earlier transfers of this call are in it)
     */
    public static void post(Handle handle, long nowMillis, List<Transfer> transfers) {
        for (Transfer transfer : transfers) {
            Check.that(transfer.amountCents() > 0, "transfer of %d cents", transfer.amountCents());
            Check.that(!transfer.debitAccountId().equals(transfer.creditAccountId()),
                    "transfer to itself: %s", transfer.debitAccountId());
            int debited = handle.createUpdate("""
                    UPDATE account SET balance_cents = balance_cents - :amount
                    WHERE account_id = :account
                      AND (may_go_negative = 1 OR balance_cents >= :amount)
                    """)
                    .bind("amount", transfer.amountCents())
                    .bind("account", transfer.debitAccountId())
                    .execute();
            if (debited == 0) {
                Check.that(balanceCentsOrNull(handle, transfer.debitAccountId()) != null,
                        "no account %s", transfer.debitAccountId());
                throw new InsufficientFundsException(transfer.debitAccountId(),
                        transfer.amountCents());
            }
            int credited = handle.createUpdate("""
                    UPDATE account SET balance_cents = balance_cents + :amount
                    WHERE account_id = :account
                    """)
                    .bind("amount", transfer.amountCents())
                    .bind("account", transfer.creditAccountId())
                    .execute();
            Check.that(credited == 1, "no account %s", transfer.creditAccountId());
            Transfer.Refs refs = transfer.refs();
            handle.createUpdate("""
                    INSERT INTO transfer (debit_account_id, credit_account_id, amount_cents, kind,
                        requester_id, hit_id, assignment_id, bonus_id, created_millis)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                    .bind(0, transfer.debitAccountId())
                    .bind(1, transfer.creditAccountId())
                    .bind(2, transfer.amountCents())
                    .bind(3, transfer.kind().name())
                    .bind(4, refs.requesterId())
                    .bind(5, refs.hitId())
                    .bind(6, refs.assignmentId())
                    .bind(7, refs.bonusId())
                    .bind(8, nowMillis)
                    .execute();
        }
    }

    /** The balance of an account, in cents. @throws IllegalStateException if it does not exist */
    public static long balanceCents(Handle handle, String accountId) {
        Long balance = balanceCentsOrNull(handle, accountId);
        Check.that(balance != null, "no account %s", accountId);
        return balance;
    }

    private static Long balanceCentsOrNull(Handle handle, String accountId) {
        return handle.createQuery("SELECT balance_cents FROM account WHERE account_id = ?")
                .bind(0, accountId).mapTo(Long.class).findOne().orElse(null);
    }

    /**
     * Checks the ledger's own invariants and returns one line per violation (empty when sound):
     * the balances sum to zero; each balance equals its transfers; no account but
     * {@code external} is negative; per requester, deposits = available + on hold + rewards +
     * bonuses + fees paid.
     */
    public static List<String> audit(Handle handle) {
        List<String> violations = new ArrayList<>();
        long sum = handle.createQuery("SELECT COALESCE(SUM(balance_cents), 0) FROM account")
                .mapTo(Long.class).one();
        if (sum != 0) {
            violations.add("balances sum to " + sum + " cents, not 0");
        }
        handle.createQuery("""
                SELECT a.account_id, a.balance_cents,
                  COALESCE((SELECT SUM(amount_cents) FROM transfer
                            WHERE credit_account_id = a.account_id), 0)
                  - COALESCE((SELECT SUM(amount_cents) FROM transfer
                              WHERE debit_account_id = a.account_id), 0) AS from_transfers,
                  a.may_go_negative
                FROM account a
                """)
                .map((rs, ctx) -> {
                    String id = rs.getString(1);
                    long balance = rs.getLong(2);
                    long fromTransfers = rs.getLong(3);
                    if (balance != fromTransfers) {
                        violations.add(id + ": balance " + balance + " but transfers sum to "
                                + fromTransfers);
                    }
                    if (balance < 0 && rs.getInt(4) == 0) {
                        violations.add(id + ": negative balance " + balance);
                    }
                    return id;
                })
                .list();
        handle.createQuery("""
                SELECT r.requester_id,
                  COALESCE((SELECT SUM(amount_cents) FROM transfer t
                            WHERE t.requester_id = r.requester_id AND t.kind = 'DEPOSIT'), 0),
                  (SELECT balance_cents FROM account WHERE owner_id = r.requester_id
                     AND kind = 'available'),
                  (SELECT balance_cents FROM account WHERE owner_id = r.requester_id
                     AND kind = 'on_hold'),
                  COALESCE((SELECT SUM(amount_cents) FROM transfer t
                            WHERE t.requester_id = r.requester_id
                              AND t.kind IN ('REWARD', 'REWARD_FEE', 'BONUS', 'BONUS_FEE')), 0)
                FROM requester r
                """)
                .map((rs, ctx) -> {
                    long deposits = rs.getLong(2);
                    long accountedFor = rs.getLong(3) + rs.getLong(4) + rs.getLong(5);
                    if (deposits != accountedFor) {
                        violations.add("requester " + rs.getString(1) + ": deposits " + deposits
                                + " != available + on hold + paid " + accountedFor);
                    }
                    return deposits;
                })
                .list();
        return violations;
    }
}
