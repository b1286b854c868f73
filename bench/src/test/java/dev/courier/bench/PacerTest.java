package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PacerTest {

    @Test
    void schedulesMessagesEvenlyFromTheStartWhateverHappensDownstream() {
        Pacer pacer = new Pacer(1_000_000_000L, 1000);
        assertEquals(1_000_000_000L, pacer.scheduledNanos(0));
        assertEquals(1_001_000_000L, pacer.scheduledNanos(1));
        assertEquals(2_000_000_000L, pacer.scheduledNanos(1000));
    }

    @Test
    void countsTheMessagesDueByATime() {
        Pacer pacer = new Pacer(0, 100);
        assertEquals(1, pacer.dueBy(0));
        assertEquals(11, pacer.dueBy(100_000_000L));
    }

    @Test
    void refusesANonPositiveRate() {
        assertThrows(IllegalArgumentException.class, () -> new Pacer(0, 0));
    }
}
