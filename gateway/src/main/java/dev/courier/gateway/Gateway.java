package dev.courier.gateway;

import dev.courier.metrics.CourierMetrics;
import dev.courier.operator.Trackers;
import dev.courier.producer.CourierProducer;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP ingest gateway: the {@link GatewayHttpApi} publishing through a {@link CourierProducer}, with
 * Idempotency-Keys in {@code <prefix>.idempotency}, its metrics at {@code /metrics} and the operator console
 * at {@code /console}. Run as many as you like behind a load balancer; close it to stop.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final SchemaRegistryClient registry;
    private final CourierProducer producer;
    private final IdempotencyLog keys;
    private final GatewayHttpApi api;
    private final CourierMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Connects and starts listening. */
    public Gateway(GatewayConfig config) {
        this.registry = SchemaRegistryClients.fromConfigs(config.originals());
        this.metrics = new CourierMetrics("gateway");
        this.producer = new CourierProducer(config.producerConfig());
        producer.bindTo(metrics.registry());
        this.keys = new IdempotencyLog(config.topics().idempotency(), config.clientProps(), registry, config.kafkaTimeout());
        Console console = new Console(config.consolePrometheus().map(url -> new ConsoleSummary(url, config.consoleRateWindow()))
                .orElse(null), new Trackers(config.operatorConnection(), List.of()));
        this.api = new GatewayHttpApi(config.port(), config.maxPayloadBytes(), metrics, console,
                new IdempotentPublisher(producer, keys, config.kafkaTimeout(), config.takeoverAfter()));
        log.info("Gateway listening on port {}: topics {} and {}, Kafka timeout {} ms", api.port(),
                config.topics().send(), config.topics().idempotency(), config.kafkaTimeout().toMillis());
    }

    /** The HTTP port (the configured one, or the one chosen for 0). */
    public int port() {
        return api.port();
    }

    /** Stops listening, then closes the Kafka clients. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        api.close();
        keys.close();
        producer.close();
        registry.close();
        metrics.close();
        log.info("Gateway stopped");
    }
}
