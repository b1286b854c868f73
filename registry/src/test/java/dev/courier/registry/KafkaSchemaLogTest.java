package dev.courier.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.registry.CommandCodec.Proposal;
import dev.courier.registry.RegistryCommand.Register;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The follower thread and the startup replay, on a {@link MockConsumer} fed one record per poll. */
class KafkaSchemaLogTest {

    private static final String TOPIC = "_schemas";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final Duration STALL_TIMEOUT = Duration.ofMillis(500);

    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final KafkaSchemaLog log = new KafkaSchemaLog(
            new KafkaSchemaLog.Settings("mock:9092", TOPIC, 0, 0, Map.of()), new MockProducer<>(), consumer);
    private final List<Long> delivered = new ArrayList<>();

    @AfterEach
    void close() {
        log.close();
    }

    /** The log ends at {@code end}; the first {@code arriving} records arrive one per poll, {@code gapMs} apart. */
    private void logOf(long end, int arriving, long gapMs, List<String> values) {
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, end));
        for (int i = 0; i < arriving; i++) {
            long offset = i;
            String value = values.get(i % values.size());
            consumer.schedulePollTask(() -> {
                sleep(gapMs);
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, "k" + offset, value));
            });
        }
    }

    private static String register(String subject) {
        return CommandCodec.value(new Proposal("p-" + subject, new Register(subject, Schemas.V1.toString())));
    }

    @Test
    void aReplayThatKeepsProgressingMayTakeLongerThanTheStallTimeout() {
        logOf(12, 12, 100, List.of(register("s")));

        log.start((offset, key, value) -> delivered.add(offset), STALL_TIMEOUT);

        assertEquals(12, delivered.size(), "1.2 s of replay, 100 ms between records, with a 500 ms stall timeout");
        assertTrue(log.status().running());
    }

    @Test
    void aReplayThatStopsProgressingFailsAfterTheStallTimeoutNamingTheOffset() {
        logOf(5, 2, 0, List.of(register("s")));

        KafkaException stalled = assertThrows(KafkaException.class,
                () -> log.start((offset, key, value) -> delivered.add(offset), STALL_TIMEOUT));

        assertTrue(stalled.getMessage().contains("stalled at offset 2 of 5"), stalled.getMessage());
    }

    @Test
    void aFollowerThatDiesDuringReplayFailsTheStartAtOnceAndReportsWhy() {
        logOf(5, 0, 0, List.of());
        consumer.setPollException(new KafkaException("not authorized"));

        long started = System.nanoTime();
        KafkaException stopped = assertThrows(KafkaException.class,
                () -> log.start((offset, key, value) -> delivered.add(offset), Duration.ofSeconds(30)));

        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "not the stall timeout");
        assertTrue(stopped.getMessage().contains("not authorized"), stopped.getMessage());
        assertFalse(log.status().running());
        assertNotNull(log.status().failure());
    }

    @Test
    void badRecordsAreSkippedAndCountedWhileTheFollowerLivesOn() {
        logOf(5, 5, 0, List.of(register("a"),
                "{\"type\":\"SET_CONFIG\",\"proposal\":\"p\",\"subject\":null,\"compatibility\":\"SIDEWAYS\"}",
                "not json", "{\"type\":\"SCHEMA\",\"proposal\":\"p\",\"subject\":\"s\"}", register("b")));
        SchemaStore store = new SchemaStore(log, STALL_TIMEOUT);

        store.start();

        assertEquals(List.of("a", "b"), store.state().subjects(false));
        SchemaStore.Health health = store.health();
        assertEquals(3, health.badRecords());
        assertEquals(4, health.lastOffset());
        assertTrue(health.healthy(), health.toString());
        assertEquals("FOLLOWING", health.state());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
