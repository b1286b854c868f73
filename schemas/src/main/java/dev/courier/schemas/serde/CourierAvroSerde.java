package dev.courier.schemas.serde;

import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link CourierAvroSerializer} and {@link CourierAvroDeserializer} for one specific record class, sharing
 * one registry client. Build it with {@link CourierSerdes#value}, or with the no-arg constructor and
 * {@link #configure} (e.g. as a Kafka Streams default value serde) from
 * {@link CourierSerdeConfig#SCHEMA_REGISTRY_URL_CONFIG} and {@link CourierSerdeConfig#VALUE_TYPE_CONFIG}.
 */
public class CourierAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private CourierAvroSerializer<T> serializer;
    private CourierAvroDeserializer<T> deserializer;
    private SchemaRegistryClient ownedClient;

    /** Unconfigured; {@link #configure} supplies the registry and the value type. */
    public CourierAvroSerde() {
    }

    /** Reads into {@code type} using {@code client}, which stays the caller's to close. */
    public CourierAvroSerde(Class<T> type, SchemaRegistryClient client) {
        this.serializer = new CourierAvroSerializer<>(client);
        this.deserializer = new CourierAvroDeserializer<>(type, client);
    }

    /** Writes and reads with {@code schema} (a union of record types sharing a topic) using {@code client}. */
    CourierAvroSerde(Schema schema, SchemaRegistryClient client) {
        this.serializer = new CourierAvroSerializer<>(client, schema);
        this.deserializer = new CourierAvroDeserializer<>(schema, client);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (serializer == null) {
            CourierSerdeConfig config = new CourierSerdeConfig(configs);
            ownedClient = SchemaRegistryClients.fromConfigs(configs);
            serializer = new CourierAvroSerializer<>(ownedClient);
            deserializer = new CourierAvroDeserializer<>((Class<T>) config.valueType(), ownedClient);
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return requireConfigured(serializer);
    }

    @Override
    public Deserializer<T> deserializer() {
        return requireConfigured(deserializer);
    }

    private <S> S requireConfigured(S part) {
        if (part == null) {
            throw new IllegalStateException("serde not configured: use CourierSerdes.value(type, client) or call configure() with "
                    + CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG + " and " + CourierSerdeConfig.VALUE_TYPE_CONFIG);
        }
        return part;
    }

    @Override
    public void close() {
        if (ownedClient != null) {
            ownedClient.close();
        }
    }
}
