package dev.courier.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value that is not, or not readable as, Confluent-wire-format Avro: a poison record, never
 * worth retrying. (A registry that cannot be reached is a
 * {@link dev.courier.schemas.registry.SchemaRegistryException} instead, transient, so callers retry.)
 * {@link #reason()} names the failure in a form fit for a dead-letter reason code.
 */
public class WireFormatException extends SerializationException {

    public enum Reason {
        /** The first byte is not {@link WireFormat#MAGIC_BYTE}: not written by a Confluent-format serializer. */
        WRONG_MAGIC_BYTE,
        /** The registry does not know the schema id in the header. */
        UNKNOWN_SCHEMA_ID,
        /** The Avro body cannot be decoded with the writer schema, or not resolved to the reader schema. */
        UNDECODABLE,
        /** Fewer bytes than the 5-byte header. */
        TOO_SHORT,
        /**
         * The Avro body declares a string, bytes or collection longer than {@link AvroLimits} allow (more than
         * a Kafka record can hold): a crafted or corrupt length, refused before Avro allocates it.
         */
        LIMIT_EXCEEDED
    }

    private final Reason reason;
    private final String topic;
    private final int schemaId;

    public WireFormatException(Reason reason, String topic, int schemaId, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.topic = topic;
        this.schemaId = schemaId;
    }

    public Reason reason() {
        return reason;
    }

    public String topic() {
        return topic;
    }

    /** The schema id read from the header, or -1 when the header was not readable. */
    public int schemaId() {
        return schemaId;
    }
}
