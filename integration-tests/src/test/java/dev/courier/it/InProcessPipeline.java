package dev.courier.it;

import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.SimulatedDevices;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.awaitility.Awaitility;

/**
 * Courier's components in this JVM against the shared cluster: trackers, delivery consumers (delivering
 * to simulated devices that record what the application received) and a producer.
 */
final class InProcessPipeline implements AutoCloseable {

    private final CourierTopics topics;
    private final String prefix;
    private final String name;
    private final List<AutoCloseable> running = new ArrayList<>();
    /** What the application received: delivery key -> times handed to the devices. */
    final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    /** Hand-offs flagged {@code replay} (a record written by courier replay): delivery key -> times. */
    final Map<String, AtomicInteger> receivedAsReplay = new ConcurrentHashMap<>();
    /**
     * Repeat hand-offs without {@code possibleRedelivery} or {@code replay}: must stay 0. A repeat after an aborted batch (a
     * rebalance or a broker failure during the commit) is allowed, flagged, and never acked twice.
     */
    final AtomicLong unflaggedRepeats = new AtomicLong();
    /** Delivery keys in the order the devices received them. */
    final List<String> receivedInOrder = new CopyOnWriteArrayList<>();

    InProcessPipeline(String name, CourierTopics topics) {
        this.name = name;
        this.topics = topics;
        this.prefix = SharedCourier.prefixOf(topics);
    }

    CourierTopics topics() {
        return topics;
    }

    CourierProducer producer() {
        CourierProducer producer = new CourierProducer(new CourierProducerConfig(Map.of(
                CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers(),
                CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl(),
                CourierProducerConfig.TOPIC_PREFIX_CONFIG, prefix)));
        running.add(producer);
        return producer;
    }

    Map<String, Object> trackerProps(long ackTimeoutMs) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers());
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl());
        props.put(TrackerConfig.TOPIC_PREFIX_CONFIG, prefix);
        props.put(TrackerConfig.APPLICATION_ID_CONFIG, prefix + "-tracker");
        props.put(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        props.put(TrackerConfig.STATE_DIR_CONFIG, Files.createTempDirectory(name + "-tracker").toString());
        return props;
    }

    DeliveryTracker startTracker(long ackTimeoutMs) throws Exception {
        return startTracker(ackTimeoutMs, Map.of());
    }

    /** A tracker with {@code overrides} on top of {@link #trackerProps}, e.g. a small {@code max.attempts}. */
    DeliveryTracker startTracker(long ackTimeoutMs, Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = trackerProps(ackTimeoutMs);
        props.putAll(overrides);
        DeliveryTracker tracker = new DeliveryTracker(new TrackerConfig(props));
        running.add(tracker);
        tracker.start();
        tracker.awaitRunning(Duration.ofMinutes(2));
        return tracker;
    }

    /** Closes {@code component} with the pipeline. */
    <T extends AutoCloseable> T track(T component) {
        running.add(component);
        return component;
    }

    String consumerGroup() {
        return prefix + "-delivery";
    }

    DeliveryConsumer startConsumer(String id, double dropRate) {
        return startConsumer(id, dropRate, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** A delivery consumer whose meters go to {@code meters}. */
    DeliveryConsumer startConsumer(String id, double dropRate, io.micrometer.core.instrument.MeterRegistry meters) {
        SimulatedDevices devices = SimulatedDevices.builder()
                .latency(Duration.ZERO, Duration.ZERO)
                .dropRate(dropRate)
                .seed(id.hashCode())
                .onDelivered(d -> {
                    String key = CourierTopics.deliveryKey(d.messageId(), d.recipientId());
                    int times = received.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    if (d.replay()) {
                        receivedAsReplay.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    } else if (times > 1 && !d.possibleRedelivery()) {
                        unflaggedRepeats.incrementAndGet();
                    }
                    receivedInOrder.add(key);
                })
                .build();
        DeliveryConsumer consumer = new DeliveryConsumer(new DeliveryConsumerConfig(Map.of(
                DeliveryConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers(),
                DeliveryConsumerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl(),
                DeliveryConsumerConfig.TOPIC_PREFIX_CONFIG, prefix,
                DeliveryConsumerConfig.GROUP_ID_CONFIG, consumerGroup(),
                DeliveryConsumerConfig.CONSUMER_ID_CONFIG, id)), devices, meters);
        Thread thread = new Thread(consumer, name + "-" + id);
        thread.setDaemon(true);
        thread.start();
        running.add(consumer);
        return consumer;
    }

    /**
     * Waits until the delivery group is stable with {@code members} members, so that a test's faults are
     * the ones it injects, not a rebalance of consumers still joining (which may abort a batch in flight).
     */
    void awaitConsumersJoined(int members) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()))) {
            Awaitility.await(members + " delivery consumers joined, group stable").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(consumerGroup()))
                                .describedGroups().get(consumerGroup()).get();
                        return d.groupState() == GroupState.STABLE && d.members().size() == members;
                    });
        }
    }

    Path tempDir(String what) throws Exception {
        return Files.createTempDirectory(name + "-" + what);
    }

    @Override
    public void close() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }
}
