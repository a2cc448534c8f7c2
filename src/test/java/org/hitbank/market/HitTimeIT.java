package org.hitbank.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hitbank.testing.MTurkAssertions.assertBalance;
import static org.hitbank.testing.MTurkAssertions.assertParameterValidation;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.hitbank.testing.EndToEndTest;
import org.hitbank.testing.TestHitbank;
import org.hitbank.testing.TestHitbank.Requester;
import org.hitbank.testing.TestHitbank.Worker;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.mturk.MTurkClient;
import software.amazon.awssdk.services.mturk.model.Assignment;
import software.amazon.awssdk.services.mturk.model.AssignmentStatus;
import software.amazon.awssdk.services.mturk.model.HIT;
import software.amazon.awssdk.services.mturk.model.HITStatus;

/**
 * What time does to HITs and assignments (MTURK-NOTES §5.1, §6.1): expiry releases unclaimed
 * slots, an accepted assignment may still be submitted until its Deadline, abandoned
 * assignments give their slot back, and auto-approval pays. Time moves with the test clock.
 */
class HitTimeIT extends EndToEndTest {
    @Test
    void expiry_releasesUnclaimedSlots_butAcceptedWorkMayStillBeSubmitted() {
        Requester requester = hitbank.newRequester("10.00");
        MTurkClient mturk = requester.client();
        Worker worker = hitbank.newWorker();
        String hitId = mturk.createHIT(TestHitbank.hit("1.00", 3).lifetimeInSeconds(60L)
                .build()).hit().hitId();
        String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
        assertBalance(mturk, "6.40", "3.60");

        hitbank.clock.advance(Duration.ofSeconds(61));
        hitbank.sweep();
        HIT expired = mturk.getHIT(r -> r.hitId(hitId)).hit();
        assertThat(expired.hitStatus()).isEqualTo(HITStatus.UNASSIGNABLE);
        assertThat(expired.numberOfAssignmentsAvailable()).isZero();
        assertThat(expired.numberOfAssignmentsPending()).isEqualTo(1);
        // the accepted assignment keeps its hold until its deadline
        assertBalance(mturk, "8.80", "1.20");
        assertThat(hitbank.workerCall(hitbank.newWorker(), "POST",
                "/worker/api/hits/" + hitId + "/accept", null).status()).isEqualTo(409);

        hitbank.submit(worker, assignmentId, Map.of("a", "late but in time"));
        assertThat(mturk.getHIT(r -> r.hitId(hitId)).hit().hitStatus())
                .isEqualTo(HITStatus.REVIEWABLE);
        mturk.approveAssignment(r -> r.assignmentId(assignmentId));
        assertBalance(mturk, "8.80", "0.00");
    }

    @Test
    void abandonedAssignment_returnsItsSlot_andExpiredHITReleasesIt() {
        Requester requester = hitbank.newRequester("10.00");
        MTurkClient mturk = requester.client();
        Worker worker = hitbank.newWorker();
        String hitId = mturk.createHIT(TestHitbank.hit("1.00", 1).lifetimeInSeconds(3600L)
                .assignmentDurationInSeconds(60L).build()).hit().hitId();
        String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
        assertThat(mturk.getHIT(r -> r.hitId(hitId)).hit().hitStatus())
                .isEqualTo(HITStatus.UNASSIGNABLE);

        hitbank.clock.advance(Duration.ofSeconds(61));
        hitbank.sweep();
        assertThat(hitbank.workerCall(worker, "POST", "/worker/api/assignments/" + assignmentId
                + "/submit", "{\"Answers\":{\"a\":\"b\"}}").status()).isEqualTo(409);
        HIT reopened = mturk.getHIT(r -> r.hitId(hitId)).hit();
        assertThat(reopened.hitStatus()).isEqualTo(HITStatus.ASSIGNABLE);
        assertThat(reopened.numberOfAssignmentsAvailable()).isEqualTo(1);
        assertThat(reopened.numberOfAssignmentsPending()).isZero();
        assertBalance(mturk, "8.80", "1.20");

        hitbank.clock.advance(Duration.ofHours(1));
        hitbank.sweep();
        assertThat(mturk.getHIT(r -> r.hitId(hitId)).hit().hitStatus())
                .isEqualTo(HITStatus.REVIEWABLE);
        assertBalance(mturk, "10.00", "0.00");
        mturk.deleteHIT(r -> r.hitId(hitId));
    }

