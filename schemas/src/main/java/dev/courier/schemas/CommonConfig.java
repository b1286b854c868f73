package dev.courier.schemas;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The configuration keys every Courier component shares (producer, delivery consumer, tracker, gateway), defined
 * once with one doc and one validator each: every component's {@code ConfigDef} starts from {@link #define}.
 */
public final class CommonConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to bootstrap from, host:port[,host:port...].";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC = "Schema registry speaking the Confluent REST API: "
            + "http(s)://host:port, a comma-separated list of them, or mem://<name> for a process-local in-memory one "
            + "(tests, demos).";

    public static final String TOPIC_PREFIX_CONFIG = "courier.topic.prefix";
    public static final String TOPIC_PREFIX_DOC = "Prefix of Courier's topic names: <prefix>.send, <prefix>.ack, "
            + "<prefix>.status, <prefix>.dead-letter, ...";

    public static final String MAX_PAYLOAD_BYTES_CONFIG = "courier.max.payload.bytes";
    public static final String MAX_PAYLOAD_BYTES_DOC = "Largest payload of a send event, in bytes; keep it the same in "
            + "every component. CourierProducer refuses a bigger one before sending (InvalidMessageException), a delivery "
            + "consumer dead-letters one written around it (OVERSIZED_PAYLOAD) and the tracker does not track it. Keep it "
            + "well below the broker's message.max.bytes and the producer's max.request.size (1 MiB by default).";
    public static final int MAX_PAYLOAD_BYTES_DEFAULT = EventChecks.DEFAULT_MAX_PAYLOAD_BYTES;
    /** The largest {@link #MAX_PAYLOAD_BYTES_CONFIG} accepted anywhere. */
    public static final int MAX_PAYLOAD_BYTES_LIMIT = 8 * 1024 * 1024;

    private CommonConfig() {
    }

    /** Adds the four shared keys to {@code def} and returns it. */
    public static ConfigDef define(ConfigDef def) {
        return defineSchemaRegistryUrl(def)
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(TOPIC_PREFIX_CONFIG, Type.STRING, CourierTopics.DEFAULT_PREFIX,
                        new ConfigDef.NonEmptyStringWithoutControlChars(), Importance.MEDIUM, TOPIC_PREFIX_DOC)
                .define(MAX_PAYLOAD_BYTES_CONFIG, Type.INT, MAX_PAYLOAD_BYTES_DEFAULT,
                        Range.between(1, MAX_PAYLOAD_BYTES_LIMIT), Importance.MEDIUM, MAX_PAYLOAD_BYTES_DOC);
    }

    /** Adds {@link #SCHEMA_REGISTRY_URL_CONFIG} alone (the serde's config needs no other shared key). */
    public static ConfigDef defineSchemaRegistryUrl(ConfigDef def) {
        return def.define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                new ConfigDef.NonEmptyString(), Importance.HIGH, SCHEMA_REGISTRY_URL_DOC);
    }
}
