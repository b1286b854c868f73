package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SimulatedDevicesTest {

    private static Delivery delivery(int i) {
        return new Delivery("m" + i, "r" + (i % 7), "c", "s", OptionalLong.empty(), new byte[] {1}, "text/plain",
                Map.of(), 1, Instant.EPOCH, "courier.send", 0, i, false);
    }

    private static List<DeliveryOutcome> run(long seed, AtomicLong clock, List<Delivery> seen) throws Exception {
        SimulatedDevices devices = SimulatedDevices.builder()
                .seed(seed).dropRate(0.2).offlineRate(0.05).offlinePeriod(Duration.ofMillis(50))
                .latency(Duration.ofMillis(1), Duration.ofMillis(2)).sleeper(d -> { }).clock(clock::get)
                .onDelivered(seen::add).build();
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            clock.addAndGet(1);
            outcomes.add(devices.deliver(delivery(i)));
        }
        return outcomes;
    }

    @Test
    void theSameSeedGivesTheSameOutcomes() throws Exception {
        List<Delivery> seenA = new ArrayList<>();
        List<Delivery> seenB = new ArrayList<>();

        List<DeliveryOutcome> a = run(7, new AtomicLong(), seenA);
        List<DeliveryOutcome> b = run(7, new AtomicLong(), seenB);

        assertEquals(a, b);
        assertEquals(seenA, seenB);
        assertNotEquals(a, run(8, new AtomicLong(), new ArrayList<>()), "another seed differs");
    }

    @Test
    void ratesShowInTheOutcomesAndTheListenerSeesEveryDelivery() throws Exception {
        List<Delivery> seen = new ArrayList<>();
        List<DeliveryOutcome> outcomes = run(1, new AtomicLong(), seen);

        long deliveredCount = outcomes.stream().filter(o -> o == DeliveryOutcome.DELIVERED).count();
        long retries = outcomes.stream().filter(o -> o == DeliveryOutcome.RETRY).count();
        assertEquals(outcomes.size(), deliveredCount + retries);
        assertEquals(deliveredCount, seen.size());
        assertTrue(retries > 400 && retries < 1_200, "about 20% drops plus offline periods, got " + retries);
    }

    @Test
    void anOfflineRecipientGetsRetryUntilThePeriodEnds() throws Exception {
        AtomicLong clock = new AtomicLong(1_000);
        SimulatedDevices devices = SimulatedDevices.builder().offlineRate(1.0).offlinePeriod(Duration.ofMillis(100))
                .latency(Duration.ZERO, Duration.ZERO).clock(clock::get).build();

        assertEquals(DeliveryOutcome.RETRY, devices.deliver(delivery(0)));
        assertTrue(devices.isOffline("r0"));
        clock.set(1_099);
        assertTrue(devices.isOffline("r0"));
        clock.set(1_100);
        assertTrue(!devices.isOffline("r0"));
    }

    @Test
    void withNoFaultsEverythingIsDeliveredAfterTheLatency() throws Exception {
        List<Duration> slept = new ArrayList<>();
        SimulatedDevices devices = SimulatedDevices.builder().sleeper(slept::add).build();

        assertEquals(DeliveryOutcome.DELIVERED, devices.deliver(delivery(1)));
        assertEquals(List.of(Duration.ofMillis(1)), slept);
    }

    @Test
    void aSlowRecipientsDeliveriesTakeTheSlowLatencyAndTheOthersTheirOwn() throws Exception {
        List<Duration> slept = new ArrayList<>();
        List<Delivery> seen = new ArrayList<>();
        SimulatedDevices devices = SimulatedDevices.builder().latency(Duration.ofMillis(2), Duration.ZERO)
                .slowRecipients(java.util.regex.Pattern.compile("r[13]"), Duration.ofSeconds(45))
                .sleeper(slept::add).onDelivered(seen::add).build();

        for (int i = 0; i < 4; i++) {
            assertEquals(DeliveryOutcome.DELIVERED, devices.deliver(delivery(i)));
        }

        assertEquals(List.of(Duration.ofMillis(2), Duration.ofSeconds(45), Duration.ofMillis(2), Duration.ofSeconds(45)),
                slept, "r1 and r3 match the whole pattern, r0 and r2 do not");
        assertEquals(4, seen.size(), "a slow delivery is still delivered, once it is done");
    }

    @Test
    void refusesRatesOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> SimulatedDevices.builder().dropRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> SimulatedDevices.builder().offlineRate(-0.1));
    }
}
