package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

class PhaseProbeTest {

    private static PhaseProbe probe(Semaphore window) {
        long now = System.nanoTime();
        return new PhaseProbe(new LatencyStats(0), new RateSeries(now - 1_000_000_000L, 500, 10), window, 2);
    }

    @Test
    void aDeliveryCountsRecordsItsLatencyAndFreesAWindowSlot() {
        Semaphore window = new Semaphore(0);
        PhaseProbe probe = probe(window);

        probe.delivered(0, Payload.create(16, System.nanoTime() - 5_000_000L));

        assertEquals(1, probe.delivered.get());
        assertEquals(1, probe.latency.snapshot().count());
        assertTrue(probe.latency.snapshot().maxMs() >= 5, "latency from the scheduled time");
        assertEquals(1, window.availablePermits());
    }

    @Test
    void theFirstDeliveryAfterTheMarkIsKeptPerPartition() {
        PhaseProbe probe = probe(null);
        long mark = System.nanoTime();
        probe.mark(mark);

        probe.delivered(1, Payload.create(16, mark - 1));      // scheduled before the mark: not it
        assertEquals(0, probe.firstDeliveryAfterMark(1));
        probe.delivered(1, Payload.create(16, mark));
        long first = probe.firstDeliveryAfterMark(1);
        probe.delivered(1, Payload.create(16, mark + 1));

        assertTrue(first >= mark);
        assertEquals(first, probe.firstDeliveryAfterMark(1), "the first one stays");
        assertEquals(0, probe.firstDeliveryAfterMark(0));
    }

    @Test
    void theSlotReportsToWhicheverProbeIsCurrent() {
        PhaseProbe.Slot slot = new PhaseProbe.Slot();
        slot.delivered(0, Payload.create(16, System.nanoTime())); // no probe yet: dropped
        PhaseProbe probe = probe(null);
        slot.set(probe);

        slot.delivered(0, Payload.create(16, System.nanoTime()));

        assertEquals(1, probe.delivered.get());
    }
}
