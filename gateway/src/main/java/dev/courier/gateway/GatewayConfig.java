package dev.courier.gateway;

import dev.courier.operator.Connection;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.RegistryClientSettings;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Typed configuration of a {@link Gateway}: the producer's keys ({@link CourierProducerConfig}: brokers,
 * registry, topic prefix, payload limit) plus the gateway's own. Keys prefixed {@code client.} go to every
 * Kafka client the gateway makes (security settings), with the prefix removed.
 */
public class GatewayConfig extends AbstractConfig {

    public static final String PORT_CONFIG = "gateway.port";
    public static final String PORT_DOC = "HTTP port to listen on; 0 for a free one.";

    public static final String KAFKA_TIMEOUT_MS_CONFIG = "gateway.kafka.timeout.ms";
    public static final String KAFKA_TIMEOUT_MS_DOC = "How long a request waits for Kafka (the acknowledgement of every "
            + "copy, an idempotency lookup or reservation) before it is answered 503 with Retry-After.";

    public static final String TAKEOVER_MS_CONFIG = "gateway.idempotency.takeover.ms";
    public static final String TAKEOVER_MS_DOC = "How old a reservation of an Idempotency-Key without its completion "
            + "must be before a request with that key publishes the message again under the reserved message id "
            + "(the reserving request crashed or timed out); younger, the request is answered 409. Keep it above "
            + "gateway.kafka.timeout.ms.";

    public static final String CONSOLE_PROMETHEUS_URL_CONFIG = "gateway.console.prometheus.url";
    public static final String CONSOLE_PROMETHEUS_URL_DOC = "Base URL of the Prometheus that scrapes Courier's "
            + "components, which the operator console (GET /console) asks for its numbers; empty: the console shows "
            + "no numbers (its message lookup still works).";

    public static final String CONSOLE_RATE_WINDOW_S_CONFIG = "gateway.console.rate.window.s";
    public static final String CONSOLE_RATE_WINDOW_S_DOC = "The window of the console's per-second rates (PromQL "
            + "rate(...[Ns])); at least two scrape intervals.";

    public static final String CLIENT_PREFIX = "client.";

    private static final ConfigDef CONFIG_DEF = new ConfigDef(CourierProducerConfig.CONFIG_DEF)
            .define(PORT_CONFIG, Type.INT, 8080, ConfigDef.Range.between(0, 65535), Importance.HIGH, PORT_DOC)
            .define(KAFKA_TIMEOUT_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    KAFKA_TIMEOUT_MS_DOC)
            .define(TAKEOVER_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.LOW, TAKEOVER_MS_DOC)
            .define(CONSOLE_PROMETHEUS_URL_CONFIG, Type.STRING, "", Importance.MEDIUM, CONSOLE_PROMETHEUS_URL_DOC)
            .define(CONSOLE_RATE_WINDOW_S_CONFIG, Type.INT, 30, ConfigDef.Range.atLeast(1), Importance.LOW,
                    CONSOLE_RATE_WINDOW_S_DOC);

    public GatewayConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props, true);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG_DEF);
    }

    public int port() {
        return getInt(PORT_CONFIG);
    }

    public Duration kafkaTimeout() {
        return Duration.ofMillis(getLong(KAFKA_TIMEOUT_MS_CONFIG));
    }

    public Duration takeoverAfter() {
        return Duration.ofMillis(getLong(TAKEOVER_MS_CONFIG));
    }

    /** The Prometheus the console asks, if one is configured. */
    public Optional<URI> consolePrometheus() {
        String url = getString(CONSOLE_PROMETHEUS_URL_CONFIG).trim();
        return url.isEmpty() ? Optional.empty() : Optional.of(URI.create(url));
    }

    public Duration consoleRateWindow() {
        return Duration.ofSeconds(getInt(CONSOLE_RATE_WINDOW_S_CONFIG));
    }

    /** Where the console finds the trackers: this gateway's brokers, registry, prefix and client settings. */
    public Connection operatorConnection() {
        Map<String, String> client = new HashMap<>();
        originalsWithPrefix(CLIENT_PREFIX).forEach((key, value) -> client.put(key, String.valueOf(value)));
        return new Connection(getString(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG), schemaRegistryUrl(),
                getString(CourierProducerConfig.TOPIC_PREFIX_CONFIG), client, kafkaTimeout());
    }

    public int maxPayloadBytes() {
        return getInt(CourierProducerConfig.MAX_PAYLOAD_BYTES_CONFIG);
    }

    public String schemaRegistryUrl() {
        return getString(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(getString(CourierProducerConfig.TOPIC_PREFIX_CONFIG));
    }

    /** The {@code CourierProducer}'s config: the client settings, and no send blocking past the Kafka timeout. */
    public CourierProducerConfig producerConfig() {
        Map<String, Object> props = new HashMap<>();
        originalsWithPrefix(CLIENT_PREFIX).forEach((key, value) -> props.put(CourierProducerConfig.PRODUCER_PREFIX + key, value));
        props.put(CourierProducerConfig.PRODUCER_PREFIX + ProducerConfig.MAX_BLOCK_MS_CONFIG, getLong(KAFKA_TIMEOUT_MS_CONFIG));
        for (String key : CourierProducerConfig.CONFIG_DEF.names()) {
            props.put(key, get(key));
        }
        props.putAll(RegistryClientSettings.securityEntries(originals())); // registry credentials and trust store
        return new CourierProducerConfig(props);
    }

    /** Properties of the gateway's own Kafka clients: the brokers, then the {@code client.} settings. */
    public Map<String, Object> clientProps() {
        Map<String, Object> props = new HashMap<>(originalsWithPrefix(CLIENT_PREFIX));
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, getString(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        return props;
    }
}
