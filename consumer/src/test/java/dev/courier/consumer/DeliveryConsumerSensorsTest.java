package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The counters as Kafka metrics: what is registered, what a snapshot reads, what JMX shows. */
class DeliveryConsumerSensorsTest {

    @Test
    void aCommittedBatchsTallyIsCountedAndReadBackAsTheSnapshot() {
        try (DeliveryConsumerSensors sensors = new DeliveryConsumerSensors("sensors-test-1")) {
            DeliveryConsumerSensors.Tally tally = new DeliveryConsumerSensors.Tally();
            tally.delivered = 3;
            tally.duplicates = 2;
            tally.retries = 1;
            tally.held = 4;
            tally.released = 1;
            tally.lastDeliveryAtMs = 1_796_000_000_123L;
            sensors.committed(tally);
            sensors.committed(new DeliveryConsumerSensors.Tally());
            sensors.aborted();
            sensors.holdExpired();

            assertEquals(new DeliveryConsumerMetrics(3, 2, 1, 0, 0, 2, 1, 1_796_000_000_123L, 4, 1, 1, 0, 0, 0, 0, 0),
                    sensors.snapshot());
        }
    }

    @Test
    void committedCountsDeadLettersByReasonAndLatencyAreBoundToMicrometerUnderCourierNames() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (DeliveryConsumerSensors sensors = new DeliveryConsumerSensors("sensors-test-5", meters)) {
            DeliveryConsumerSensors.Tally tally = new DeliveryConsumerSensors.Tally();
            long now = System.currentTimeMillis();
            tally.delivered(now - 2_000, now);
            tally.delivered(now - 4_000, now);
            tally.deadLettered("UNDECODABLE");
            tally.deadLettered("UNDECODABLE");
            tally.deadLettered("INVALID_EVENT");
            tally.retries = 5;
            sensors.committed(tally);

            assertEquals(2.0, meters.get(CourierMeters.DELIVERED.name())
                    .tag(CourierMeters.TAG_CONSUMER, "sensors-test-5").functionCounter().count());
            assertEquals(5.0, meters.get(CourierMeters.CONSUMER_RETRIES.name()).functionCounter().count());
            assertEquals(2.0, meters.get(CourierMeters.DEAD_LETTERED.name())
                    .tag(CourierMeters.TAG_REASON, "UNDECODABLE").functionCounter().count());
            assertEquals(1.0, meters.get(CourierMeters.DEAD_LETTERED.name())
                    .tag(CourierMeters.TAG_REASON, "INVALID_EVENT").functionCounter().count());
            assertEquals(3, sensors.snapshot().deadLettered(), "the per-reason sensors add up in dead-lettered");
            Timer latency = meters.get(CourierMeters.DELIVERY_LATENCY.name()).timer();
            assertEquals(2, latency.count());
            assertTrue(latency.max(TimeUnit.MILLISECONDS) >= 4_000, "from sentAt to the commit");
        }
        assertTrue(meters.find(CourierMeters.DELIVERED.name()).meters().isEmpty(), "closing removes the meters");
    }

    @Test
    void evictionsAndReadBacksAreCountedWithTheirRecordsAndDurations() throws Exception {
        try (DeliveryConsumerSensors sensors = new DeliveryConsumerSensors("sensors-test-4")) {
            sensors.evicted(7);
            sensors.readBack(1_000, 400);
            sensors.readBack(3_000, 1_200);

            DeliveryConsumerMetrics m = sensors.snapshot();
            assertEquals(7, m.dedupeEvictions());
            assertEquals(2, m.dedupeRebuilds());
            assertEquals(4_000, m.dedupeRebuildRecords());
            assertEquals(1_600, m.dedupeRebuildMsTotal());
            assertEquals(1_200, m.dedupeRebuildMsMax());
            ObjectName name = new ObjectName("courier:type=courier-delivery-consumer,consumer-id=sensors-test-4");
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            assertEquals(7.0, jmx.getAttribute(name, "dedupe-evictions-total"));
            assertEquals(800.0, jmx.getAttribute(name, "dedupe-rebuild-time-ms-avg"));
        }
    }

    @Test
    void eachCountHasATotalAndARateInTheConsumersGroupTaggedWithItsId() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("courier:type=courier-delivery-consumer,consumer-id=sensors-test-2");
        try (DeliveryConsumerSensors sensors = new DeliveryConsumerSensors("sensors-test-2")) {
            assertEquals("courier-delivery-consumer", sensors.metricName("delivered-total").group());
            assertEquals("sensors-test-2", sensors.metricName("delivered-total").tags().get("consumer-id"));
            sensors.aborted();

            assertTrue(jmx.isRegistered(name));
            assertEquals(1.0, jmx.getAttribute(name, "aborted-batches-total"));
            for (String count : new String[] {"delivered", "duplicates-suppressed", "retries", "rejected",
                    "dead-lettered", "batches", "aborted-batches", "held", "released", "holds-expired", "dedupe-evictions", "dedupe-rebuilds", "dedupe-rebuild-records"}) {
                assertNotNull(jmx.getAttribute(name, count + "-total"), count);
                assertNotNull(jmx.getAttribute(name, count + "-rate"), count);
            }
            assertEquals(0.0, jmx.getAttribute(name, "last-delivery-at-ms"));
        }
        assertFalse(jmx.isRegistered(name), "closing unregisters the MBean");
    }

    @Test
    void theSnapshotStillReadsTheFinalCountsAfterClose() {
        DeliveryConsumerSensors sensors = new DeliveryConsumerSensors("sensors-test-3");
        sensors.aborted();
        sensors.close();
        assertEquals(1, sensors.snapshot().abortedBatches());
    }
}
