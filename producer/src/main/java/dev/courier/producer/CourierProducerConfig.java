package dev.courier.producer;

import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Typed configuration of a {@link CourierProducer}. Build it from a map ({@code new
 * CourierProducerConfig(props)}) or with {@link #builder()}.
 *
 * <p>Any key prefixed {@code producer.} is passed to the underlying {@code KafkaProducer} with the prefix
 * removed (e.g. {@code producer.client.id}, {@code producer.compression.type}, {@code producer.linger.ms}).
 * The delivery guarantees are not negotiable and are always set, whatever the passthrough says:
 * {@code acks=all} (a send is acknowledged only once every in-sync replica has it, so a leader failover
 * cannot lose it) and {@code enable.idempotence=true} (broker-side de-duplication of the producer's own
 * retries, which also keeps per-partition order with up to 5 requests in flight). A passthrough
 * {@code max.in.flight.requests.per.connection} above 5 is refused, since idempotence requires &lt;= 5.
 * Defaults that may be overridden: {@code linger.ms=5} (a few ms of batching: the fan-out of one message
 * and concurrent senders share requests at a negligible latency cost), {@code delivery.timeout.ms=120000}
 * (Kafka's default: the producer retries internally for up to two minutes before failing a send).
 */
public class CourierProducerConfig extends AbstractConfig {

    // The keys every component shares, defined in CommonConfig; named here too for this config's callers.
    public static final String BOOTSTRAP_SERVERS_CONFIG = CommonConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_CONFIG = CommonConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String TOPIC_PREFIX_CONFIG = CommonConfig.TOPIC_PREFIX_CONFIG;
    public static final String MAX_PAYLOAD_BYTES_CONFIG = CommonConfig.MAX_PAYLOAD_BYTES_CONFIG;
    public static final int MAX_PAYLOAD_BYTES_DEFAULT = CommonConfig.MAX_PAYLOAD_BYTES_DEFAULT;

    public static final String PRODUCER_PREFIX = "producer.";

    static final int MAX_IN_FLIGHT_LIMIT = 5;
    private static final Set<String> ENFORCED = Set.of(
            ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    public static final ConfigDef CONFIG_DEF = CommonConfig.define(new ConfigDef());

    public CourierProducerConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props, false);
        Object inFlight = originalsWithPrefix(PRODUCER_PREFIX)
                .get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        if (inFlight != null && Integer.parseInt(inFlight.toString().trim()) > MAX_IN_FLIGHT_LIMIT) {
            throw new ConfigException(PRODUCER_PREFIX + ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                    inFlight, "must be <= " + MAX_IN_FLIGHT_LIMIT + " with enable.idempotence=true");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS_CONFIG);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(getString(TOPIC_PREFIX_CONFIG));
    }

    public int maxPayloadBytes() {
        return getInt(MAX_PAYLOAD_BYTES_CONFIG);
    }

    /** The passthrough keys that were ignored because Courier enforces them. */
    public Set<String> ignoredProducerOverrides() {
        Set<String> ignored = new java.util.TreeSet<>(originalsWithPrefix(PRODUCER_PREFIX).keySet());
        ignored.retainAll(ENFORCED);
        return ignored;
    }

    /**
     * Properties for the {@code KafkaProducer<String, byte[]>}: defaults, then the {@code producer.}
     * passthrough, then the enforced guarantees.
     */
    public Map<String, Object> kafkaProducerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, MAX_IN_FLIGHT_LIMIT);
        // After a broker dies, the producer learns its partitions' new leaders by refreshing metadata, retried
        // with a back-off growing to retry.backoff.max.ms (default 1 s): 250 ms finds them sooner.
        props.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250);
        props.putAll(originalsWithPrefix(PRODUCER_PREFIX));
        props.keySet().removeAll(ENFORCED);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        return props;
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private final Map<String, Object> props = new HashMap<>();

        private Builder() {
        }

        public Builder bootstrapServers(String servers) {
            props.put(BOOTSTRAP_SERVERS_CONFIG, servers);
            return this;
        }

        public Builder schemaRegistryUrl(String url) {
            props.put(SCHEMA_REGISTRY_URL_CONFIG, url);
            return this;
        }

        public Builder topicPrefix(String prefix) {
            props.put(TOPIC_PREFIX_CONFIG, prefix);
            return this;
        }

        public Builder maxPayloadBytes(int bytes) {
            props.put(MAX_PAYLOAD_BYTES_CONFIG, bytes);
            return this;
        }

        /** A Kafka producer property, e.g. {@code producerProperty("client.id", "billing")}. */
        public Builder producerProperty(String key, Object value) {
            props.put(PRODUCER_PREFIX + Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public CourierProducerConfig build() {
            return new CourierProducerConfig(props);
        }
    }
}
