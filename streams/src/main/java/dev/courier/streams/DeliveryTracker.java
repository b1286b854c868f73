package dev.courier.streams;

import dev.courier.metrics.CourierMetrics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running delivery tracker: the {@link TrackerTopology} in a {@link KafkaStreams} instance, wired with
 * its error handling. Run several (with the same application.id) to share the partitions; standby
 * replicas keep warm copies of the state so a failed instance's work moves quickly.
 */
public final class DeliveryTracker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryTracker.class);

    private final TrackerConfig config;
    private final SchemaRegistryClient registry;
    private final KafkaStreams streams;
    private final TrackerHttpApi http;
    private final TrackerAnnouncer announcer;
    private final CourierMetrics metrics;
    private final KafkaStreamsMetrics streamsMetrics;
    /** Counted down once Kafka Streams stops: closed, or shut down after a fatal error ({@link #failure()}). */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private boolean closed;
    private final ScheduledExecutorService metricsRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tracker-metrics-refresh");
        t.setDaemon(true);
        return t;
    });

    public DeliveryTracker(TrackerConfig config) {
        log.info("delivery tracker configuration: {}", config.values());
        this.config = config;
        this.registry = SchemaRegistryClients.fromConfigs(config.originals());
        this.metrics = new CourierMetrics("tracker");
        Topology topology = TrackerTopology.build(config, registry, metrics.registry());
        log.info("delivery tracker topology:\n{}", topology.describe());
        Properties props = config.streamsProperties();
        int port = config.getInt(TrackerConfig.HTTP_PORT_CONFIG);
        if (port >= 0) {
            // Listen first, so that a free port (0) is known before Kafka Streams is told where this instance is.
            this.http = new TrackerHttpApi(port, metrics);
            HostInfo self = new HostInfo(config.getString(TrackerConfig.HTTP_HOST_CONFIG), http.port());
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
            this.streams = new KafkaStreams(topology, props);
            http.serve(streams, self, Duration.ofMillis(config.getLong(TrackerConfig.STATUS_RETENTION_MS_CONFIG)));
            this.announcer = new TrackerAnnouncer(config, registry, self.host(), self.port());
        } else {
            this.http = null;
            this.announcer = null;
            this.streams = new KafkaStreams(topology, props);
        }
        // A failed stream thread (registry unreachable, broker trouble beyond the clients' retries) is
        // replaced; under exactly-once its uncommitted work is aborted and redone, so nothing is lost. A registry
        // that refuses the tracker's credentials would refuse every record alike: the tracker stops.
        streams.setUncaughtExceptionHandler(e -> {
            if (SchemaRegistryException.authFailureIn(e)) {
                log.error("the schema registry refuses the tracker's credentials; stopping the tracker", e);
                failure = e;
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            log.error("tracker stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.streamsMetrics = new KafkaStreamsMetrics(streams, List.of(), metricsRefresh,
                CourierMetrics.KAFKA_METRICS_REFRESH);
        streamsMetrics.bindTo(metrics.registry());
        streams.setStateListener((now, before) -> {
            log.info("tracker state {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR && failure == null) {
                failure = new IllegalStateException("Kafka Streams stopped the tracker (state ERROR); see the log");
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
    }

    public void start() {
        streams.start();
        if (announcer != null) {
            announcer.announce(config.getString(TrackerConfig.APPLICATION_ID_CONFIG));
        }
    }

    /** The port of this instance's HTTP API, or -1 without one ({@code http.port} -1). */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /**
     * Waits until the tracker has joined its group and restored its state.
     *
     * @throws IllegalStateException if it stopped first (with its {@link #failure()} as the cause)
     */
    public void awaitRunning(Duration timeout) throws TimeoutException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("tracker stopped while starting: " + streams.state(), failure);
            }
            if (System.nanoTime() > end) {
                throw new TimeoutException("tracker not RUNNING after " + timeout + " (state " + streams.state() + ")");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Off-heap memory held by the tracker's RocksDB stores right now: the block cache they share
     * ({@link BoundedRocksDbMemory}), which holds data, index and filter blocks and the memtables' reservation.
     * Every store reports the same shared cache in Streams' {@code block-cache-usage} metric, so it is counted
     * once. (With a {@code streams.rocksdb.config.setter} of one's own, this is only the largest store's cache.)
     * The heap is the JVM's to measure.
     */
    public long rocksDbMemoryBytes() {
        long shared = 0;
        for (Metric metric : streams.metrics().values()) {
            MetricName name = metric.metricName();
            if (name.group().equals("stream-state-metrics") && name.name().equals("block-cache-usage")
                    && metric.metricValue() instanceof Number n) {
                shared = Math.max(shared, n.longValue());
            }
        }
        return shared;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Blocks until the tracker stops: {@link #close()}d, or shut down by itself after a fatal error (a registry that
     * refuses its credentials); then {@link #failure()} says which.
     */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * What stopped the tracker by itself, if something did: a registry refusing its credentials (every other stream
     * thread failure is retried in a new thread), or whatever else put Kafka Streams in its ERROR state.
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Stops it; a second call (a shutdown hook's and the owner's) waits for the first and does nothing more. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (announcer != null) {
            announcer.close();
        }
        streams.close(Duration.ofSeconds(30));
        if (http != null) {
            http.close();
        }
        registry.close();
        streamsMetrics.close();
        metricsRefresh.shutdownNow();
        metrics.close();
    }

    /** This tracker's Prometheus registry ({@code /metrics} on its HTTP API). */
    public CourierMetrics metrics() {
        return metrics;
    }

}
