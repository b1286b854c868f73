package dev.courier.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.courier.registry.RegistryApi.Request;
import dev.courier.registry.RegistryApi.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the Confluent Schema Registry REST API (Avro only), on the JDK's HTTP
 * server, storing its state in a single-partition compacted Kafka topic. Several instances on the same
 * topic agree on every id and version; see {@link SchemaStore} for the protocol.
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
    private final int threads;
    private final Supplier<SchemaLog> schemaLog;
    private SchemaStore store;
    private HttpServer http;
    private ExecutorService executor;

    private SchemaRegistryServer(Builder config, Supplier<SchemaLog> schemaLog) {
        this.host = config.host;
        this.configuredPort = config.port;
        this.requestTimeout = config.requestTimeout;
        this.threads = config.threads;
        this.schemaLog = schemaLog;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Connects to the log (creating the topic if needed), replays it, then starts serving. */
    public synchronized SchemaRegistryServer start() {
        if (http != null) {
            throw new IllegalStateException("already started at " + url());
        }
        store = new SchemaStore(schemaLog.get(), requestTimeout);
        try {
            store.start();
            RegistryApi api = new RegistryApi(store);
            http = HttpServer.create(new InetSocketAddress(host, configuredPort), 0);
            AtomicInteger threadCount = new AtomicInteger();
            executor = Executors.newFixedThreadPool(threads, task -> {
                Thread thread = new Thread(task, "courier-registry-http-" + threadCount.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            http.setExecutor(executor);
            http.createContext("/", exchange -> serve(api, exchange));
            http.start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException("cannot listen on " + host + ":" + configuredPort, io)
                    : (RuntimeException) e;
        }
        log.info("Schema registry listening on {} (storage: {}, request timeout {} ms)", url(), store.describe(),
                requestTimeout.toMillis());
        return this;
    }

    private static void serve(RegistryApi api, HttpExchange exchange) throws IOException {
        try (exchange) {
            Response response;
            try {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Request request = new Request(exchange.getRequestMethod().toUpperCase(),
                        segments(exchange.getRequestURI().getRawPath()), query(exchange.getRequestURI().getRawQuery()), body);
                response = api.handle(request);
            } catch (RuntimeException e) {
                log.error("Request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                response = Response.error(500, RegistryError.STORE_ERROR, "Internal error: " + e);
            }
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", RegistryApi.CONTENT_TYPE);
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Path segments, each URL-decoded after splitting, so a subject may contain an encoded '/'. */
    static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                query.put(name, eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    /** The bound port; with port 0 configured, the free port chosen at start. */
    public int port() {
        if (http == null) {
            throw new IllegalStateException("not started");
        }
        return http.getAddress().getPort();
    }

    /** {@code http://<host>:<port>}, with {@code localhost} for a wildcard host. */
    public String url() {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        return "http://" + reachable + ":" + port();
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.stop(0);
            http = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        if (store != null) {
            store.close();
            store = null;
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
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();
        private Supplier<SchemaLog> schemaLog;

        private Builder() {
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

        /** How long a write waits to be stored and applied before failing with 50002; default 30 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
            }
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** HTTP worker threads; default 8. */
        public Builder threads(int threads) {
            this.threads = positive("threads", threads);
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
            return new SchemaRegistryServer(this, () -> new KafkaSchemaLog(settings));
        }

        private static int positive(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + value);
            }
            return value;
        }
    }
}
