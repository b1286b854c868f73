package dev.courier.harness;

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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * Courier end to end, in this JVM: CourierProducer → send topic → DeliveryConsumer (dedupe, transactional
 * ack) → ack topic → tracker. A delivery counts when the Deliverer is handed it; the consumers' commits and the
 * tracker are watched separately ({@link #downstream()}, {@link #offsets()}). The tracker runs without send
 * tracking (its default): it reads the ack topic alone and keeps state only for deliveries a consumer read and
 * did not settle (RETRY or HELD acks, which carry the send event). An in-memory schema registry stands in for
 * the registry server (ids are cached by the serdes, so it is off the hot path either way).
 */
public final class CourierPipeline implements Pipeline {

    private final String bootstrap;
    private final Admin admin;
    private final CourierTopics topics;
    private final String prefix;
    private final int partitions;
    private final int consumers;
    private final Path stateDir;
    private final DeliveryListener probes;
    private final String registryUrl;
    private final String trackerId;
    private final String deliveryGroup;
    private final Workers workers = new Workers();
    private final List<DeliveryConsumer> deliveryConsumers = new ArrayList<>();
    private final AtomicLong droppedFirstAttempts = new AtomicLong();
    private volatile long ackTimeoutMs;
    private volatile double dropFraction;
    private volatile String offlinePrefix;
    private CourierProducer producer;
    private DeliveryTracker tracker;

    public CourierPipeline(String bootstrap, Admin admin, String prefix, int partitions, int consumers,
                           long ackTimeoutMs, Path stateDir, DeliveryListener probes) {
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
        this.deliveryGroup = prefix + "-delivery";
    }

    @Override
    public String name() {
        return "courier";
    }

    public CourierTopics topics() {
        return topics;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** The tracker's current re-emit back-off of a first attempt, from the consumer commit that did not settle it. */
    public long ackTimeoutMs() {
        return ackTimeoutMs;
    }

    /** Fraction of first attempts the Deliverer drops (RETRY: the tracker re-emits them), to exercise redelivery. */
    public void dropFraction(double fraction) {
        this.dropFraction = fraction;
    }

    /** First attempts dropped so far by {@link #dropFraction}. */
    public long droppedFirstAttempts() {
        return droppedFirstAttempts.get();
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
        startTracker();
        for (int i = 0; i < consumers; i++) {
            DeliveryConsumer consumer = new DeliveryConsumer(DeliveryConsumerConfig.builder()
                    .bootstrapServers(bootstrap).schemaRegistryUrl(registryUrl).topicPrefix(prefix)
                    .groupId(deliveryGroup).consumerId(prefix + "-consumer-" + i).build(), this::deliver);
            deliveryConsumers.add(consumer);
            workers.start("courier-consumer-" + i, running -> consumer.run());
        }
        tracker.awaitRunning(Duration.ofMinutes(3));
        awaitStableGroup(deliveryGroup, consumers);
    }

    private void startTracker() {
        Map<String, Object> trackerProps = new HashMap<>();
        trackerProps.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        trackerProps.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        trackerProps.put(TrackerConfig.TOPIC_PREFIX_CONFIG, prefix);
        trackerProps.put(TrackerConfig.APPLICATION_ID_CONFIG, trackerId);
        trackerProps.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        trackerProps.put(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        // The default, pinned: what the bench measures (the ack topic alone, state only for unsettled deliveries).
        trackerProps.put(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, false);
        // one tracker instance: a standby has nowhere to go
        trackerProps.put(TrackerConfig.STANDBY_REPLICAS_CONFIG, 0);
        tracker = new DeliveryTracker(new TrackerConfig(trackerProps));
        tracker.start();
    }

    /**
     * Closes the tracker and starts it again (same application id and state) with another re-emit back-off.
     * Deadlines already set stay as they are; deliveries armed from now on get the new one.
     */
    public void restartTracker(long ackTimeoutMs) throws Exception {
        tracker.close();
        this.ackTimeoutMs = ackTimeoutMs;
        startTracker();
        tracker.awaitRunning(Duration.ofMinutes(3));
    }

    /**
     * The devices of every recipient whose id starts with {@code recipientPrefix} are offline: the Deliverer
     * answers RETRY for them, so each such delivery becomes pending in the tracker (its RETRY ack carries the
     * event) and waits there for the re-emit back-off. Null: everyone is online.
     */
    public void devicesOffline(String recipientPrefix) {
        this.offlinePrefix = recipientPrefix;
    }

    /** The tracker's off-heap RocksDB memory (this JVM's heap is measured by the caller). */
    public long trackerRocksDbBytes() {
        return tracker.rocksDbMemoryBytes();
    }

    private DeliveryOutcome deliver(Delivery delivery) {
        String offline = offlinePrefix;
        if (offline != null && delivery.recipientId().startsWith(offline)) {
            return DeliveryOutcome.RETRY;
        }
        if (delivery.attempt() == 1 && dropFraction > 0 && ThreadLocalRandom.current().nextDouble() < dropFraction) {
            droppedFirstAttempts.incrementAndGet();
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

    /**
     * Records in the tracker's pending-store changelog so far (end offsets, so the few transaction markers
     * count too; -1 if they cannot be read). A delivery that is settled on its first attempt adds none: the
     * tracker keeps no state for it.
     */
    public long trackerChangelogRecords() {
        String changelog = trackerId + "-" + TrackerTopology.PENDING_STORE + "-changelog";
        return orMinusOne(() -> {
            long sum = 0;
            for (long end : endOffsets(List.of(changelog)).values()) {
                sum += end;
            }
            return sum;
        });
    }

    /**
     * Where the delivery consumers stand on the send topic and the tracker on the ack topic (the only topic it
     * reads); null if the cluster did not tell.
     */
    public CourierOffsets offsets() {
        try {
            Map<TopicPartition, Long> ends = endOffsets(List.of(topics.send(), topics.ack()));
            Map<TopicPartition, OffsetAndMetadata> delivery = committedOffsets(deliveryGroup);
            Map<TopicPartition, OffsetAndMetadata> tracked = committedOffsets(trackerId);
            return new CourierOffsets(progress(topics.send(), ends, delivery), progress(topics.ack(), ends, tracked));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The consumers' commits on the send topic, and the tracker's lag on the ack topic against what was written to it. */
    @Override
    public Downstream downstream() {
        CourierOffsets o = offsets();
        return o == null ? null
                : new Downstream(o.consumersOnSend().committed(), o.trackerOnAck().end(), o.trackerOnAck().lag());
    }

    private static TopicProgress progress(String topic, Map<TopicPartition, Long> ends,
                                          Map<TopicPartition, OffsetAndMetadata> committed) {
        Map<Integer, Long> topicEnds = new HashMap<>();
        Map<Integer, Long> topicCommitted = new HashMap<>();
        ends.forEach((tp, end) -> {
            if (tp.topic().equals(topic)) {
                topicEnds.put(tp.partition(), end);
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) {
                    topicCommitted.put(tp.partition(), c.offset());
                }
            }
        });
        return TopicProgress.of(topicEnds, topicCommitted);
    }

    /** The end offset of every partition of {@code topicNames} (each has this pipeline's partition count). */
    private Map<TopicPartition, Long> endOffsets(List<String> topicNames) throws Exception {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topicNames) {
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
        }
        return EndOffsets.of(admin, all);
    }

    /** A group's committed offsets (a partition it has not committed is absent or null). */
    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
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
