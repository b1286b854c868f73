package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.harness.Pipeline;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** A phase driven against a pipeline in memory: what the bench's figures rest on, without Kafka. */
class PhaseRunnerTest {

    /** Hands every message over at once, except those {@code lose} picks. */
    private static final class InstantPipeline implements Pipeline {
        private final PhaseProbe.Slot slot;
        private final Predicate<String> lose;

        InstantPipeline(PhaseProbe.Slot slot, Predicate<String> lose) {
            this.slot = slot;
            this.lose = lose;
        }

        @Override
        public String name() {
            return "instant";
        }

        @Override
        public void start() {
        }

        @Override
        public void send(String key, byte[] payload, Runnable onFailure) {
            if (!lose.test(key)) {
                slot.delivered(0, payload);
            }
        }

        @Override
        public void close() {
        }
    }

    private final PhaseProbe.Slot slot = new PhaseProbe.Slot();
    private final PhaseRunner runner = new PhaseRunner(slot, 16, 1, Duration.ofMillis(200), Duration.ofMillis(300));

    @Test
    void aFixedRatePhaseDeliversAtItsRateWithNoLagAndLowLatency() throws Exception {
        PhaseResult r = runner.fixedRate(new InstantPipeline(slot, k -> false), "instant @200", 200, Duration.ofSeconds(1));

        assertEquals(200, r.deliveredPerSecond(), 40, "delivered rate over the measured window");
        assertEquals(200, r.sent(), 10);
        assertEquals(0, r.undelivered());
        assertEquals(r.sent(), r.delivered());
        assertFalse(r.lagGrowing());
        assertTrue(r.latency().p99Ms() < 100, "p99 " + r.latency().p99Ms());
        assertTrue(r.latency().count() < r.sent(), "the warm-up's messages are left out of the latency");
    }

    @Test
    void whatIsNeverDeliveredIsCountedUndeliveredAfterTheDrain() throws Exception {
        PhaseResult r = runner.fixedRate(new InstantPipeline(slot, k -> k.equals("user-0")), "lossy", 100,
                Duration.ofMillis(500));

        assertEquals(1, r.undelivered(), "one message to user-0 in 50");
        assertEquals(r.sent() - 1, r.delivered());
    }

    @Test
    void aMaxRatePhaseIsBoundedByItsWindowAndNeverLags() throws Exception {
        PhaseResult r = runner.maxRate(new InstantPipeline(slot, k -> false), Duration.ofMillis(600), 10);

        assertEquals("instant max", r.label());
        assertEquals(0, r.targetPerSecond());
        assertTrue(r.deliveredPerSecond() > 100, "rate " + r.deliveredPerSecond());
        assertEquals(0, r.undelivered());
        assertFalse(r.lagGrowing());
    }
}