    @Test
    void autoApproval_paysAfterTheDelay() {
        Requester requester = hitbank.newRequester("10.00");
        MTurkClient mturk = requester.client();
        Worker worker = hitbank.newWorker();
        String hitId = mturk.createHIT(TestHitbank.hit("1.00", 1)
                .autoApprovalDelayInSeconds(3600L).build()).hit().hitId();
        String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
        hitbank.submit(worker, assignmentId, Map.of("a", "b"));
        Assignment submitted = mturk.getAssignment(r -> r.assignmentId(assignmentId))
                .assignment();
        assertThat(submitted.autoApprovalTime()).isEqualTo(submitted.submitTime()
                .plusSeconds(3600));

        hitbank.clock.advance(Duration.ofMinutes(59));
        hitbank.sweep();
        assertThat(mturk.getAssignment(r -> r.assignmentId(assignmentId)).assignment()
                .assignmentStatus()).isEqualTo(AssignmentStatus.SUBMITTED);
        hitbank.clock.advance(Duration.ofMinutes(2));
        hitbank.sweep();
        Assignment approved = mturk.getAssignment(r -> r.assignmentId(assignmentId))
                .assignment();
        assertThat(approved.assignmentStatus()).isEqualTo(AssignmentStatus.APPROVED);
        assertThat(approved.approvalTime()).isAfter(Instant.now().plus(Duration.ofMinutes(60)));
        assertBalance(mturk, "8.80", "0.00");
        assertThat(hitbank.workerCall(worker, "GET", "/worker/api/earnings", null).json()
                .get("EarningsBalance").asText()).isEqualTo("1.00");
    }

    @Test
    void autoApprovalDelayZero_approvesOnSubmit() {
        Requester requester = hitbank.newRequester("10.00");
        Worker worker = hitbank.newWorker();
        String hitId = requester.client().createHIT(TestHitbank.hit("2.00", 1)
                .autoApprovalDelayInSeconds(0L).build()).hit().hitId();
        String assignmentId = hitbank.accept(worker, hitId).get("AssignmentId").asText();
        assertThat(hitbank.submit(worker, assignmentId, Map.of("a", "b"))
                .get("AssignmentStatus").asText()).isEqualTo("Approved");
        assertBalance(requester.client(), "7.60", "0.00");
    }

    @Test
    void extendingAnExpiredHIT_holdsItsSlotsAgain() {
        Requester requester = hitbank.newRequester("5.00");
        MTurkClient mturk = requester.client();
        String hitId = mturk.createHIT(TestHitbank.hit("1.00", 2).build()).hit().hitId();
        mturk.updateExpirationForHIT(r -> r.hitId(hitId).expireAt(Instant.EPOCH));
        assertBalance(mturk, "5.00", "0.00");
        assertThat(mturk.getHIT(r -> r.hitId(hitId)).hit().hitStatus())
                .isEqualTo(HITStatus.REVIEWABLE);
        Instant later = Instant.ofEpochMilli(hitbank.clock.millis()).plus(Duration.ofHours(2));
        mturk.updateExpirationForHIT(r -> r.hitId(hitId).expireAt(later));
        HIT extended = mturk.getHIT(r -> r.hitId(hitId)).hit();
        assertThat(extended.hitStatus()).isEqualTo(HITStatus.ASSIGNABLE);
        assertThat(extended.expiration()).isEqualTo(later);
        assertBalance(mturk, "2.60", "2.40");
        assertParameterValidation(() -> mturk.updateExpirationForHIT(
                r -> r.hitId(hitId).expireAt(later.plusSeconds(10))),
                "ExpirationIncrementInSeconds");
        assertParameterValidation(() -> mturk.updateExpirationForHIT(
                r -> r.hitId(hitId).expireAt(later.minus(Duration.ofMinutes(30)))),
                "ExpirationIncrementInSeconds");
    }
}
