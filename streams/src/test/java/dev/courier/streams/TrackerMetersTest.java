package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

/** A task's Courier meters follow its current instance in this process. */
class TrackerMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrackerMeters meters = new TrackerMeters(registry);
    private final MockProcessorContext<String, Object> context = new MockProcessorContext<>();

    @Test
    void aTaskStartedAgainBeforeItsOldInstanceClosedKeepsItsMetersReadingTheNewInstance() {
        TrackerMetrics old = new TrackerMetrics(context.metrics(), "0_1", meters);
        old.pendingScanned(7, Long.MAX_VALUE, 1_000);
        TrackerMetrics fresh = new TrackerMetrics(context.metrics(), "0_1", meters);
        fresh.pendingScanned(2, 0, 3_000);
        old.close();

        assertEquals(2.0, registry.get(CourierMeters.PENDING.name()).tag(CourierMeters.TAG_TASK, "0_1").gauge().value());
        assertEquals(3.0, registry.get(CourierMeters.OLDEST_PENDING_AGE.name()).gauge().value(), "sent at 0, scanned at 3 s");
        fresh.close();
        assertTrue(registry.find(CourierMeters.PENDING.name()).meters().isEmpty(), "the task's last instance closed");
    }

    @Test
    void deadLettersAreCountedPerReasonForTheTask() {
        TrackerMetrics task = new TrackerMetrics(context.metrics(), "0_2", meters);
        task.deadLettered("MAX_ATTEMPTS");
        task.deadLettered("MAX_ATTEMPTS");
        task.deadLettered("EXPIRED");
        task.reemitted(false);

        assertEquals(2.0, registry.get(CourierMeters.DEAD_LETTERED.name()).tag(CourierMeters.TAG_REASON, "MAX_ATTEMPTS")
                .functionCounter().count());
        assertEquals(1.0, registry.get(CourierMeters.DEAD_LETTERED.name()).tag(CourierMeters.TAG_REASON, "EXPIRED")
                .functionCounter().count());
        assertEquals(1.0, registry.get(CourierMeters.REEMITTED.name()).functionCounter().count());
    }
}
