package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RedrivePacerTest {

    private static final long MS = 1_000_000;

    @Test
    void sendsAreSpacedOnePerIntervalFromTheFirst() {
        RedrivePacer pacer = new RedrivePacer(10); // one per 100 ms
        assertEquals(0, pacer.nanosUntilNext(0));
        assertEquals(100 * MS, pacer.nanosUntilNext(0));
        assertEquals(170 * MS, pacer.nanosUntilNext(30 * MS), "the third is due at 200 ms");
    }

    @Test
    void aPauseIsNotMadeUpForWithABurst() {
        RedrivePacer pacer = new RedrivePacer(10);
        pacer.nanosUntilNext(0);
        assertEquals(0, pacer.nanosUntilNext(1_000 * MS), "late: goes at once");
        assertEquals(100 * MS, pacer.nanosUntilNext(1_000 * MS), "then one interval again, not a catch-up");
    }

    @Test
    void aRateMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new RedrivePacer(0));
        assertThrows(IllegalArgumentException.class, () -> new RedrivePacer(Double.NaN));
    }
}
