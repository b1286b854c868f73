package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PendingMemoryTest {

    @Test
    void theSlopeOfHeapPlusRocksDbIsTakenFromTheFirstStepOn() {
        PendingMemory memory = new PendingMemory();
        memory.add(0, 100_000_000, 0); // baseline: caches not filled yet, left out
        memory.add(30_000, 150_000_000, 10_000_000);
        memory.add(60_000, 160_000_000, 18_000_000);
        memory.add(90_000, 170_000_000, 26_000_000);

        // (10 MB + 8 MB) per 30,000 pending deliveries
        assertEquals(600, memory.bytesPerPending(), 1e-6);
        assertArrayEquals(new long[] {30_000, 90_000}, memory.range());
    }

    @Test
    void tooFewStepsGiveNoFigure() {
        PendingMemory memory = new PendingMemory();
        memory.add(0, 100, 0);
        memory.add(10, 200, 0);

        assertEquals(0, memory.bytesPerPending());
    }
}
