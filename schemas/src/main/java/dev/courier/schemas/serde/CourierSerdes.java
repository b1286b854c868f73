package dev.courier.schemas.serde;

import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Courier's serdes. Values are Avro specific records in the Confluent wire format, subject
 * {@code <topic>-value}; keys are plain strings ({@code Serdes.String()}).
 */
public final class CourierSerdes {

    private CourierSerdes() {
    }

    /** A value serde for {@code type}; {@code client} stays the caller's to close. */
    public static <T extends SpecificRecord> Serde<T> value(Class<T> type, SchemaRegistryClient client) {
        return new CourierAvroSerde<>(type, client);
    }

    /**
     * The ack topic's value serde ({@link AckTopicValue#SCHEMA}): writes with the union, reads a
     * {@link dev.courier.schemas.DeliveryAck} or an {@link dev.courier.schemas.AckBatch}.
     */
    public static Serde<SpecificRecord> ackValue(SchemaRegistryClient client) {
        return new CourierAvroSerde<>(AckTopicValue.SCHEMA, client);
    }
}
