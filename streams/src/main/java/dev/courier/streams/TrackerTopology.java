package dev.courier.streams;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.NotFoundGrace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The delivery tracker's topology.
 *
 * <pre>
 *   send-source (send topic) ──┐                       ┌─► reemit-sink      (send topic, attempt+1)
 *                              ├─► tracker-processor ──┼─► status-sink      (status topic, compacted)
 *   ack-source  (ack topic)  ──┤  │    │     │     │   └─► dead-letter-sink (dead-letter topic)
 *   command-source (commands) ─┘  (an operator's "redeliver now")
 *          pending-store  deadline-index  queue-index  consumer-progress
 *   (send-source, queue-index and consumer-progress only with send.tracking.enabled)
 *
 *   send-source ──────────┐
 *   ack-source ───────────┼─► history-indexer ── delivery-history (window store: the status lookup)
 *   dead-letter-source ───┘   (with status.history.enabled, the default)
 * </pre>
 *
 * The send source exists only with {@code send.tracking.enabled}. By default the tracker reads the ack topic
 * alone: the send topic is the queue, and Courier's delivery consumers report, with the send event, every
 * delivery they read and did not settle (RETRY, HELD), which is all the tracker keeps state for.
 *
 * <p>Sources are read as raw bytes and decoded in the processor, so a record that does not decode is
 * dead-lettered with its reason instead of stopping the task (a schema id the registry does not know is retried
 * for {@link NotFoundGrace#DEFAULT_GRACE_MS} first: a registry instance may lag). The send and ack topics are co-partitioned
 * by recipientId, so one task sees a delivery's send event, its acks, and the delivery consumers' progress
 * reports ({@code AckBatch}) for its partition.
 */
public final class TrackerTopology {

    public static final String SEND_SOURCE = "send-source";
    public static final String ACK_SOURCE = "ack-source";
    public static final String COMMAND_SOURCE = "command-source";
    public static final String TRACKER_PROCESSOR = "tracker-processor";
    public static final String PENDING_STORE = "pending-store";
    public static final String DEADLINE_INDEX_STORE = "deadline-index";
    public static final String QUEUE_INDEX_STORE = "queue-index";
    public static final String PROGRESS_STORE = "consumer-progress";
    public static final String DEAD_LETTER_SOURCE = "dead-letter-source";
    public static final String HISTORY_INDEXER = "history-indexer";
    public static final String HISTORY_STORE = "delivery-history";
    public static final String REEMIT_SINK = "reemit-sink";
    public static final String STATUS_SINK = "status-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";

    private TrackerTopology() {
    }

    public static Topology build(TrackerConfig config, SchemaRegistryClient registry) {
        return build(config, registry, new SimpleMeterRegistry());
    }

    /** The topology, its tasks' {@link TrackerMetrics} bound to {@code meters} ({@code CourierMeters}' names). */
    public static Topology build(TrackerConfig config, SchemaRegistryClient registry, MeterRegistry meters) {
        CourierTopics topics = config.topics();
        Serde<String> keys = Serdes.String();
        Serde<SendEvent> sendSerde = CourierSerdes.value(SendEvent.class, registry);
        Serde<SpecificRecord> ackSerde = CourierSerdes.ackValue(registry);
        Serde<DeliveryStatus> statusSerde = CourierSerdes.value(DeliveryStatus.class, registry);
        Serde<DeadLetter> deadLetterSerde = CourierSerdes.value(DeadLetter.class, registry);
        Serde<PendingDelivery> pendingSerde = CourierSerdes.value(PendingDelivery.class, registry);

        Topology topology = new Topology();
        topology.addSource(ACK_SOURCE, keys.deserializer(), Serdes.ByteArray().deserializer(), topics.ack());
        topology.addSource(COMMAND_SOURCE, keys.deserializer(), Serdes.ByteArray().deserializer(), topics.commands());
        boolean sendTracking = config.getBoolean(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG);
        boolean history = config.getBoolean(TrackerConfig.STATUS_HISTORY_ENABLED_CONFIG);
        if (sendTracking || history) {
            topology.addSource(SEND_SOURCE, keys.deserializer(), Serdes.ByteArray().deserializer(), topics.send());
        }
        NotFoundGrace notFoundGrace = new NotFoundGrace(NotFoundGrace.DEFAULT_GRACE_MS);
        TrackerMeters trackerMeters = new TrackerMeters(meters);
        topology.addProcessor(TRACKER_PROCESSOR,
                () -> new TrackerProcessor(config, topics, sendSerde.deserializer(), ackSerde.deserializer(),
                        CourierSerdes.value(RedeliverRequest.class, registry).deserializer(), notFoundGrace, trackerMeters),
                sendTracking ? new String[] {SEND_SOURCE, ACK_SOURCE, COMMAND_SOURCE} : new String[] {ACK_SOURCE, COMMAND_SOURCE});
        // Caching matters: a delivery sent and acknowledged within one commit interval is a put then a
        // delete in the cache, and never reaches the changelog.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(PENDING_STORE), keys, pendingSerde)
                .withCachingEnabled(), TRACKER_PROCESSOR);
        // The deadline index is derived from the pending store, so it has no changelog: the processor rebuilds
        // it from the pending deliveries whenever a task starts. That saves two changelog records (the entry
        // and its tombstone) for every delivery whose ack comes after a commit.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DEADLINE_INDEX_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled().withLoggingDisabled(), TRACKER_PROCESSOR);
        if (sendTracking) {
            // Queued deliveries (no consumer has reported reading them) by send offset, so a consumer's progress
            // report finds what it passed with one range scan. Derived from the pending store like the deadline index.
            topology.addStateStore(Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(QUEUE_INDEX_STORE), Serdes.Bytes(), Serdes.ByteArray())
                    .withCachingEnabled().withLoggingDisabled(), TRACKER_PROCESSOR);
            // The consumers' progress on the task's partition: one small record, changelogged (cached, so at most
            // one changelog write per commit interval).
            topology.addStateStore(Stores.keyValueStoreBuilder(
                            Stores.persistentKeyValueStore(PROGRESS_STORE), Serdes.Integer(), Serdes.ByteArray())
                    .withCachingEnabled(), TRACKER_PROCESSOR);
        }
        if (history) {
            addHistory(topology, config, topics, registry);
        }
        topology.addSink(REEMIT_SINK, topics.send(), keys.serializer(), sendSerde.serializer(), TRACKER_PROCESSOR);
        topology.addSink(STATUS_SINK, topics.status(), keys.serializer(), statusSerde.serializer(), TRACKER_PROCESSOR);
        topology.addSink(DEAD_LETTER_SINK, topics.deadLetter(), keys.serializer(), deadLetterSerde.serializer(),
                TRACKER_PROCESSOR);
        return topology;
    }

    /**
     * The status index: the history indexer reads the send, ack and dead-letter topics (co-partitioned by
     * recipientId, so one task sees all of a delivery) into a window store whose retention is the status
     * retention. Its cache coalesces the steps of one commit interval into one changelog record.
     */
    private static void addHistory(Topology topology, TrackerConfig config, CourierTopics topics,
                                   SchemaRegistryClient registry) {
        Serde<String> keys = Serdes.String();
        topology.addSource(DEAD_LETTER_SOURCE, keys.deserializer(), Serdes.ByteArray().deserializer(), topics.deadLetter());
        Duration retention = Duration.ofMillis(config.getLong(TrackerConfig.STATUS_RETENTION_MS_CONFIG));
        topology.addProcessor(HISTORY_INDEXER,
                () -> new HistoryIndexer(topics, CourierSerdes.value(SendEvent.class, registry).deserializer(),
                        CourierSerdes.ackValue(registry).deserializer(),
                        CourierSerdes.value(DeadLetter.class, registry).deserializer(), retention.toMillis()),
                SEND_SOURCE, ACK_SOURCE, DEAD_LETTER_SOURCE);
        topology.addStateStore(Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(HISTORY_STORE, retention, Duration.ofMillis(1), false),
                        keys, CourierSerdes.value(DeliveryHistory.class, registry))
                .withCachingEnabled(), HISTORY_INDEXER);
    }
}
