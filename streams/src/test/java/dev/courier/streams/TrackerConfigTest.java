package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class TrackerConfigTest {

    @Test
    void outageSilenceDefaultsToTwiceTheAckTimeout() {
        assertEquals(4_000, config(Map.of()).outageSilenceMs());
        assertEquals(6_000, config(Map.of(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, 3_000L)).outageSilenceMs());
        assertEquals(45_000, config(Map.of(TrackerConfig.OUTAGE_SILENCE_MS_CONFIG, 45_000L)).outageSilenceMs());
    }

    @Test
    void theDefaultBudgetIsAThousandPerSecondWithTwoPunctuationsOfBurst() {
        ReemitBudget budget = config(Map.of()).reemitBudget(0);
        assertEquals(200, budget.burst(), 1e-9);
        int burst = 0;
        while (budget.tryTake(0)) {
            burst++;
        }
        assertEquals(200, burst);
        assertTrue(budget.tryTake(1), "one per ms at 1000/s");
        assertFalse(budget.tryTake(1));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(ConfigException.class, () -> config(Map.of(TrackerConfig.REDELIVERY_MAX_PER_SECOND_CONFIG, 0.0)));
        assertThrows(ConfigException.class, () -> config(Map.of(TrackerConfig.OUTAGE_SILENCE_MS_CONFIG, 0L)));
        assertThrows(ConfigException.class, () -> config(Map.of(TrackerConfig.OUTAGE_MIN_DELIVERIES_CONFIG, 0)));
    }

    private static TrackerConfig config(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(Map.of(
                TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://unused"));
        props.putAll(overrides);
        return new TrackerConfig(props);
    }
}
