package dev.courier.registry;

import dev.courier.metrics.CourierMetrics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the Confluent Schema Registry REST API (Avro only), on Javalin/Jetty,
 * storing its state in a single-partition compacted Kafka topic. Several instances on the same topic
 * agree on every id and version; see {@link SchemaStore} for the protocol.
 *
 * <pre>{@code
 * try (SchemaRegistryServer registry = SchemaRegistryServer.builder()
 *         .bootstrapServers("localhost:9092").port(0).build().start()) {
 *     String url = registry.url(); // http://localhost:<port>
 * }
 * }</pre>
 */
public final class SchemaRegistryServer implements AutoCloseable {

    public static final String DEFAULT_TOPIC = "_schemas";
    public static final int DEFAULT_PORT = 8081;

    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);

    private final String host;
    private final int configuredPort;
    private final Duration requestTimeout;
    private final RegistryHttp.Limits limits;
    private final Supplier<SchemaLog> schemaLog;
    private final RegistrySecurity security;
    private CourierMetrics metrics;
    private SchemaStore store;
    private RegistryHttp http;

    private SchemaRegistryServer(Builder config, Supplier<SchemaLog> schemaLog) {
        this.host = config.host;
        this.configuredPort = config.port;
        this.requestTimeout = config.requestTimeout;
        this.limits = new RegistryHttp.Limits(config.threads, config.queue, config.requestTimeout, config.idleTimeout,
                config.maxRequestBytes);
        this.schemaLog = schemaLog;
        this.security = config.security;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects to the log (creating the topic if needed), starts listening (the API answers 503 and
     * {@code /health} REPLAYING meanwhile), replays the log, and returns once caught up.
     */
    public synchronized SchemaRegistryServer start() {
        if (http != null) {
            throw new IllegalStateException("already started at " + url());
        }
        try {
            store = new SchemaStore(schemaLog.get(), requestTimeout);
            metrics = new CourierMetrics("registry");
            http = new RegistryHttp(new RegistryApi(store), host, configuredPort, limits, security, metrics);
            http.start();
            store.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("Schema registry listening on {} ({}; storage: {}, {})", url(), security, store.describe(), limits);
        return this;
    }

    /** The bound port; with port 0 configured, the free port chosen at start. */
    public int port() {
        if (http == null) {
            throw new IllegalStateException("not started");
        }
        return http.port();
    }

    /** {@code http(s)://<host>:<port>}, with {@code localhost} for a wildcard host. */
    public String url() {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        return (security.tls().isPresent() ? "https" : "http") + "://" + reachable + ":" + port();
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
            http = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
    }

    /** Configuration; {@link #bootstrapServers} (or {@link #schemaLog}) is required, the rest has defaults. */
    public static final class Builder {
        private String bootstrapServers;
        private String host = "localhost";
        private int port = DEFAULT_PORT;
        private String topic = DEFAULT_TOPIC;
        private int replicationFactor;
        private int minInsyncReplicas;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int threads = 8;
        private int queue = 64;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private long maxRequestBytes = 4L << 20;
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();
        private Supplier<SchemaLog> schemaLog;
        private RegistrySecurity security = RegistrySecurity.NONE;

        private Builder() {
        }

        /** HTTPS and basic authentication; default {@link RegistrySecurity#NONE} (plain HTTP, open). */
        public Builder security(RegistrySecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Kafka cluster holding the schema topic. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Interface to listen on; default {@code localhost}, {@code 0.0.0.0} for all. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on; default 8081, 0 for any free port (see {@link #port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The schema topic; default {@value #DEFAULT_TOPIC}. All instances of one registry share it. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** Replication of the schema topic when this instance creates it; default min(3, brokers). */
        public Builder replicationFactor(int replicationFactor) {
            this.replicationFactor = positive("replicationFactor", replicationFactor);
            return this;
        }

        /** min.insync.replicas of the schema topic when this instance creates it; default min(2, brokers). */
        public Builder minInsyncReplicas(int minInsyncReplicas) {
            this.minInsyncReplicas = positive("minInsyncReplicas", minInsyncReplicas);
            return this;
        }

        /**
         * How long a write waits to be stored and applied before failing with 50002, how long a request
         * waits for a thread before 503, and how long replay at start may go without progress; default 30 s.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive("requestTimeout", requestTimeout);
            return this;
        }

        /** Requests handled at once; default 8. */
        public Builder threads(int threads) {
            this.threads = positive("threads", threads);
            return this;
        }

        /** Requests waiting for a thread (holding none); beyond that, 503 at once; default 64, 0 for none. */
        public Builder queue(int queue) {
            if (queue < 0) {
                throw new IllegalArgumentException("queue must be >= 0, got " + queue);
            }
            this.queue = queue;
            return this;
        }

        /** A connection that sends or reads nothing this long is closed; default 30 s. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive("idleTimeout", idleTimeout);
            return this;
        }

        /** Larger request bodies are refused with 413 {@code {"error_code":413,..}}; default 4 MiB. */
        public Builder maxRequestBytes(long maxRequestBytes) {
            if (maxRequestBytes < 1) {
                throw new IllegalArgumentException("maxRequestBytes must be >= 1, got " + maxRequestBytes);
            }
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /** Extra Kafka client properties (security, timeouts) for the admin client, producer and consumer. */
        public Builder clientProperties(Map<String, ?> properties) {
            clientProperties.putAll(properties);
            return this;
        }

        /** Stores in {@code log} instead of Kafka (embedding, tests); {@link #bootstrapServers} is then unused. */
        public Builder schemaLog(Supplier<SchemaLog> log) {
            this.schemaLog = Objects.requireNonNull(log, "log");
            return this;
        }

        public SchemaRegistryServer build() {
            if (schemaLog != null) {
                return new SchemaRegistryServer(this, schemaLog);
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is required: the registry stores schemas in Kafka");
            }
            KafkaSchemaLog.Settings settings = new KafkaSchemaLog.Settings(bootstrapServers, topic,
                    replicationFactor, minInsyncReplicas, clientProperties);
            return new SchemaRegistryServer(this, () -> KafkaSchemaLog.connect(settings));
        }

        private static Duration positive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        private static int positive(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + value);
            }
            return value;
        }
    }
}
