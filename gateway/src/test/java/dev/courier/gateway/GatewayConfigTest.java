package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.producer.CourierProducerConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    private static final Map<String, Object> REQUIRED = Map.of(
            CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k1:9092",
            CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://test");

    @Test
    void theDefaultsAreDocumented() {
        GatewayConfig config = new GatewayConfig(REQUIRED);
        assertEquals(8080, config.port());
        assertEquals(Duration.ofSeconds(10), config.kafkaTimeout());
        assertEquals(Duration.ofSeconds(60), config.takeoverAfter());
        assertEquals(256 * 1024, config.maxPayloadBytes());
        assertEquals("courier.idempotency", config.topics().idempotency());
    }

    @Test
    void clientSettingsReachEveryClientAndTheProducerNeverBlocksPastTheTimeout() {
        Map<String, Object> props = new java.util.HashMap<>(REQUIRED);
        props.put("client.security.protocol", "SSL");
        props.put(GatewayConfig.KAFKA_TIMEOUT_MS_CONFIG, 3000L);
        props.put(CourierProducerConfig.MAX_PAYLOAD_BYTES_CONFIG, 1000);
        GatewayConfig config = new GatewayConfig(props);
        assertEquals(Map.of("bootstrap.servers", "k1:9092", "security.protocol", "SSL"), config.clientProps());
        CourierProducerConfig producer = config.producerConfig();
        assertEquals("SSL", producer.kafkaProducerProps().get("security.protocol"));
        assertEquals(3000L, producer.kafkaProducerProps().get("max.block.ms"));
        assertEquals(1000, producer.maxPayloadBytes());
        assertTrue(producer.ignoredProducerOverrides().isEmpty(), producer.ignoredProducerOverrides().toString());
    }

    @Test
    void badValuesAreRefused() {
        Map<String, Object> props = new java.util.HashMap<>(REQUIRED);
        props.put(GatewayConfig.PORT_CONFIG, 70000);
        assertThrows(ConfigException.class, () -> new GatewayConfig(props));
        assertThrows(ConfigException.class, () -> new GatewayConfig(Map.of()));
    }
}
