package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.streams.RedeliveryPolicy.Verdict;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RedeliveryPolicyTest {

    private final RedeliveryPolicy policy = new RedeliveryPolicy(1_000, 2.0, 10_000, 0.2, 5, 60_000);

    @Test
    void backoffDoublesPerAttemptUpToTheCap() {
        assertEquals(1_000, policy.backoffMs(1));
        assertEquals(2_000, policy.backoffMs(2));
        assertEquals(8_000, policy.backoffMs(4));
        assertEquals(10_000, policy.backoffMs(5));
        assertEquals(10_000, policy.backoffMs(60), "no overflow for large attempts");
    }

    @Test
    void jitterOnlyEverDelaysAndStaysWithinItsFraction() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long d = policy.deadline(2, 0, 100, random) - 100;
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min >= 2_000, "never early: " + min);
        assertTrue(max <= 2_400, "at most 20% late: " + max);
        assertTrue(max - min > 300, "jitter spreads deadlines: " + (max - min));
    }

    @Test
    void aDeadlineNeverPassesTheExpiry() {
        assertEquals(60_000, policy.deadline(5, 0, 59_000, new SplittableRandom(1)));
    }

    @Test
    void verdictsGivenAttemptAndAge() {
        assertEquals(Verdict.REEMIT, policy.onDeadline(1, 0, 1_000, false));
        assertEquals(Verdict.REEMIT, policy.onDeadline(4, 0, 30_000, false));
        assertEquals(Verdict.DEAD_LETTER_MAX_ATTEMPTS, policy.onDeadline(5, 0, 30_000, false));
        assertEquals(Verdict.DEAD_LETTER_EXPIRED, policy.onDeadline(2, 0, 60_000, false));
    }

    @Test
    void givenAnOutageWhenTheCountedAttemptsAreSpentThenTheMessageIsReEmittedUncountedNotDeadLettered() {
        assertEquals(Verdict.REEMIT_UNCOUNTED, policy.onDeadline(5, 0, 30_000, true));
        assertEquals(Verdict.REEMIT_UNCOUNTED, policy.onDeadline(1, 0, 1_000, true));
    }

    @Test
    void givenAnOutageWhenTheMessageIsPastItsTimeToLiveThenItExpiresAnyway() {
        assertEquals(Verdict.DEAD_LETTER_EXPIRED, policy.onDeadline(2, 0, 60_000, true));
    }

    @Test
    void expiryDoesNotOverflowForHugeTimeToLive() {
        RedeliveryPolicy forever = new RedeliveryPolicy(1_000, 2.0, 10_000, 0.0, 5, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, forever.expiresAt(System.currentTimeMillis()));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new RedeliveryPolicy(0, 2.0, 10, 0.1, 3, 10));
        assertThrows(IllegalArgumentException.class, () -> new RedeliveryPolicy(1, 0.5, 10, 0.1, 3, 10));
        assertThrows(IllegalArgumentException.class, () -> new RedeliveryPolicy(1, 2.0, 10, 1.5, 3, 10));
        assertThrows(IllegalArgumentException.class, () -> new RedeliveryPolicy(1, 2.0, 10, 0.1, 0, 10));
    }
}
