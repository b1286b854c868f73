package dev.courier.schemas.serde;

import dev.courier.schemas.CommonConfig;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** What Courier's Avro serde reads from a Kafka client's configs when built the Kafka way. */
public final class CourierSerdeConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = CommonConfig.SCHEMA_REGISTRY_URL_CONFIG;

    public static final String VALUE_TYPE_CONFIG = "courier.value.type";
    private static final String VALUE_TYPE_DOC = "The Avro-generated SpecificRecord class to deserialize into, "
            + "e.g. dev.courier.schemas.SendEvent. Required by the deserializer; the serializer takes the "
            + "schema from each record.";

    private static final ConfigDef CONFIG = CommonConfig.defineSchemaRegistryUrl(new ConfigDef())
            .define(VALUE_TYPE_CONFIG, ConfigDef.Type.CLASS, null, ConfigDef.Importance.HIGH, VALUE_TYPE_DOC);

    public CourierSerdeConfig(Map<String, ?> originals) {
        super(CONFIG, originals, false);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    /** The configured value class, checked to be a {@link SpecificRecord}. */
    public Class<? extends SpecificRecord> valueType() {
        Class<?> type = getClass(VALUE_TYPE_CONFIG);
        if (type == null) {
            throw new ConfigException(VALUE_TYPE_CONFIG + " is required to deserialize: set it to the Avro "
                    + "SpecificRecord class to read, e.g. dev.courier.schemas.SendEvent");
        }
        if (!SpecificRecord.class.isAssignableFrom(type)) {
            throw new ConfigException(VALUE_TYPE_CONFIG, type.getName(), "not an Avro SpecificRecord class");
        }
        return type.asSubclass(SpecificRecord.class);
    }
}
