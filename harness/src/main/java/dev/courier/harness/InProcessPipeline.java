package dev.courier.harness;

import dev.courier.consumer.Deliverer;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.deploy.ProgressWait;
import dev.courier.producer.CourierProducer;
import dev.courier.streams.DeliveryTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A {@link PipelineAssembly} run in this JVM (tests, bench): producers, trackers and delivery consumers (each
 * on its own thread) against an existing cluster, closed together, newest first.
 */
public final class InProcessPipeline implements AutoCloseable {

    /** How long a tracker may take to reach RUNNING. */
    public static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    /**
     * How the delivery group's members may take to join: on while it changes, failing after {@link #READY_TIMEOUT}
     * without a change (a rebalance may wait a member's session timeout) or at the usual cap.
     */
    private static final ProgressWait GROUP_WAIT = new ProgressWait(READY_TIMEOUT, ProgressWait.DEFAULT_CAP);

    private final PipelineAssembly assembly;
    private final String name;
    private final List<AutoCloseable> running = new ArrayList<>();

    /** {@code name} names the consumer threads and the trackers' temporary state directories. */
    public InProcessPipeline(PipelineAssembly assembly, String name) {
        this.assembly = assembly;
        this.name = name;
    }

    public PipelineAssembly assembly() {
        return assembly;
    }

    public CourierProducer producer() {
        return track(new CourierProducer(assembly.producerConfig()));
    }

    /** A tracker with its state in a new temporary directory, {@code overrides} on top; returns once it runs. */
    public DeliveryTracker startTracker(Map<String, ?> overrides) throws Exception {
        return startTracker(Files.createTempDirectory(name + "-tracker"), overrides);
    }

    /** A tracker with its state in {@code stateDir}, {@code overrides} on top; returns once it runs. */
    public DeliveryTracker startTracker(Path stateDir, Map<String, ?> overrides) throws Exception {
        DeliveryTracker tracker = track(new DeliveryTracker(assembly.trackerConfig(stateDir, overrides)));
        tracker.start();
        tracker.awaitRunning(READY_TIMEOUT);
        return tracker;
    }

    /** A delivery consumer handing its deliveries to {@code deliverer}, running on its own daemon thread. */
    public DeliveryConsumer startConsumer(String consumerId, Deliverer deliverer, Map<String, ?> overrides) {
        return startConsumer(consumerId, deliverer, overrides, new SimpleMeterRegistry());
    }

    /** The same, its meters ({@code CourierMeters}) in {@code meters}. */
    public DeliveryConsumer startConsumer(String consumerId, Deliverer deliverer, Map<String, ?> overrides,
                                          MeterRegistry meters) {
        DeliveryConsumer consumer = track(new DeliveryConsumer(assembly.consumerConfig(consumerId, overrides), deliverer,
                meters));
        Thread thread = new Thread(consumer, name + "-" + consumerId);
        thread.setDaemon(true);
        thread.start();
        return consumer;
    }

    /** Waits until the delivery group is stable with at least {@code members} members ({@link GroupStability}). */
    public void awaitConsumersJoined(int members) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, assembly.bootstrapServers()))) {
            GroupStability.await(admin, assembly.deliveryGroup(), members, GROUP_WAIT);
        }
    }

    /** Closes {@code component} with the pipeline. */
    public <T extends AutoCloseable> T track(T component) {
        synchronized (running) {
            running.add(component);
        }
        return component;
    }

    /** Closes {@code component} now (e.g. a tracker to restart with other settings). */
    public void stop(AutoCloseable component) throws Exception {
        synchronized (running) {
            running.remove(component);
        }
        component.close();
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> all;
        synchronized (running) {
            all = new ArrayList<>(running);
            running.clear();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }
}
