package org.hitbank.market;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hitbank.base.Check;
import org.hitbank.base.Cents;
import org.hitbank.base.Ids;
import org.hitbank.base.Limits;
import org.hitbank.ledger.Accounts;
import org.hitbank.ledger.FeeSchedule;
import org.hitbank.ledger.InsufficientFundsException;
import org.hitbank.ledger.Ledger;
import org.hitbank.ledger.Transfer;
import org.hitbank.ledger.TransferKind;
import org.hitbank.market.MarketException.Kind;
import org.hitbank.market.Model.Assignment;
import org.hitbank.market.Model.AssignmentStatus;
import org.hitbank.market.Model.AssignmentWithHIT;
import org.hitbank.market.Model.Balance;
import org.hitbank.market.Model.BonusPayment;
import org.hitbank.market.Model.BonusRequest;
import org.hitbank.market.Model.Earning;
import org.hitbank.market.Model.Earnings;
import org.hitbank.market.Model.HIT;
import org.hitbank.market.Model.HITSpec;
import org.hitbank.market.Model.HITStatus;
import org.hitbank.market.Model.HITTypeSpec;
import org.hitbank.market.Model.Page;
import org.hitbank.market.Model.PageRequest;
import org.hitbank.market.Model.RequesterCredentials;
import org.hitbank.market.Model.SweepResult;
import org.hitbank.market.Model.WorkerCredentials;
import org.hitbank.store.Store;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The marketplace: requesters, workers, HIT types, HITs, assignments and bonuses, and the rules
 * of MTurk's Requester API (MTURK-NOTES §4-6). Every change is one transaction on the
 * {@link Store} ({@link #sweep} makes one per item); every money movement goes through
 * {@link Ledger#post}.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>A requester only ever sees its own HITs, assignments and bonuses: anything else is
 *       reported as not existing.</li>
 *   <li>Holds are kept per HIT in {@code slots_held}: the number of assignment slots whose reward
 *       and fee are on hold. {@link #reconcile} is the one place that moves holds: after any change
 *       to a HIT or its assignments it computes the slots still needed (accepted + submitted +
 *       still available while the HIT is open) and holds or releases the difference. Approval pays
 *       one slot out of the hold.</li>
 *   <li>Time-driven changes (abandoned assignments, auto-approval, expiry, forgotten tokens) are
 *       made by {@link #sweep}, which the server calls on a timer.</li>
 *   <li>UniqueRequestTokens are stored per requester and operation with a fingerprint of the
 *       request. A failed call stores nothing, so its token stays usable.</li>
 * </ul>
 * Thread-safe: all state is in the store.
 */
public final class Market {
    private static final Logger LOG = LoggerFactory.getLogger(Market.class);
    private static final String OP_CREATE_HIT = "CreateHIT";
    private static final String OP_SEND_BONUS = "SendBonus";
    private static final String OP_ADDITIONAL = "CreateAdditionalAssignmentsForHIT";
    private static final String NOT_DISPOSED = "Assignable, Unassignable, Reviewable, Reviewing";
    private static final Set<AssignmentStatus> REVIEWABLE_STATUSES =
            Set.of(AssignmentStatus.Submitted, AssignmentStatus.Approved,
                    AssignmentStatus.Rejected);
    private static final String HIT_COLUMNS = """
            h.seq, h.hit_id, h.hit_type_id, h.created_millis, t.title, t.description, h.question,
            t.keywords, h.status, h.max_assignments, t.reward_cents, t.auto_approval_delay_seconds,
            h.expiration_millis, t.assignment_duration_seconds, h.requester_annotation,
            t.qualification_requirements, h.assignments_pending, h.assignments_available,
            h.assignments_completed""";
    private static final String HIT_FROM =
            " FROM hit h JOIN hit_type t ON t.hit_type_id = h.hit_type_id ";
    private static final String ASSIGNMENT_COLUMNS = """
            a.seq, a.assignment_id, a.worker_id, a.hit_id, a.status, a.auto_approval_millis,
            a.accept_millis, a.submit_millis, a.approval_millis, a.rejection_millis,
            a.deadline_millis, a.answer, a.requester_feedback""";

    private final Store store;
    private final Clock clock;
    private final FeeSchedule fees;
    private final Limits limits;

    /**
     * @param clock the market's time: expiry, deadlines, auto-approval, token retention
     */
    public Market(Store store, Clock clock, FeeSchedule fees, Limits limits) {
        this.store = store;
        this.clock = clock;
        this.fees = fees;
        this.limits = limits;
    }

    // ---------------------------------------------------------------- administration

    /** Creates a requester with empty accounts and fresh SigV4 credentials. */
    public RequesterCredentials createRequester(String name) {
        RequesterCredentials credentials = new RequesterCredentials(Ids.requesterId(),
                Ids.accessKeyId(), Ids.secret());
        store.write(h -> {
            h.createUpdate("""
                    INSERT INTO requester (requester_id, name, access_key_id, secret_access_key,
                      created_millis) VALUES (?, ?, ?, ?, ?)""")
                    .bind(0, credentials.requesterId()).bind(1, name)
                    .bind(2, credentials.accessKeyId()).bind(3, credentials.secretAccessKey())
                    .bind(4, now()).execute();
            Ledger.openAccount(h, Accounts.available(credentials.requesterId()), "available",
                    credentials.requesterId());
            Ledger.openAccount(h, Accounts.onHold(credentials.requesterId()), "on_hold",
                    credentials.requesterId());
            return null;
        });
        return credentials;
    }

    /** Creates a worker with an empty earnings account and a fresh secret. */
    public WorkerCredentials createWorker(String name) {
        WorkerCredentials credentials = new WorkerCredentials(Ids.workerId(), Ids.secret());
        store.write(h -> {
            h.createUpdate("""
                    INSERT INTO worker (worker_id, name, secret_sha256, created_millis)
                    VALUES (?, ?, ?, ?)""")
                    .bind(0, credentials.workerId()).bind(1, name)
                    .bind(2, sha256(credentials.secret())).bind(3, now()).execute();
            Ledger.openAccount(h, Accounts.earnings(credentials.workerId()), "earnings",
                    credentials.workerId());
            return null;
        });
        return credentials;
    }

    /**
     * Resolves a requester named by its id or its access key id.
     *
     * @return the requester id, or empty when no requester has that id or key
     */
    public Optional<String> findRequester(String requesterIdOrAccessKeyId) {
        return store.read(h -> h.createQuery("""
                SELECT requester_id FROM requester WHERE requester_id = :k OR access_key_id = :k""")
                .bind("k", requesterIdOrAccessKeyId).mapTo(String.class).findOne());
    }

    /** Records a deposit: external → the requester's available funds. */
    public Balance deposit(String requesterId, long amountCents) {
        Check.that(amountCents > 0, "deposit of %d cents", amountCents);
        return store.write(h -> {
            Ledger.post(h, now(), List.of(new Transfer(Accounts.EXTERNAL,
                    Accounts.available(requesterId), amountCents, TransferKind.DEPOSIT,
                    new Transfer.Refs(requesterId, null, null, null))));
            return balance(h, requesterId);
        });
    }

    /** The requester id and secret access key of an access key id, for SigV4. */
    public Optional<Map.Entry<String, String>> requesterByAccessKey(String accessKeyId) {
        return store.read(h -> h.createQuery("""
                SELECT requester_id, secret_access_key FROM requester WHERE access_key_id = ?""")
                .bind(0, accessKeyId)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                .findOne());
    }

    /** Whether {@code secret} is the worker's secret. */
    public boolean authenticateWorker(String workerId, String secret) {
        Optional<String> stored = store.read(h -> h.createQuery(
                        "SELECT secret_sha256 FROM worker WHERE worker_id = ?")
                .bind(0, workerId).mapTo(String.class).findOne());
        return stored.isPresent() && MessageDigest.isEqual(
                stored.get().getBytes(StandardCharsets.US_ASCII),
                sha256(secret).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Checks every invariant of the ledger and of the market's use of it; one line per violation.
     * See {@link Ledger#audit}; in addition: each HIT's hold equals its held slots × (reward + fee)
     * summed per requester, and every reward and bonus has its fee transfer.
     */
    public List<String> audit() {
        return store.read(h -> {
            List<String> violations = new ArrayList<>(Ledger.audit(h));
            h.createQuery("""
                    SELECT r.requester_id,
                      (SELECT balance_cents FROM account WHERE owner_id = r.requester_id
                         AND kind = 'on_hold'),
                      COALESCE((SELECT SUM(h.slots_held * (t.reward_cents + h.reward_fee_cents))
                         FROM hit h JOIN hit_type t ON t.hit_type_id = h.hit_type_id
                         WHERE h.requester_id = r.requester_id), 0)
                    FROM requester r""")
                    .map((rs, ctx) -> {
                        if (rs.getLong(2) != rs.getLong(3)) {
                            violations.add("requester " + rs.getString(1) + ": on hold "
                                    + rs.getLong(2) + " but HIT slots hold " + rs.getLong(3));
                        }
                        return null;
                    }).list();
            h.createQuery("""
                    SELECT b.bonus_id, b.bonus_cents, b.fee_cents,
                      COALESCE((SELECT SUM(amount_cents) FROM transfer WHERE bonus_id = b.bonus_id
                         AND kind = 'BONUS'), 0),
                      COALESCE((SELECT SUM(amount_cents) FROM transfer WHERE bonus_id = b.bonus_id
                         AND kind = 'BONUS_FEE'), 0)
                    FROM bonus_payment b""")
                    .map((rs, ctx) -> {
                        if (rs.getLong(2) != rs.getLong(4) || rs.getLong(3) != rs.getLong(5)) {
                            violations.add("bonus " + rs.getString(1) + ": bonus/fee "
                                    + rs.getLong(2) + "/" + rs.getLong(3) + " but transfers "
                                    + rs.getLong(4) + "/" + rs.getLong(5));
                        }
                        return null;
                    }).list();
            h.createQuery("""
                    SELECT a.assignment_id, t.reward_cents, h.reward_fee_cents,
                      COALESCE((SELECT SUM(amount_cents) FROM transfer
                         WHERE assignment_id = a.assignment_id AND kind = 'REWARD'), 0),
                      COALESCE((SELECT SUM(amount_cents) FROM transfer
                         WHERE assignment_id = a.assignment_id AND kind = 'REWARD_FEE'), 0),
                      a.status
                    FROM assignment a JOIN hit h ON h.hit_id = a.hit_id
                    JOIN hit_type t ON t.hit_type_id = h.hit_type_id""")
                    .map((rs, ctx) -> {
                        boolean approved = "Approved".equals(rs.getString(6));
                        long reward = approved ? rs.getLong(2) : 0;
                        long fee = approved ? rs.getLong(3) : 0;
                        if (rs.getLong(4) != reward || rs.getLong(5) != fee) {
                            violations.add("assignment " + rs.getString(1) + " (" + rs.getString(6)
                                    + "): reward/fee transfers " + rs.getLong(4) + "/"
                                    + rs.getLong(5) + ", expected " + reward + "/" + fee);
                        }
                        return null;
                    }).list();
            return violations;
        });
    }

    // ---------------------------------------------------------------- requester operations

    /** GetAccountBalance. */
    public Balance getAccountBalance(String requesterId) {
        return store.read(h -> balance(h, requesterId));
    }

    /**
     * CreateHITType: returns the id of the requester's HIT type with these attributes, creating
     * it if there is none (MTURK-NOTES §6.2).
     *
     * @throws MarketException INVALID_PARAMETER when an attribute is out of MTurk's limits
     */
    public String createHITType(String requesterId, HITTypeSpec spec) {
        Rules.checkHITType(spec);
        return store.write(h -> hitTypeId(h, requesterId, spec));
    }

    /**
     * CreateHIT: finds or creates the HIT type, then creates the HIT and holds
     * {@code maxAssignments × (reward + fee)}.
     *
     * @throws MarketException INVALID_PARAMETER, INSUFFICIENT_FUNDS, or HIT_ALREADY_EXISTS for a
     *     UniqueRequestToken used within its retention window
     */
    public HIT createHIT(String requesterId, HITTypeSpec type, HITSpec spec, String requestId) {
        Rules.checkHITType(type);
        Rules.checkHIT(spec);
        return store.write(h -> insertHIT(h, requesterId, hitTypeId(h, requesterId, type), spec,
                requestId));
    }

    /**
     * CreateHITWithHITType.
     *
     * @throws MarketException as {@link #createHIT}, and INVALID_PARAMETER for an unknown HITTypeId
     */
    public HIT createHITWithHITType(String requesterId, String hitTypeId, HITSpec spec,
                                    String requestId) {
        Rules.checkHIT(spec);
        return store.write(h -> {
            boolean known = h.createQuery(
                            "SELECT 1 FROM hit_type WHERE hit_type_id = ? AND requester_id = ?")
                    .bind(0, hitTypeId).bind(1, requesterId).mapTo(Integer.class).findOne()
                    .isPresent();
            if (!known) {
                throw MarketException.invalidParameter("HITTypeId", hitTypeId, null);
            }
            return insertHIT(h, requesterId, hitTypeId, spec, requestId);
        });
    }

    /** GetHIT. @throws MarketException HIT_DOES_NOT_EXIST */
    public HIT getHIT(String requesterId, String hitId) {
        return store.read(h -> hit(h, requesterId, hitId));
    }

    /** ListHITs: the requester's HITs that are not disposed, oldest first. */
    public Page<HIT> listHITs(String requesterId, PageRequest page) {
        return store.read(h -> page(h.createQuery("SELECT " + HIT_COLUMNS + HIT_FROM
                        + "WHERE h.requester_id = :r AND h.disposed = 0 AND h.seq > :after"
                        + " ORDER BY h.seq LIMIT :limit")
                .bind("r", requesterId).bind("after", page.afterSeq())
                .bind("limit", page.maxResults())
                .map((rs, ctx) -> hitFrom(rs)).list(), page, HIT::seq));
    }

    /**
     * ListReviewableHITs: HITs in {@code status} (Reviewable or Reviewing), optionally of one HIT
     * type.
     */
    public Page<HIT> listReviewableHITs(String requesterId, String hitTypeId, HITStatus status,
                                        PageRequest page) {
        return store.read(h -> page(h.createQuery("SELECT " + HIT_COLUMNS + HIT_FROM
                        + "WHERE h.requester_id = :r AND h.status = :status AND h.seq > :after"
                        + " AND (:type IS NULL OR h.hit_type_id = :type)"
                        + " ORDER BY h.seq LIMIT :limit")
                .bind("r", requesterId).bind("status", status.name())
                .bind("type", hitTypeId).bind("after", page.afterSeq())
                .bind("limit", page.maxResults())
                .map((rs, ctx) -> hitFrom(rs)).list(), page, HIT::seq));
    }

    /**
     * GetAssignment: a Submitted, Approved or Rejected assignment of the requester's, with its
     * HIT. @throws MarketException ASSIGNMENT_DOES_NOT_EXIST
     */
    public AssignmentWithHIT getAssignment(String requesterId, String assignmentId) {
        return store.read(h -> {
            Assignment assignment = visibleAssignment(h, requesterId, assignmentId, true);
            return new AssignmentWithHIT(assignment, hit(h, requesterId, assignment.hitId()));
        });
    }

    /**
     * ListAssignmentsForHIT, filtered by {@code statuses} (all three when empty).
     *
     * @throws MarketException HIT_DOES_NOT_EXIST
     */
    public Page<Assignment> listAssignmentsForHIT(String requesterId, String hitId,
                                                  Set<AssignmentStatus> statuses,
                                                  PageRequest page) {
        Set<AssignmentStatus> wanted = statuses.isEmpty() ? REVIEWABLE_STATUSES : statuses;
        return store.read(h -> {
            hit(h, requesterId, hitId);
            return page(h.createQuery("SELECT " + ASSIGNMENT_COLUMNS
                            + " FROM assignment a WHERE a.hit_id = :hit AND a.seq > :after"
                            + " AND a.status IN (<statuses>) ORDER BY a.seq LIMIT :limit")
                    .bind("hit", hitId).bind("after", page.afterSeq())
                    .bindList("statuses", wanted.stream().map(Enum::name).toList())
                    .bind("limit", page.maxResults())
                    .map((rs, ctx) -> assignmentFrom(rs)).list(), page, Assignment::seq);
        });
    }

    /**
     * ApproveAssignment: pays the reward to the worker and the fee to fees, out of the HIT's
     * hold. With {@code overrideRejection}, a Rejected assignment submitted in the last 30 days
     * is approved and paid out of available funds.
     *
     * @throws MarketException ASSIGNMENT_DOES_NOT_EXIST, INVALID_ASSIGNMENT_STATE,
     *     INSUFFICIENT_FUNDS (override only), INVALID_PARAMETER (feedback)
     */
    public void approveAssignment(String requesterId, String assignmentId, String feedback,
                                  boolean overrideRejection) {
        Rules.checkFeedback(feedback);
        store.write(h -> {
            Assignment assignment = visibleAssignment(h, requesterId, assignmentId, false);
            long now = now();
            if (assignment.status() == AssignmentStatus.Submitted) {
                approve(h, assignment, feedback, now);
            } else if (overrideRejection && assignment.status() == AssignmentStatus.Rejected) {
                if (assignment.submitMillis() + Limits.OVERRIDE_REJECTION_WINDOW.toMillis() < now) {
                    throw MarketException.of(Kind.INVALID_ASSIGNMENT_STATE, "This assignment was"
                            + " submitted more than 30 days ago; its rejection cannot be"
                            + " overridden.");
                }
                approveRejected(h, assignment, feedback, now);
            } else {
                throw notSubmitted();
            }
            return null;
        });
    }

    /**
     * RejectAssignment: the assignment's hold goes back to available.
     *
     * @throws MarketException ASSIGNMENT_DOES_NOT_EXIST, INVALID_ASSIGNMENT_STATE,
     *     INVALID_PARAMETER (feedback)
     */
    public void rejectAssignment(String requesterId, String assignmentId, String feedback) {
        Rules.checkFeedback(feedback);
        store.write(h -> {
            Assignment assignment = visibleAssignment(h, requesterId, assignmentId, false);
            if (assignment.status() != AssignmentStatus.Submitted) {
                throw notSubmitted();
            }
            h.createUpdate("""
                    UPDATE assignment SET status = 'Rejected', rejection_millis = ?,
                      requester_feedback = ? WHERE assignment_id = ?""")
                    .bind(0, now()).bind(1, feedback).bind(2, assignmentId).execute();
            reconcile(h, assignment.hitId(), now());
            return null;
        });
    }

    /**
     * SendBonus: moves the bonus to the worker's earnings and its fee to fees, both out of
     * available funds, in one transaction (MTURK-NOTES §4). Checks, in order: amount, reason,
     * token, worker, assignment, funds.
     *
     * @throws MarketException INVALID_PARAMETER (amount zero or over the maximum, reason empty or
     *     too long, unknown worker), DUPLICATE_REQUEST (token already used),
     *     ASSIGNMENT_DOES_NOT_EXIST (not this requester's, not this worker's, not submitted),
     *     INSUFFICIENT_FUNDS
     */
    public void sendBonus(String requesterId, BonusRequest request, String requestId) {
        Rules.checkBonus(request, limits);
        String fingerprint = fingerprint(request.workerId(), request.assignmentId(),
                Long.toString(request.bonusCents()), request.reason());
        store.write(h -> {
            long now = now();
            checkToken(h, requesterId, OP_SEND_BONUS, request.uniqueRequestToken(), fingerprint,
                    now);
            boolean workerKnown = h.createQuery("SELECT 1 FROM worker WHERE worker_id = ?")
                    .bind(0, request.workerId()).mapTo(Integer.class).findOne().isPresent();
            if (!workerKnown) {
                throw MarketException.invalidParameter("WorkerId", request.workerId(), null);
            }
            Assignment assignment = visibleAssignment(h, requesterId, request.assignmentId(),
                    false);
            if (!assignment.workerId().equals(request.workerId())) {
                throw MarketException.assignmentDoesNotExist(request.assignmentId());
            }
            String bonusId = Ids.entityId();
            long feeCents = fees.bonusFeeCents(request.bonusCents());
            Transfer.Refs refs = new Transfer.Refs(requesterId, assignment.hitId(),
                    assignment.assignmentId(), bonusId);
            List<Transfer> transfers = new ArrayList<>(2);
            transfers.add(new Transfer(Accounts.available(requesterId),
                    Accounts.earnings(request.workerId()), request.bonusCents(),
                    TransferKind.BONUS, refs));
            if (feeCents > 0) {
                transfers.add(new Transfer(Accounts.available(requesterId), Accounts.FEES,
                        feeCents, TransferKind.BONUS_FEE, refs));
            }
            post(h, now, transfers);
            h.createUpdate("""
                    INSERT INTO bonus_payment (bonus_id, requester_id, hit_id, assignment_id,
                      worker_id, bonus_cents, fee_cents, reason, grant_millis, request_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .bind(0, bonusId).bind(1, requesterId).bind(2, assignment.hitId())
                    .bind(3, assignment.assignmentId()).bind(4, request.workerId())
                    .bind(5, request.bonusCents()).bind(6, feeCents).bind(7, request.reason())
                    .bind(8, now).bind(9, requestId).execute();
            rememberToken(h, requesterId, OP_SEND_BONUS, request.uniqueRequestToken(),
                    fingerprint, requestId, bonusId, now, limits.bonusTokenRetention());
            return null;
        });
    }

    /**
     * ListBonusPayments for one assignment or for all assignments of one HIT, oldest first.
     *
     * @throws MarketException INVALID_PARAMETER when neither id is given, HIT_DOES_NOT_EXIST,
     *     ASSIGNMENT_DOES_NOT_EXIST
     */
    public Page<BonusPayment> listBonusPayments(String requesterId, String hitId,
                                                String assignmentId, PageRequest page) {
        if (hitId == null && assignmentId == null) {
            throw MarketException.invalid("HITId",
                    "Either the HITId parameter or the AssignmentId parameter must be specified.");
        }
        return store.read(h -> {
            if (assignmentId != null) {
                visibleAssignment(h, requesterId, assignmentId, true);
            }
            if (hitId != null) {
                hit(h, requesterId, hitId);
            }
            return page(h.createQuery("""
                            SELECT seq, worker_id, bonus_cents, assignment_id, hit_id, reason,
                              grant_millis FROM bonus_payment
                            WHERE requester_id = :r AND seq > :after
                              AND (:hit IS NULL OR hit_id = :hit)
                              AND (:assignment IS NULL OR assignment_id = :assignment)
                            ORDER BY seq LIMIT :limit""")
                    .bind("r", requesterId).bind("hit", hitId).bind("assignment", assignmentId)
                    .bind("after", page.afterSeq()).bind("limit", page.maxResults())
                    .map((rs, ctx) -> new BonusPayment(rs.getLong(1), rs.getString(2),
                            rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getLong(7)))
                    .list(), page, BonusPayment::seq);
        });
    }

    /**
     * UpdateExpirationForHIT: a time at or before now expires the HIT at once; a later time
     * extends it, and may not shorten it (MTURK-NOTES §6.3). Extending an expired HIT holds its
     * available slots again.
     *
     * @throws MarketException HIT_DOES_NOT_EXIST, INVALID_HIT_STATE (disposed),
     *     INVALID_PARAMETER (shortening, or more than a year ahead), INSUFFICIENT_FUNDS
     */
    public void updateExpirationForHIT(String requesterId, String hitId, long expireAtMillis) {
        store.write(h -> {
            HIT hit = hit(h, requesterId, hitId);
            long now = now();
            if (hit.status() == HITStatus.Disposed) {
                throw invalidHITState(hit.status(), NOT_DISPOSED);
            }
            long expiration;
            if (expireAtMillis <= now) {
                expiration = Math.min(hit.expirationMillis(), now);
            } else {
                long incrementSeconds = Math.floorDiv(expireAtMillis
                        - Math.max(hit.expirationMillis(), now), 1000);
                if (incrementSeconds < Limits.EXPIRATION_INCREMENT_SECONDS_MIN
                        || incrementSeconds > Limits.DURATION_SECONDS_MAX) {
                    throw MarketException.outOfRange("ExpirationIncrementInSeconds",
                            incrementSeconds, Limits.EXPIRATION_INCREMENT_SECONDS_MIN,
                            Limits.DURATION_SECONDS_MAX);
                }
                if (expireAtMillis - now > Limits.DURATION_SECONDS_MAX * 1000) {
                    throw MarketException.invalid("ExpireAt", "ExpireAt may be at most "
                            + Limits.DURATION_SECONDS_MAX + " seconds (365 days) from now.");
                }
                expiration = expireAtMillis;
            }
            h.createUpdate("UPDATE hit SET expiration_millis = ? WHERE hit_id = ?")
                    .bind(0, expiration).bind(1, hitId).execute();
            reconcile(h, hitId, now);
            return null;
        });
    }

    /**
     * DeleteHIT: disposes a Reviewable HIT whose assignments are all approved or rejected and
     * releases its remaining hold.
     *
     * @throws MarketException HIT_DOES_NOT_EXIST, INVALID_HIT_STATE
     */
    public void deleteHIT(String requesterId, String hitId) {
        store.write(h -> {
            hit(h, requesterId, hitId);
            long now = now();
            reconcile(h, hitId, now);
            HIT hit = hit(h, requesterId, hitId);
            int submitted = h.createQuery(
                            "SELECT COUNT(*) FROM assignment WHERE hit_id = ? AND status = ?")
                    .bind(0, hitId).bind(1, AssignmentStatus.Submitted.name())
                    .mapTo(Integer.class).one();
            if (hit.status() != HITStatus.Reviewable || submitted > 0) {
                throw invalidHITState(hit.status(), "Reviewing, Reviewable");
            }
            h.createUpdate("UPDATE hit SET disposed = 1 WHERE hit_id = ?").bind(0, hitId)
                    .execute();
            reconcile(h, hitId, now);
            return null;
        });
    }

    /**
     * CreateAdditionalAssignmentsForHIT: adds slots and holds their reward and fee.
     *
     * @throws MarketException HIT_DOES_NOT_EXIST, INVALID_HIT_STATE (disposed),
     *     INVALID_PARAMETER, INVALID_MAXIMUM_ASSIGNMENTS_INCREASE (crossing the many-assignments
     *     fee threshold), DUPLICATE_REQUEST, INSUFFICIENT_FUNDS
     */
    public void createAdditionalAssignmentsForHIT(String requesterId, String hitId, int count,
                                                  String token, String requestId) {
        if (count < 1 || count > Limits.MAX_ASSIGNMENTS_MAX) {
            throw MarketException.outOfRange("NumberOfAdditionalAssignments", count, 1,
                    Limits.MAX_ASSIGNMENTS_MAX);
        }
        String fingerprint = fingerprint(hitId, Integer.toString(count));
        store.write(h -> {
            long now = now();
            checkToken(h, requesterId, OP_ADDITIONAL, token, fingerprint, now);
            HIT hit = hit(h, requesterId, hitId);
            if (hit.status() == HITStatus.Disposed) {
                throw invalidHITState(hit.status(), NOT_DISPOSED);
            }
            long newMax = (long) hit.maxAssignments() + count;
            if (newMax > Limits.MAX_ASSIGNMENTS_MAX) {
                throw MarketException.outOfRange("NumberOfAdditionalAssignments", count, 1,
                        Limits.MAX_ASSIGNMENTS_MAX - hit.maxAssignments());
            }
            if (fees.isManyAssignments(hit.maxAssignments())
                    != fees.isManyAssignments((int) newMax)) {
                throw MarketException.of(Kind.INVALID_MAXIMUM_ASSIGNMENTS_INCREASE,
                        "This HIT has " + hit.maxAssignments() + " assignments; it cannot be"
                                + " extended to " + newMax + ", across the fee threshold of "
                                + fees.manyAssignmentsMin() + " assignments.");
            }
            Rules.checkLiability(newMax, holdRow(h, hitId).slotCents());
            h.createUpdate("UPDATE hit SET max_assignments = ? WHERE hit_id = ?")
                    .bind(0, newMax).bind(1, hitId).execute();
            reconcile(h, hitId, now);
            rememberToken(h, requesterId, OP_ADDITIONAL, token, fingerprint, requestId, hitId,
                    now, limits.hitTokenRetention());
            return null;
        });
    }

    // ---------------------------------------------------------------- worker operations

    /** The HITs a worker may accept now: Assignable, unexpired, not already taken by them. */
    public Page<HIT> listAssignableHITs(String workerId, PageRequest page) {
        return store.read(h -> page(h.createQuery("SELECT " + HIT_COLUMNS + HIT_FROM
                        + "WHERE h.status = 'Assignable' AND h.expiration_millis > :now"
                        + " AND h.seq > :after AND NOT EXISTS (SELECT 1 FROM assignment a"
                        + " WHERE a.hit_id = h.hit_id AND a.worker_id = :w"
                        + " AND a.status NOT IN ('Returned', 'Abandoned'))"
                        + " ORDER BY h.seq LIMIT :limit")
                .bind("now", now()).bind("w", workerId).bind("after", page.afterSeq())
                .bind("limit", page.maxResults())
                .map((rs, ctx) -> hitFrom(rs)).list(), page, HIT::seq));
    }

    /**
     * A worker accepts a HIT: a new Accepted assignment with Deadline = now + duration.
     *
     * @throws MarketException HIT_DOES_NOT_EXIST, INVALID_HIT_STATE (expired, disposed, no slot
     *     left, or the worker already holds one of its assignments)
     */
    public Assignment acceptHIT(String workerId, String hitId) {
        return store.write(h -> {
            long now = now();
            reconcileIfExists(h, hitId, now);
            HIT hit = h.createQuery("SELECT " + HIT_COLUMNS + HIT_FROM + "WHERE h.hit_id = ?")
                    .bind(0, hitId).map((rs, ctx) -> hitFrom(rs)).findOne()
                    .orElseThrow(() -> MarketException.hitDoesNotExist(hitId));
            if (hit.status() != HITStatus.Assignable || hit.assignmentsAvailable() < 1) {
                throw invalidHITState(hit.status(), HITStatus.Assignable.name());
            }
            boolean holdsOne = h.createQuery("""
                    SELECT 1 FROM assignment WHERE hit_id = ? AND worker_id = ?
                      AND status NOT IN ('Returned', 'Abandoned')""")
                    .bind(0, hitId).bind(1, workerId).mapTo(Integer.class).findOne().isPresent();
            if (holdsOne) {
                throw MarketException.of(Kind.INVALID_HIT_STATE,
                        "You have already accepted an assignment of HIT " + hitId + ".");
            }
            String assignmentId = Ids.entityId();
            h.createUpdate("""
                    INSERT INTO assignment (assignment_id, hit_id, worker_id, status,
                      accept_millis, deadline_millis) VALUES (?, ?, ?, 'Accepted', ?, ?)""")
                    .bind(0, assignmentId).bind(1, hitId).bind(2, workerId).bind(3, now)
                    .bind(4, Math.addExact(now, hit.assignmentDurationSeconds() * 1000))
                    .execute();
            reconcile(h, hitId, now);
            return assignment(h, assignmentId).orElseThrow();
        });
    }

    /**
     * A worker returns an accepted assignment; its slot goes back to the HIT.
     *
     * @throws MarketException ASSIGNMENT_DOES_NOT_EXIST, INVALID_ASSIGNMENT_STATE
     */
    public void returnAssignment(String workerId, String assignmentId) {
        store.write(h -> {
            Assignment assignment = workerAssignment(h, workerId, assignmentId);
            requireAccepted(assignment);
            h.createUpdate("UPDATE assignment SET status = 'Returned' WHERE assignment_id = ?")
                    .bind(0, assignmentId).execute();
            reconcile(h, assignment.hitId(), now());
            return null;
        });
    }

    /**
     * A worker submits answers (QuestionFormAnswers XML) before the deadline. With an
     * auto-approval delay of 0 the assignment is approved at once.
     *
     * @param workerId the authenticated worker, or null for MTurk's externalSubmit form post,
     *     where the assignment id itself is the credential
     * @throws MarketException ASSIGNMENT_DOES_NOT_EXIST, INVALID_ASSIGNMENT_STATE (not accepted,
     *     or past its deadline)
     */
    public Assignment submitAssignment(String workerId, String assignmentId, String answerXml) {
        return store.write(h -> {
            Assignment assignment = workerId == null
                    ? assignment(h, assignmentId).orElseThrow(
                            () -> MarketException.assignmentDoesNotExist(assignmentId))
                    : workerAssignment(h, workerId, assignmentId);
            requireAccepted(assignment);
            long now = now();
            if (now >= assignment.deadlineMillis()) {
                throw MarketException.of(Kind.INVALID_ASSIGNMENT_STATE, "Assignment "
                        + assignmentId + " passed its deadline and can no longer be submitted.");
            }
            long delaySeconds = h.createQuery("""
                    SELECT t.auto_approval_delay_seconds FROM hit h
                    JOIN hit_type t ON t.hit_type_id = h.hit_type_id WHERE h.hit_id = ?""")
                    .bind(0, assignment.hitId()).mapTo(Long.class).one();
            h.createUpdate("""
                    UPDATE assignment SET status = 'Submitted', submit_millis = ?,
                      auto_approval_millis = ?, answer = ? WHERE assignment_id = ?""")
                    .bind(0, now).bind(1, now + delaySeconds * 1000).bind(2, answerXml)
                    .bind(3, assignmentId).execute();
            Assignment submitted = assignment(h, assignmentId).orElseThrow();
            if (delaySeconds == 0) {
                approve(h, submitted, null, now);
            } else {
                reconcile(h, assignment.hitId(), now);
            }
            return assignment(h, assignmentId).orElseThrow();
        });
    }

    /** The worker's own assignments, newest first, at most {@code limit}. */
    public List<Assignment> workerAssignments(String workerId, int limit) {
        return store.read(h -> h.createQuery("SELECT " + ASSIGNMENT_COLUMNS
                        + " FROM assignment a WHERE a.worker_id = ? ORDER BY a.seq DESC LIMIT ?")
                .bind(0, workerId).bind(1, limit).map((rs, ctx) -> assignmentFrom(rs)).list());
    }

    /** What a worker earned: the earnings balance and its latest rewards and bonuses. */
    public Earnings earnings(String workerId, int limit) {
        return store.read(h -> new Earnings(Ledger.balanceCents(h, Accounts.earnings(workerId)),
                h.createQuery("""
                        SELECT t.kind, t.hit_id, t.assignment_id, t.amount_cents, b.reason,
                          t.created_millis
                        FROM transfer t LEFT JOIN bonus_payment b ON b.bonus_id = t.bonus_id
                        WHERE t.credit_account_id = ? ORDER BY t.transfer_id DESC LIMIT ?""")
                        .bind(0, Accounts.earnings(workerId)).bind(1, limit)
                        .map((rs, ctx) -> new Earning(rs.getString(1), rs.getString(2),
                                rs.getString(3), rs.getLong(4), rs.getString(5), rs.getLong(6)))
                        .list()));
    }

    // ---------------------------------------------------------------- time

    /**
     * Applies what time has made due, in bounded batches: Accepted assignments past their
     * deadline are abandoned, Submitted ones past their auto-approval time are approved, expired
     * HITs release the hold of their unclaimed slots, and expired tokens are forgotten.
     */
    public SweepResult sweep() {
        long due = now();
        int abandoned = applyDue("""
                SELECT assignment_id FROM assignment WHERE status = 'Accepted'
                  AND deadline_millis <= ? ORDER BY deadline_millis LIMIT ?""", due,
                AssignmentStatus.Accepted, (h, a, now) -> {
                    h.createUpdate("UPDATE assignment SET status = 'Abandoned'"
                            + " WHERE assignment_id = ?").bind(0, a.assignmentId()).execute();
                    reconcile(h, a.hitId(), now);
                });
        int approved = applyDue("""
                SELECT assignment_id FROM assignment WHERE status = 'Submitted'
                  AND auto_approval_millis <= ? ORDER BY auto_approval_millis LIMIT ?""", due,
                AssignmentStatus.Submitted, (h, a, now) -> approve(h, a, null, now));
        int expired = 0;
        for (String id : due("""
                SELECT hit_id FROM hit WHERE assignments_available > 0 AND expiration_millis <= ?
                ORDER BY expiration_millis LIMIT ?""", due)) {
            expired += sweepOne(h -> {
                reconcile(h, id, now());
                return 1;
            });
        }
        int forgotten = store.write(h -> h.createUpdate(
                        "DELETE FROM idempotency_token WHERE expires_millis <= ?")
                .bind(0, now()).execute());
        return new SweepResult(abandoned, approved, expired, forgotten);
    }

    /** One time-driven change of an assignment, given the time read inside its transaction. */
    @FunctionalInterface
    private interface DueChange {
        void apply(Handle h, Assignment assignment, long now);
    }

    /**
     * Applies {@code change}, one transaction each and with the time read in it, to the
     * assignments {@code sql} finds due that are still in {@code expected} status; returns how
     * many changed. A change the market refuses is logged and skipped, not retried at once.
     */
    private int applyDue(String sql, long due, AssignmentStatus expected, DueChange change) {
        int applied = 0;
        for (String id : due(sql, due)) {
            applied += sweepOne(h -> {
                Optional<Assignment> a = assignment(h, id);
                if (a.isEmpty() || a.get().status() != expected) {
                    return 0;
                }
                change.apply(h, a.get(), now());
                return 1;
            });
        }
        return applied;
    }

    /** One sweep transaction; a refusal skips this item so the others still run. */
    private int sweepOne(HandleCallback<Integer, RuntimeException> work) {
        try {
            return store.write(work);
        } catch (MarketException e) {
            LOG.warn("sweep skipped an item: {}", e.getMessage());
            return 0;
        }
    }

    private List<String> due(String sql, long now) {
        return store.read(h -> h.createQuery(sql).bind(0, now).bind(1, Limits.SWEEP_BATCH_MAX)
                .mapTo(String.class).list());
    }

    // ---------------------------------------------------------------- internals

    private long now() {
        return clock.millis();
    }

    private static Balance balance(Handle h, String requesterId) {
        return new Balance(Ledger.balanceCents(h, Accounts.available(requesterId)),
                Ledger.balanceCents(h, Accounts.onHold(requesterId)));
    }

    private static void post(Handle h, long now, List<Transfer> transfers) {
        try {
            Ledger.post(h, now, transfers);
        } catch (InsufficientFundsException e) {
            throw MarketException.insufficientFunds();
        }
    }

    private String hitTypeId(Handle h, String requesterId, HITTypeSpec spec) {
        String attributes = fingerprint(spec.title(), spec.description(), spec.keywords(),
                Long.toString(spec.rewardCents()), Long.toString(spec.assignmentDurationSeconds()),
                Long.toString(spec.autoApprovalDelaySeconds()),
                spec.qualificationRequirementsJson());
        Optional<String> existing = h.createQuery("""
                SELECT hit_type_id FROM hit_type
                WHERE requester_id = ? AND attributes_sha256 = ?""")
                .bind(0, requesterId).bind(1, attributes).mapTo(String.class).findOne();
        if (existing.isPresent()) {
            return existing.get();
        }
        String hitTypeId = Ids.entityId();
        h.createUpdate("""
                INSERT INTO hit_type (hit_type_id, requester_id, title, description, keywords,
                  reward_cents, assignment_duration_seconds, auto_approval_delay_seconds,
                  qualification_requirements, attributes_sha256, created_millis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .bind(0, hitTypeId).bind(1, requesterId).bind(2, spec.title())
                .bind(3, spec.description()).bind(4, spec.keywords()).bind(5, spec.rewardCents())
                .bind(6, spec.assignmentDurationSeconds()).bind(7, spec.autoApprovalDelaySeconds())
                .bind(8, spec.qualificationRequirementsJson()).bind(9, attributes).bind(10, now())
                .execute();
        return hitTypeId;
    }

    private HIT insertHIT(Handle h, String requesterId, String hitTypeId, HITSpec spec,
                          String requestId) {
        long now = now();
        String token = spec.uniqueRequestToken();
        if (token != null) {
            Optional<String> existing = liveToken(h, requesterId, OP_CREATE_HIT, token, now)
                    .map(TokenRow::resultId);
            if (existing.isPresent()) {
                throw MarketException.of(Kind.HIT_ALREADY_EXISTS, "The HIT with ID \""
                        + existing.get() + "\" already exists with the UniqueRequestToken \""
                        + token + "\".");
            }
        }
        long rewardCents = h.createQuery("SELECT reward_cents FROM hit_type WHERE hit_type_id = ?")
                .bind(0, hitTypeId).mapTo(Long.class).one();
        long rewardFeeCents = fees.rewardFeeCents(rewardCents, spec.maxAssignments());
        Rules.checkLiability(spec.maxAssignments(), rewardCents + rewardFeeCents);
        String hitId = Ids.entityId();
        h.createUpdate("""
                INSERT INTO hit (hit_id, hit_type_id, requester_id, question, requester_annotation,
                  max_assignments, reward_fee_cents, created_millis, expiration_millis, status,
                  assignments_pending, assignments_available, assignments_completed, slots_held)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Assignable', 0, 0, 0, 0)""")
                .bind(0, hitId).bind(1, hitTypeId).bind(2, requesterId).bind(3, spec.question())
                .bind(4, spec.requesterAnnotation()).bind(5, spec.maxAssignments())
                .bind(6, rewardFeeCents)
                .bind(7, now).bind(8, Math.addExact(now, spec.lifetimeSeconds() * 1000))
                .execute();
        reconcile(h, hitId, now);
        rememberToken(h, requesterId, OP_CREATE_HIT, token, "", requestId, hitId, now,
                limits.hitTokenRetention());
        return hit(h, requesterId, hitId);
    }

    /** The single place that sets a HIT's status and counters and moves its holds. */
    private void reconcile(Handle h, String hitId, long now) {
        HoldRow row = holdRow(h, hitId);
        int accepted = 0;
        int submitted = 0;
        int completed = 0;
        for (Map.Entry<String, Integer> count : h.createQuery(
                        "SELECT status, COUNT(*) FROM assignment WHERE hit_id = ? GROUP BY status")
                .bind(0, hitId)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2))).list()) {
            switch (AssignmentStatus.valueOf(count.getKey())) {
                case Accepted -> accepted = count.getValue();
                case Submitted -> submitted = count.getValue();
                case Approved, Rejected -> completed += count.getValue();
                case Returned, Abandoned -> { }
            }
        }
        boolean open = !row.disposed() && now < row.expirationMillis();
        int available = open ? Math.max(0, row.maxAssignments() - accepted - submitted - completed)
                : 0;
        int needed = accepted + submitted + available;
        Transfer.Refs refs = new Transfer.Refs(row.requesterId(), hitId, null, null);
        if (needed != row.slotsHeld()) {
            long amount = Math.multiplyExact((long) Math.abs(needed - row.slotsHeld()),
                    row.slotCents());
            if (needed > row.slotsHeld()) {
                post(h, now, List.of(new Transfer(Accounts.available(row.requesterId()),
                        Accounts.onHold(row.requesterId()), amount, TransferKind.HOLD, refs)));
            } else {
                post(h, now, List.of(new Transfer(Accounts.onHold(row.requesterId()),
                        Accounts.available(row.requesterId()), amount, TransferKind.RELEASE,
                        refs)));
            }
        }
        HITStatus status = row.disposed() ? HITStatus.Disposed
                : available > 0 ? HITStatus.Assignable
                : accepted > 0 ? HITStatus.Unassignable
                : HITStatus.Reviewable;
        h.createUpdate("""
                UPDATE hit SET status = ?, assignments_pending = ?, assignments_available = ?,
                  assignments_completed = ?, slots_held = ? WHERE hit_id = ?""")
                .bind(0, status.name()).bind(1, accepted).bind(2, available).bind(3, completed)
                .bind(4, needed).bind(5, hitId).execute();
    }

    private void reconcileIfExists(Handle h, String hitId, long now) {
        if (h.createQuery("SELECT 1 FROM hit WHERE hit_id = ?").bind(0, hitId)
                .mapTo(Integer.class).findOne().isPresent()) {
            reconcile(h, hitId, now);
        }
    }

    /** Pays one Submitted assignment's reward and fee out of its HIT's hold. */
    private void approve(Handle h, Assignment assignment, String feedback, long now) {
        HoldRow row = holdRow(h, assignment.hitId());
        h.createUpdate("UPDATE hit SET slots_held = slots_held - 1 WHERE hit_id = ?")
                .bind(0, assignment.hitId()).execute();
        payReward(h, row, assignment, Accounts.onHold(row.requesterId()), feedback, now);
        reconcile(h, assignment.hitId(), now);
    }

    /** Pays an overridden rejection's reward and fee out of available funds. */
    private void approveRejected(Handle h, Assignment assignment, String feedback, long now) {
        HoldRow row = holdRow(h, assignment.hitId());
        payReward(h, row, assignment, Accounts.available(row.requesterId()), feedback, now);
        reconcile(h, assignment.hitId(), now);
    }

    private static void payReward(Handle h, HoldRow reward, Assignment assignment,
                                  String fromAccountId, String feedback, long now) {
        Transfer.Refs refs = new Transfer.Refs(reward.requesterId(), assignment.hitId(),
                assignment.assignmentId(), null);
        List<Transfer> transfers = new ArrayList<>(2);
        transfers.add(new Transfer(fromAccountId, Accounts.earnings(assignment.workerId()),
                reward.rewardCents(), TransferKind.REWARD, refs));
        if (reward.rewardFeeCents() > 0) {
            transfers.add(new Transfer(fromAccountId, Accounts.FEES, reward.rewardFeeCents(),
                    TransferKind.REWARD_FEE, refs));
        }
        post(h, now, transfers);
        h.createUpdate("""
                UPDATE assignment SET status = 'Approved', approval_millis = ?,
                  requester_feedback = COALESCE(?, requester_feedback) WHERE assignment_id = ?""")
                .bind(0, now).bind(1, feedback).bind(2, assignment.assignmentId()).execute();
    }

    private static HoldRow holdRow(Handle h, String hitId) {
        return h.createQuery("""
                SELECT h.requester_id, h.max_assignments, h.expiration_millis, h.disposed,
                  h.slots_held, t.reward_cents, h.reward_fee_cents
                FROM hit h JOIN hit_type t ON t.hit_type_id = h.hit_type_id WHERE h.hit_id = ?""")
                .bind(0, hitId)
                .map((rs, ctx) -> new HoldRow(rs.getString(1), rs.getInt(2), rs.getLong(3),
                        rs.getInt(4) == 1, rs.getInt(5), rs.getLong(6), rs.getLong(7)))
                .one();
    }

    private static HIT hit(Handle h, String requesterId, String hitId) {
        return h.createQuery("SELECT " + HIT_COLUMNS + HIT_FROM
                        + "WHERE h.hit_id = ? AND h.requester_id = ?")
                .bind(0, hitId).bind(1, requesterId).map((rs, ctx) -> hitFrom(rs)).findOne()
                .orElseThrow(() -> MarketException.hitDoesNotExist(hitId));
    }

    private static Optional<Assignment> assignment(Handle h, String assignmentId) {
        return h.createQuery("SELECT " + ASSIGNMENT_COLUMNS
                        + " FROM assignment a WHERE a.assignment_id = ?")
                .bind(0, assignmentId).map((rs, ctx) -> assignmentFrom(rs)).findOne();
    }

    /**
     * An assignment of the requester's HITs in a status the requester API can see. Reads see the
     * assignments of deleted HITs too ({@code ofDeletedHITs}), as they see deleted HITs; changes
     * (approve, reject, bonus) do not.
     */
    private static Assignment visibleAssignment(Handle h, String requesterId, String assignmentId,
                                                boolean ofDeletedHITs) {
        return h.createQuery("SELECT " + ASSIGNMENT_COLUMNS + """
                         FROM assignment a JOIN hit h ON h.hit_id = a.hit_id
                        WHERE a.assignment_id = ? AND h.requester_id = ?
                          AND (h.disposed = 0 OR ?)
                          AND a.status IN ('Submitted', 'Approved', 'Rejected')""")
                .bind(0, assignmentId).bind(1, requesterId).bind(2, ofDeletedHITs)
                .map((rs, ctx) -> assignmentFrom(rs)).findOne()
                .orElseThrow(() -> MarketException.assignmentDoesNotExist(assignmentId));
    }

    private static Assignment workerAssignment(Handle h, String workerId, String assignmentId) {
        return assignment(h, assignmentId).filter(a -> a.workerId().equals(workerId))
                .orElseThrow(() -> MarketException.assignmentDoesNotExist(assignmentId));
    }

    private static MarketException notSubmitted() {
        return MarketException.of(Kind.INVALID_ASSIGNMENT_STATE,
                "This operation can be called with a status of: Submitted");
    }

    private static void requireAccepted(Assignment assignment) {
        if (assignment.status() != AssignmentStatus.Accepted) {
            throw MarketException.of(Kind.INVALID_ASSIGNMENT_STATE,
                    "This operation can be called with a status of: Accepted (assignment "
                            + assignment.assignmentId() + " is " + assignment.status() + ")");
        }
    }

    /** MTurk's wrong-state text (MTURK-NOTES §11), naming the states the operation allows. */
    private static MarketException invalidHITState(HITStatus status, String allowed) {
        return MarketException.of(Kind.INVALID_HIT_STATE, "This HIT is currently in the state '"
                + status + "'. This operation can be called with a status of: " + allowed);
    }

    private static Optional<TokenRow> liveToken(Handle h, String requesterId, String operation,
                                                String token, long now) {
        return h.createQuery("""
                SELECT request_sha256, request_id, result_id FROM idempotency_token
                WHERE requester_id = ? AND operation = ? AND token = ?
                  AND (expires_millis IS NULL OR expires_millis > ?)""")
                .bind(0, requesterId).bind(1, operation).bind(2, token).bind(3, now)
                .map((rs, ctx) -> new TokenRow(rs.getString(1), rs.getString(2),
                        rs.getString(3)))
                .findOne();
    }

    /** Refuses a token that already succeeded (MTURK-NOTES §4.2). */
    private static void checkToken(Handle h, String requesterId, String operation, String token,
                                   String fingerprint, long now) {
        if (token == null) {
            return;
        }
        Optional<TokenRow> used = liveToken(h, requesterId, operation, token, now);
        if (used.isEmpty()) {
            return;
        }
        String original = used.get().requestId();
        if (used.get().requestSha256().equals(fingerprint)) {
            throw MarketException.of(Kind.DUPLICATE_REQUEST, "The idempotency token \"" + token
                    + "\" has already been processed. Original request ID: " + original + ".");
        }
        throw MarketException.of(Kind.DUPLICATE_REQUEST, "The idempotency token \"" + token
                + "\" has already been used by request " + original
                + " with different parameters.");
    }

    private static void rememberToken(Handle h, String requesterId, String operation, String token,
                                      String fingerprint, String requestId, String resultId,
                                      long now, Duration retention) {
        if (token == null) {
            return;
        }
        h.createUpdate("DELETE FROM idempotency_token WHERE requester_id = ? AND operation = ?"
                        + " AND token = ?")
                .bind(0, requesterId).bind(1, operation).bind(2, token).execute();
        h.createUpdate("""
                INSERT INTO idempotency_token (requester_id, operation, token, request_sha256,
                  request_id, result_id, created_millis, expires_millis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .bind(0, requesterId).bind(1, operation).bind(2, token).bind(3, fingerprint)
                .bind(4, requestId).bind(5, resultId).bind(6, now)
                .bind(7, retention == null ? null : now + retention.toMillis())
                .execute();
    }

    private static <T> Page<T> page(List<T> items, PageRequest request,
                                    java.util.function.ToLongFunction<T> seq) {
        Long next = items.size() == request.maxResults() && !items.isEmpty()
                ? seq.applyAsLong(items.get(items.size() - 1)) : null;
        return new Page<>(items, next);
    }

    private static HIT hitFrom(ResultSet rs) throws SQLException {
        return new HIT(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                HITStatus.valueOf(rs.getString(9)), rs.getInt(10), rs.getLong(11), rs.getLong(12),
                rs.getLong(13), rs.getLong(14), rs.getString(15), rs.getString(16), rs.getInt(17),
                rs.getInt(18), rs.getInt(19));
    }

    private static Assignment assignmentFrom(ResultSet rs) throws SQLException {
        return new Assignment(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                AssignmentStatus.valueOf(rs.getString(5)), nullableLong(rs, 6), rs.getLong(7),
                nullableLong(rs, 8), nullableLong(rs, 9), nullableLong(rs, 10), rs.getLong(11),
                rs.getString(12), rs.getString(13));
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /**
     * The SHA-256 of {@code parts}, each length-prefixed and null kept apart from "null", so
     * that different parts never give the same fingerprint.
     */
    private static String fingerprint(String... parts) {
        StringBuilder encoded = new StringBuilder();
        for (String part : parts) {
            encoded.append(part == null ? "-;" : part.length() + ":" + part + ";");
        }
        return sha256(encoded.toString());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A HIT's terms and hold, as reconcile and approval need them. */
    private record HoldRow(String requesterId, int maxAssignments, long expirationMillis,
                           boolean disposed, int slotsHeld, long rewardCents,
                           long rewardFeeCents) {
        /** What one assignment slot holds: its reward and the reward's fee. */
        long slotCents() {
            return rewardCents + rewardFeeCents;
        }
    }


    private record TokenRow(String requestSha256, String requestId, String resultId) {
    }
}
