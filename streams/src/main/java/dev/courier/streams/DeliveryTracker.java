package dev.courier.streams;

import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running delivery tracker: the {@link TrackerTopology} in a {@link KafkaStreams} instance, wired with
 * its error handling. Run several (with the same application.id) to share the partitions; standby
 * replicas keep warm copies of the state so a failed instance's work moves quickly.
 */
public final class DeliveryTracker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryTracker.class);

    private final SchemaRegistryClient registry;
    private final KafkaStreams streams;

    public DeliveryTracker(TrackerConfig config) {
        log.info("delivery tracker configuration: {}", config.values());
        this.registry = SchemaRegistryClients.fromUrl(config.registryUrl());
        Topology topology = TrackerTopology.build(config, registry);
        log.info("delivery tracker topology:\n{}", topology.describe());
        this.streams = new KafkaStreams(topology, config.streamsProperties());
        // A failed stream thread (registry unreachable, broker trouble beyond the clients' retries) is
        // replaced; under exactly-once its uncommitted work is aborted and redone, so nothing is lost.
        streams.setUncaughtExceptionHandler(e -> {
            log.error("tracker stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("tracker state {} -> {}", before, now));
    }

    public void start() {
        streams.start();
    }

    /** Waits until the tracker has joined its group and restored its state. */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("tracker stopped while starting: " + streams.state());
            }
            if (System.nanoTime() > end) {
                throw new TimeoutException("tracker not RUNNING after " + timeout + " (state " + streams.state() + ")");
            }
            Thread.sleep(50);
        }
    }

    /** Streams' RocksDB metrics that measure memory: memtables, block cache, index and filter blocks. */
    private static final Set<String> ROCKSDB_MEMORY_METRICS = Set.of("size-all-mem-tables", "block-cache-usage",
            "estimate-table-readers-mem");

    /**
     * Off-heap memory held by the tracker's RocksDB stores right now (memtables, block cache, table
     * readers), summed over its stores from Streams' RocksDB metrics; the heap is the JVM's to measure.
     */
    public long rocksDbMemoryBytes() {
        long total = 0;
        for (Metric metric : streams.metrics().values()) {
            MetricName name = metric.metricName();
            if (name.group().equals("stream-state-metrics") && ROCKSDB_MEMORY_METRICS.contains(name.name())
                    && metric.metricValue() instanceof Number n) {
                total += n.longValue();
            }
        }
        return total;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        registry.close();
    }
}
