package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.NotFoundGrace;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The tracker processor on its own, with a mock context: what the whole-topology driver cannot set up. */
class TrackerProcessorTest {

    private static final long NOW = 1_000_000L;
    private final SchemaRegistryClient registry = SchemaRegistryClients.fromUrl("mem://processor-test-" + UUID.randomUUID());
    private final CourierTopics topics = CourierTopics.withPrefix("courier");

    @Test
    void theDeadlineIndexIsRebuiltFromThePendingStoreWhenTheTaskStarts() {
        // Given: restored pending deliveries, and a local index that does not match them (an entry of a
        // delivery settled since, none for the pending ones)
        pending.put("m1/alice", PendingDelivery.newBuilder().setEvent(event("m1", "alice")).setDeadline(NOW + 5_000).setLastAttemptAt(NOW).build());
        pending.put("m2/bob", PendingDelivery.newBuilder().setEvent(event("m2", "bob")).setDeadline(NOW + 1_000).setLastAttemptAt(NOW).build());
        deadlines.put(Bytes.wrap(DeadlineIndex.key(NOW + 10, "gone/carol")), new byte[] {1});

        // When: the task starts
        TrackerProcessor processor = startTask();

        // Then: the index is exactly the pending deliveries' deadlines, in time order
        assertEquals(List.of("1000 m2/bob", "5000 m1/alice"), entries(deadlines, NOW));

        // and it drives the re-emits: at NOW + 1 s only m2 is due
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(NOW + 1_000);
        assertEquals(List.of("m2"), reemitted());
        processor.close();
    }

    @Test
    void aTrackerRestartedInTheMiddleKeepsQueuedDeliveriesQueuedAndTheConsumersProgress() {
        // Given: the state a crashed tracker left (restored from the changelogs): consumers had read through
        // offset 5; m1 (offset 7) is queued, m2 (offset 3) was armed; the local queue index is lost.
        progress.put(0, new ConsumerProgress(5, NOW - 100).toBytes());
        pending.put("m1/alice", PendingDelivery.newBuilder().setEvent(event("m1", "alice")).setQueued(true)
                .setSendOffset(7).setDeadline(NOW + 600_000).setLastAttemptAt(NOW).build());
        pending.put("m2/alice", PendingDelivery.newBuilder().setEvent(event("m2", "alice")).setQueued(false)
                .setSendOffset(3).setDeadline(NOW + 900).setLastAttemptAt(NOW).build());

        // When: the task starts again
        TrackerProcessor processor = startTask();

        // Then: the queue holds the queued delivery by its offset, and a report that does not pass it arms nothing
        assertEquals(List.of("7 m1/alice"), entries(queue, 0));
        processBatch(processor, 7, NOW);
        assertTrue(pending.get("m1/alice").getQueued());
        // a report past it arms it, one back-off (ack.timeout.ms, 2 s by default) after that commit
        processBatch(processor, 8, NOW + 50);
        assertFalse(pending.get("m1/alice").getQueued());
        assertEquals(List.of(), entries(queue, 0));
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(NOW + 1_000);
        assertEquals(List.of("m2"), reemitted(), "m2 kept its deadline; m1 is not due yet");
        context.resetForwards();
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(NOW + 50 + 2_000);
        assertEquals(List.of("m1"), reemitted());
        processor.close();
    }

    private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
    private final KeyValueStore<String, PendingDelivery> pending = store(TrackerTopology.PENDING_STORE, Serdes.String(),
            CourierSerdes.value(PendingDelivery.class, registry));
    private final KeyValueStore<Bytes, byte[]> deadlines = store(TrackerTopology.DEADLINE_INDEX_STORE, Serdes.Bytes(), Serdes.ByteArray());
    private final KeyValueStore<Bytes, byte[]> queue = store(TrackerTopology.QUEUE_INDEX_STORE, Serdes.Bytes(), Serdes.ByteArray());
    private final KeyValueStore<Integer, byte[]> progress = store(TrackerTopology.PROGRESS_STORE, Serdes.Integer(), Serdes.ByteArray());

    private <K, V> KeyValueStore<K, V> store(String name, Serde<K> keys, Serde<V> values) {
        context.setCurrentSystemTimeMs(NOW);
        KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values)
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private TrackerProcessor startTask() {
        TrackerProcessor processor = new TrackerProcessor(new TrackerConfig(Map.of(
                TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://unused",
                TrackerConfig.BACKOFF_JITTER_CONFIG, 0.0,
                TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, true)), topics,
                CourierSerdes.value(SendEvent.class, registry).deserializer(),
                CourierSerdes.ackValue(registry).deserializer(),
                CourierSerdes.value(RedeliverRequest.class, registry).deserializer(),
                new NotFoundGrace(NotFoundGrace.DEFAULT_GRACE_MS), new TrackerMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
        processor.init(context);
        return processor;
    }

    /** A consumer's AckBatch for partition 0 without acks: "read through {@code committedThrough}". */
    private void processBatch(TrackerProcessor processor, long committedThrough, long committedAt) {
        AckBatch batch = AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0).setCommittedThrough(committedThrough)
                .setCommittedAt(Instant.ofEpochMilli(committedAt)).setDeliveredBy("c1").setAcks(List.of()).build();
        context.setRecordMetadata(topics.ack(), 0, 0);
        processor.process(new Record<>(null, CourierSerdes.ackValue(registry).serializer().serialize(topics.ack(), batch),
                committedAt));
    }

    private List<String> reemitted() {
        return context.forwarded().stream()
                .filter(f -> TrackerTopology.REEMIT_SINK.equals(f.childName().orElse(null)))
                .map(f -> ((SendEvent) f.record().value()).getMessageId()).toList();
    }

    private static List<String> entries(KeyValueStore<Bytes, byte[]> index, long base) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.all()) {
            it.forEachRemaining(e -> out.add(DeadlineIndex.deadline(e.key.get()) - base + " " + DeadlineIndex.deliveryKey(e.key.get())));
        }
        return out;
    }

    private static SendEvent event(String messageId, String recipient) {
        return SendEvent.newBuilder().setMessageId(messageId).setConversationId("c1").setSenderId("sender")
                .setRecipientId(recipient).setSentAt(Instant.ofEpochMilli(NOW))
                .setPayload(ByteBuffer.wrap(("hello " + messageId).getBytes())).setContentType("text/plain").build();
    }
}
