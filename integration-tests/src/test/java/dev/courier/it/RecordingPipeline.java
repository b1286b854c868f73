package dev.courier.it;

import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.SimulatedDevices;
import dev.courier.harness.InProcessPipeline;
import dev.courier.harness.PipelineAssembly;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;

/**
 * The harness's {@link InProcessPipeline} on the shared cluster ({@link SharedCourier}), its delivery consumers
 * delivering to simulated devices that record what the application received.
 */
final class RecordingPipeline implements AutoCloseable {

    private final String name;
    private final InProcessPipeline pipeline;
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

    RecordingPipeline(String name, CourierTopics topics) {
        this.name = name;
        this.pipeline = new InProcessPipeline(new PipelineAssembly(SharedCourier.bootstrapServers(),
                SharedCourier.registryUrl(), SharedCourier.prefixOf(topics)), name);
    }

    CourierTopics topics() {
        return pipeline.assembly().topics();
    }

    CourierProducer producer() {
        return pipeline.producer();
    }

    /** A tracker's settings (state in a new temporary directory), {@code overrides} on top, for a test that starts it itself. */
    TrackerConfig trackerConfig(long ackTimeoutMs, Map<String, ?> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>(overrides);
        props.putIfAbsent(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        return pipeline.assembly().trackerConfig(Files.createTempDirectory(name + "-tracker"), props);
    }

    DeliveryTracker startTracker(long ackTimeoutMs) throws Exception {
        return startTracker(ackTimeoutMs, Map.of());
    }

    /** A running tracker with {@code overrides}, e.g. a small {@code max.attempts}. */
    DeliveryTracker startTracker(long ackTimeoutMs, Map<String, Object> overrides) throws Exception {
        Map<String, Object> props = new HashMap<>(overrides);
        props.putIfAbsent(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ackTimeoutMs);
        return pipeline.startTracker(props);
    }

    /** Closes {@code component} with the pipeline. */
    <T extends AutoCloseable> T track(T component) {
        return pipeline.track(component);
    }

    String consumerGroup() {
        return pipeline.assembly().deliveryGroup();
    }

    /** A delivery consumer whose devices drop {@code dropRate} of the deliveries and record the rest. */
    DeliveryConsumer startConsumer(String id, double dropRate) {
        return startConsumer(id, dropRate, Map.of());
    }

    /** The same with {@code overrides} of its {@code DeliveryConsumerConfig}, e.g. a short read-back slice. */
    DeliveryConsumer startConsumer(String id, double dropRate, Map<String, ?> overrides) {
        return startConsumer(id, dropRate, overrides, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** The same, its meters in {@code meters} (a test serving them to Prometheus). */
    DeliveryConsumer startConsumer(String id, double dropRate, Map<String, ?> overrides,
                                   io.micrometer.core.instrument.MeterRegistry meters) {
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
        return pipeline.startConsumer(id, devices, overrides, meters);
    }

    /**
     * Waits until the delivery group is stable with {@code members} members, so that a test's faults are
     * the ones it injects, not a rebalance of consumers still joining (which may abort a batch in flight).
     */
    void awaitConsumersJoined(int members) throws InterruptedException {
        pipeline.awaitConsumersJoined(members);
    }

    /** Waits until the devices were handed every one of {@code keys} (messageId/recipientId). */
    void awaitReceived(Set<String> keys) {
        Awaitility.await("all " + keys.size() + " handed to the devices").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200)).until(() -> received.keySet().containsAll(keys));
    }

    /** The delivery keys (messageId/recipientId) of every copy of the messages sent, once Kafka acknowledged them. */
    static Set<String> deliveryKeys(List<CompletableFuture<SendReceipt>> sends) throws Exception {
        Set<String> keys = new HashSet<>();
        for (CompletableFuture<SendReceipt> f : sends) {
            SendReceipt receipt = f.get(2, TimeUnit.MINUTES);
            receipt.placements().forEach(p -> keys.add(CourierTopics.deliveryKey(receipt.messageId(), p.recipientId())));
        }
        return keys;
    }

    Path tempDir(String what) throws Exception {
        return Files.createTempDirectory(name + "-" + what);
    }

    @Override
    public void close() throws Exception {
        pipeline.close();
    }
}
