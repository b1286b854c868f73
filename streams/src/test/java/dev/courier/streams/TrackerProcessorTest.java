package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
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
        MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(NOW);
        KeyValueStore<String, PendingDelivery> pending = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(TrackerTopology.PENDING_STORE), Serdes.String(),
                        CourierSerdes.value(PendingDelivery.class, registry))
                .withLoggingDisabled().build();
        KeyValueStore<Bytes, byte[]> index = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(TrackerTopology.DEADLINE_INDEX_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        pending.init(context.getStateStoreContext(), pending);
        index.init(context.getStateStoreContext(), index);
        context.addStateStore(pending);
        context.addStateStore(index);

        // Given: restored pending deliveries, and a local index that does not match them (an entry of a
        // delivery settled since, none for the pending ones)
        pending.put("m1/alice", PendingDelivery.newBuilder().setEvent(event("m1", "alice")).setDeadline(NOW + 5_000).setLastAttemptAt(NOW).build());
        pending.put("m2/bob", PendingDelivery.newBuilder().setEvent(event("m2", "bob")).setDeadline(NOW + 1_000).setLastAttemptAt(NOW).build());
        index.put(Bytes.wrap(DeadlineIndex.key(NOW + 10, "gone/carol")), new byte[] {1});

        // When: the task starts
        TrackerProcessor processor = new TrackerProcessor(new TrackerConfig(Map.of(
                TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://unused")), topics,
                CourierSerdes.value(SendEvent.class, registry).deserializer(),
                CourierSerdes.value(DeliveryAck.class, registry).deserializer());
        processor.init(context);

        // Then: the index is exactly the pending deliveries' deadlines, in time order
        List<String> indexed = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = index.all()) {
            it.forEachRemaining(e -> indexed.add(DeadlineIndex.deadline(e.key.get()) - NOW + " " + DeadlineIndex.deliveryKey(e.key.get())));
        }
        assertEquals(List.of("1000 m2/bob", "5000 m1/alice"), indexed);

        // and it drives the re-emits: at NOW + 1 s only m2 is due
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(NOW + 1_000);
        List<String> reemitted = context.forwarded().stream()
                .filter(f -> TrackerTopology.REEMIT_SINK.equals(f.childName().orElse(null)))
                .map(f -> ((SendEvent) f.record().value()).getMessageId()).toList();
        assertEquals(List.of("m2"), reemitted);
        processor.close();
    }

    private static SendEvent event(String messageId, String recipient) {
        return SendEvent.newBuilder().setMessageId(messageId).setConversationId("c1").setSenderId("sender")
                .setRecipientId(recipient).setSentAt(Instant.ofEpochMilli(NOW))
                .setPayload(ByteBuffer.wrap(("hello " + messageId).getBytes())).setContentType("text/plain").build();
    }
}
