package dev.courier.bench;

import dev.courier.consumer.Delivery;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.DeliveryOutcome;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.TopicSpec;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import dev.courier.streams.TrackerTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * Courier end to end, in this JVM: CourierProducer → send topic → DeliveryConsumer (dedupe, transactional
 * ack) → the tracker clears the pending delivery. A delivery counts when the Deliverer is handed it; the
 * tracker's progress is watched separately ({@link #downstreamLag()}). An in-memory schema registry stands
 * in for the registry server (ids are cached by the serdes, so it is off the hot path either way).
 */
final class CourierPipeline implements Pipeline {

    /** The tracker reads two records per message: its send event and its ack. */
    static final int TRACKER_RECORDS_PER_MESSAGE = 2;

    private final String bootstrap;
    private final Admin admin;
    private final CourierTopics topics;
    private final String prefix;
    private final int partitions;
    private final int consumers;
    private final long ackTimeoutMs;
    private final Path stateDir;
    private final PhaseProbe.Slot probes;
    private final String registryUrl;
    private final String trackerId;
    private final Workers workers = new Workers();
    private final List<DeliveryConsumer> deliveryConsumers = new ArrayList<>();
    private volatile double dropFraction;
    private volatile boolean acksPaused;
    private CourierProducer producer;
    private DeliveryTracker tracker;

    CourierPipeline(String bootstrap, Admin admin, String prefix, int partitions, int consumers, long ackTimeoutMs,
                    Path stateDir, PhaseProbe.Slot probes) {
        this.bootstrap = bootstrap;
        this.admin = admin;
        this.prefix = prefix;
        this.topics = CourierTopics.withPrefix(prefix);
        this.partitions = partitions;
        this.consumers = consumers;
        this.ackTimeoutMs = ackTimeoutMs;
        this.stateDir = stateDir;
        this.probes = probes;
        this.registryUrl = "mem://" + prefix;
        this.trackerId = prefix + "-tracker";
    }

    @Override
    public String name() {
        return "courier";
    }

    CourierTopics topics() {
        return topics;
    }

    String registryUrl() {
        return registryUrl;
    }

    long ackTimeoutMs() {
        return ackTimeoutMs;
    }

    /** Fraction of first attempts the Deliverer drops (RETRY, no ack), to exercise redelivery. */
    void dropFraction(double fraction) {
        this.dropFraction = fraction;
    }

    @Override
    public void start() throws Exception {
        Map<String, Map<String, String>> layout = new LinkedHashMap<>();
        for (TopicSpec spec : topics.specs(partitions)) {
            layout.put(spec.name(), spec.configs());
        }
        BenchTopics.create(admin, partitions, layout);
        producer = new CourierProducer(CourierProducerConfig.builder().bootstrapServers(bootstrap)
                .schemaRegistryUrl(registryUrl).topicPrefix(prefix).build());
        Map<String, Object> trackerProps = new HashMap<>();
        trackerProps.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        trackerProps.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        trackerProps.put(TrackerConfig.TOPIC_PREFIX_CONFIG, prefix);
        trackerProps.put(TrackerConfig.APPLICATION_ID_CONFIG, trackerId);
        trackerProps.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        trackerProps.put(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        // one tracker instance: a standby has nowhere to go
        trackerProps.put(TrackerConfig.STANDBY_REPLICAS_CONFIG, 0);
        tracker = new DeliveryTracker(new TrackerConfig(trackerProps));
        tracker.start();
        for (int i = 0; i < consumers; i++) {
            DeliveryConsumer consumer = new DeliveryConsumer(DeliveryConsumerConfig.builder()
                    .bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl).topicPrefix(prefix)
                    .groupId(prefix + "-delivery").consumerId(prefix + "-consumer-" + i).build(), this::deliver);
            deliveryConsumers.add(consumer);
            workers.start("courier-consumer-" + i, running -> consumer.run());
        }
        tracker.awaitRunning(Duration.ofMinutes(3));
        awaitStableGroup(prefix + "-delivery", consumers);
    }

    /** While paused, the Deliverer answers RETRY to everything: deliveries stay pending in the tracker. */
    void pauseAcks(boolean paused) {
        this.acksPaused = paused;
    }

    /** The tracker's off-heap RocksDB memory (this JVM's heap is measured by the caller). */
    long trackerRocksDbBytes() {
        return tracker.rocksDbMemoryBytes();
    }

    private DeliveryOutcome deliver(Delivery delivery) {
        if (acksPaused) {
            return DeliveryOutcome.RETRY;
        }
        if (delivery.attempt() == 1 && dropFraction > 0 && ThreadLocalRandom.current().nextDouble() < dropFraction) {
            return DeliveryOutcome.RETRY;
        }
        probes.delivered(delivery.partition(), delivery.payload());
        return DeliveryOutcome.DELIVERED;
    }

    private void awaitStableGroup(String group, int members) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(10, TimeUnit.SECONDS);
                if (d.groupState() == GroupState.STABLE && d.members().size() >= members) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not created yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("group " + group + " not stable with " + members + " members in 120 s");
    }

    @Override
    public void send(String key, byte[] payload, Runnable onFailure) {
        OutgoingMessage message = OutgoingMessage.builder().senderId("bench").recipients(key)
                .conversationId("conv-" + key).payload(payload).build();
        producer.send(message).whenComplete((receipt, error) -> {
            if (error != null) {
                onFailure.run();
            }
        });
    }

    /** Records of the send and ack topics the tracker has committed so far (-1 if it cannot be read). */
    long trackerCommittedRecords() {
        return orMinusOne(() -> trackerOffsets().values().stream().mapToLong(OffsetAndMetadata::offset).sum());
    }

    /**
     * Records in the tracker's pending-store changelog so far (end offsets, so the few transaction markers
     * count too; -1 if they cannot be read). A delivery acknowledged within the commit interval it was sent
     * in should add none.
     */
    long trackerChangelogRecords() {
        String changelog = trackerId + "-" + TrackerTopology.PENDING_STORE + "-changelog";
        return orMinusOne(() -> endOffsets(changelog).values().stream().mapToLong(Long::longValue).sum());
    }

    /** The tracker's consumer lag on the send and ack topics (records it has not committed yet). */
    @Override
    public long downstreamLag() {
        return orMinusOne(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = trackerOffsets();
            long lag = 0;
            for (var e : endOffsets(topics.send(), topics.ack()).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
            }
            return lag;
        });
    }

    /** The end offset of every partition of {@code topicNames} (each has this pipeline's partition count). */
    private Map<TopicPartition, Long> endOffsets(String... topicNames) throws Exception {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topicNames) {
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
        }
        return EndOffsets.of(admin, all);
    }

    /** The tracker group's committed offsets. */
    private Map<TopicPartition, OffsetAndMetadata> trackerOffsets() throws Exception {
        return admin.listConsumerGroupOffsets(trackerId).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    }

    /** A figure read from the cluster, or -1 if it could not be read (the samplers skip it). */
    private static long orMinusOne(Callable<Long> read) {
        try {
            return read.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Override
    public void close() throws Exception {
        for (DeliveryConsumer c : deliveryConsumers) {
            c.close(Duration.ofSeconds(10));
        }
        workers.close();
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
        if (tracker != null) {
            tracker.close();
        }
    }
}
