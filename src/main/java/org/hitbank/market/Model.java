package org.hitbank.market;

import java.util.List;

/** The market's value types, as the front ends read them. Times are epoch milliseconds. */
public final class Model {
    private Model() {
    }

    /** MTurk's HITStatus. */
    public enum HITStatus { Assignable, Unassignable, Reviewable, Reviewing, Disposed }

    /**
     * An assignment's status. Only Submitted, Approved and Rejected exist for the requester API
     * (MTURK-NOTES §5.1); the others are the worker side's.
     */
    public enum AssignmentStatus { Accepted, Returned, Abandoned, Submitted, Approved, Rejected }

    /** The attributes that make a HIT type; HIT types with equal attributes are one. */
    public record HITTypeSpec(String title, String description, String keywords, long rewardCents,
                              long assignmentDurationSeconds, long autoApprovalDelaySeconds,
                              String qualificationRequirementsJson) {
    }

    /** The per-HIT attributes of CreateHIT / CreateHITWithHITType. */
    public record HITSpec(int maxAssignments, long lifetimeSeconds, String question,
                          String requesterAnnotation, String uniqueRequestToken) {
    }

    /** A HIT as MTurk's HIT structure shows it. */
    public record HIT(long seq, String hitId, String hitTypeId, long creationMillis, String title,
                      String description, String question, String keywords, HITStatus status,
                      int maxAssignments, long rewardCents, long autoApprovalDelaySeconds,
                      long expirationMillis, long assignmentDurationSeconds,
                      String requesterAnnotation, String qualificationRequirementsJson,
                      int assignmentsPending, int assignmentsAvailable,
                      int assignmentsCompleted) {
    }

    /** An assignment; the nullable times are null until they happen. */
    public record Assignment(long seq, String assignmentId, String workerId, String hitId,
                             AssignmentStatus status, Long autoApprovalMillis, long acceptMillis,
                             Long submitMillis, Long approvalMillis, Long rejectionMillis,
                             long deadlineMillis, String answer, String requesterFeedback) {
    }

    /** GetAssignment's answer: the assignment and its HIT. */
    public record AssignmentWithHIT(Assignment assignment, HIT hit) {
    }

    /** A bonus paid. */
    public record BonusPayment(long seq, String workerId, long bonusCents, String assignmentId,
                               String hitId, String reason, long grantMillis) {
    }

    /** The SendBonus parameters. */
    public record BonusRequest(String workerId, String assignmentId, long bonusCents, String reason,
                               String uniqueRequestToken) {
    }

    /** A requester's balances, in cents. */
    public record Balance(long availableCents, long onHoldCents) {
    }

    /** Which page: at most {@code maxResults} rows after row {@code afterSeq} (0: first). */
    public record PageRequest(int maxResults, long afterSeq) {
    }

    /** One page; {@code nextAfterSeq} is null when no row may follow. */
    public record Page<T>(List<T> items, Long nextAfterSeq) {
    }

    /** A new requester's credentials; the secret is shown once. */
    public record RequesterCredentials(String requesterId, String accessKeyId,
                                       String secretAccessKey) {
    }

    /** A new worker's credentials; the secret is shown once. */
    public record WorkerCredentials(String workerId, String secret) {
    }

    /** What a worker earned: balance, and every reward and bonus with its reason. */
    public record Earnings(long earningsCents, List<Earning> items) {
    }

    /** One reward or bonus paid to a worker. {@code reason} is null for rewards. */
    public record Earning(String kind, String hitId, String assignmentId, long amountCents,
                          String reason, long paidMillis) {
    }

    /** What one sweep did. */
    public record SweepResult(int abandoned, int autoApproved, int hitsExpired,
                              int tokensForgotten) {
    }
}
