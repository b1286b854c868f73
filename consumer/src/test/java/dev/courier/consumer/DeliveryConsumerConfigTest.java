package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.EventChecks;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class DeliveryConsumerConfigTest {

    private static DeliveryConsumerConfig.Builder base() {
        return DeliveryConsumerConfig.builder().bootstrapServers("b:9092").schemaRegistryUrl("mem://x");
    }

    @Test
    void defaultsMatchTheProtocol() {
        DeliveryConsumerConfig c = base().build();

        assertEquals("courier-delivery", c.groupId());
        assertEquals(24L * 3600 * 1000, c.dedupeWindowMs());
        Map<String, Object> consumer = c.groupConsumerProps();
        assertEquals("read_committed", consumer.get("isolation.level"));
        assertEquals(false, consumer.get("enable.auto.commit"));
        assertEquals(10_000, consumer.get("session.timeout.ms"));
        assertEquals("earliest", consumer.get("auto.offset.reset"));
        Map<String, Object> producer = c.transactionalProducerProps();
        assertEquals("courier-delivery-" + c.consumerId(), producer.get("transactional.id"));
        assertEquals("all", producer.get("acks"));
        assertEquals(true, producer.get("enable.idempotence"));
        assertFalse(c.ledgerReaderProps().containsKey("group.id"));
        assertEquals("read_committed", c.ledgerReaderProps().get("isolation.level"));
    }

    @Test
    void theOrderHoldIsOnByDefaultAndBounded() {
        DeliveryConsumerConfig c = base().build();
        assertTrue(c.orderHoldEnabled(), "on by default");
        assertEquals(10L * 60 * 1000, c.orderHoldMaxMs());

        DeliveryConsumerConfig on = base().set("order.hold.enabled", "true").set("order.hold.max.ms", "5000").build();
        assertTrue(on.orderHoldEnabled());
        assertEquals(5_000, on.orderHoldMaxMs());
        assertThrows(ConfigException.class, () -> base().set("order.hold.max.ms", 0L).build());
    }

    @Test
    void theMessageTimeToLiveDefaultsToTheTrackersAndMustBePositive() {
        assertEquals(EventChecks.DEFAULT_MESSAGE_TTL_MS, base().build().messageTtlMs());
        assertEquals(60_000L, base().set("message.ttl.ms", "60000").build().messageTtlMs());
        assertThrows(ConfigException.class, () -> base().set("message.ttl.ms", 0L).build());
    }

    @Test
    void theDefaultConsumerIdIsUniquePerInstance() {
        DeliveryConsumerConfig a = base().build();
        DeliveryConsumerConfig b = base().build();

        assertNotEquals(a.consumerId(), b.consumerId());
        assertTrue(a.consumerId().contains("-" + ProcessHandle.current().pid() + "-"), a.consumerId());
    }

    @Test
    void passthroughCannotBreakTheProtocol() {
        DeliveryConsumerConfig c = base().consumerId("node-1")
                .set("consumer.isolation.level", "read_uncommitted").set("consumer.fetch.min.bytes", "1")
                .set("producer.transactional.id", "x").set("producer.compression.type", "lz4").build();

        assertEquals("read_committed", c.groupConsumerProps().get("isolation.level"));
        assertEquals("1", c.groupConsumerProps().get("fetch.min.bytes"));
        assertEquals("courier-delivery-node-1", c.transactionalProducerProps().get("transactional.id"));
        assertEquals("lz4", c.transactionalProducerProps().get("compression.type"));
    }

    @Test
    void refusesBadValues() {
        assertThrows(ConfigException.class, () -> DeliveryConsumerConfig.builder().schemaRegistryUrl("mem://x").build());
        assertThrows(ConfigException.class, () -> base().consumerId(" ").build());
        assertThrows(ConfigException.class, () -> base().maxPollRecords(0).build());
        assertThrows(ConfigException.class, () -> base().set("heartbeat.interval.ms", 5_000).build());
    }

    @Test
    void outcomesAndDeliveriesBehave() {
        assertThrows(IllegalArgumentException.class, () -> DeliveryOutcome.rejected(" "));
        assertEquals("spam", DeliveryOutcome.rejected("spam").reason());
        assertFalse(DeliveryOutcome.RETRY.acked());

        Delivery d = new Delivery("m", "r", "c", "s", OptionalLong.of(3), "secret".getBytes(), "text/plain", Map.of(),
                2, java.time.Instant.EPOCH, "courier.send", 4, 99, true);
        assertFalse(d.toString().contains("secret"));
        assertTrue(d.toString().contains("courier.send-4@99"));
        d.payload()[0] = 0;
        assertEquals('s', d.payload()[0]);
    }
}
