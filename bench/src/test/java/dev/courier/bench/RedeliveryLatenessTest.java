package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedeliveryLatenessTest {

    @Test
    void latenessIsFromThePreviousAttemptsDeadlineToTheReemit() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.deadline("m1/u1", 1, 10_000);
        lateness.reemitted("m1/u1", 2, 10_080);
        lateness.deadline("m1/u1", 2, 20_000);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(1, result.reemits());
        assertEquals(0, result.early());
        assertEquals(80.0, result.p99Ms());
    }

    @Test
    void aReemitBeforeItsDeadlineIsEarly() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.deadline("m1/u1", 1, 10_000);
        lateness.reemitted("m1/u1", 2, 9_990);

        assertEquals(1, lateness.result().early());
    }

    @Test
    void aReemitAfterTheAckWasWrittenIsSpurious() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.deadline("m1/u1", 1, 10_000);
        lateness.acked("m1/u1", 9_000);
        lateness.reemitted("m1/u1", 2, 10_050);
        lateness.deadline("m2/u1", 1, 10_000);
        lateness.reemitted("m2/u1", 2, 10_050);
        lateness.acked("m2/u1", 10_500);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(1, result.spurious());
        assertEquals(2, result.reemits());
    }

    @Test
    void aReemitWhoseDeadlineWasNotSeenIsUnmatchedNotGuessed() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.reemitted("m1/u1", 2, 10_050);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(1, result.unmatched());
        assertEquals(0, result.reemits());
        assertEquals(null, result.p99Ms());
    }

    @Test
    void aReemitStatusIsJudgedAgainstTheDeadlineItMissed() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        // attempt 1 RETRY'd, armed from the consumer's commit: deadline 10,000; re-emitted at 10,120
        lateness.reemitStatus("m1/u1", 2, 10_120, 10_000L);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(1, result.reemits());
        assertEquals(0, result.early());
        assertEquals(120.0, result.p99Ms());
        assertEquals(1, lateness.reemitsSeen());
    }

    @Test
    void aLaterReemitUsesItsOwnMissedDeadlineNotThePreviousStatusNextDeadline() {
        // The status of attempt 2 carried nextDeadline = the message's expiry (the re-emit was queued, its back-off
        // not known yet): a watcher that took it as attempt 2's deadline would call attempt 3 early by days.
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.reemitStatus("m1/u1", 2, 10_100, 10_000L);
        lateness.reemitStatus("m1/u1", 3, 25_050, 25_000L);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(2, result.reemits());
        assertEquals(0, result.early());
        assertEquals(100.0, result.maxMs());
    }

    @Test
    void aReemitStatusWithoutItsMissedDeadlineIsUnmatchedAndAFirstAttemptIsNoReemit() {
        RedeliveryLateness lateness = new RedeliveryLateness();
        lateness.reemitStatus("m1/u1", 2, 10_100, null);
        lateness.reemitStatus("m2/u1", 1, 10_100, 9_000L);

        RedeliveryLateness.Result result = lateness.result();

        assertEquals(1, result.unmatched());
        assertEquals(0, result.reemits());
        assertEquals(1, lateness.reemitsSeen());
    }
}
