package dev.courier.schemas.serde;

import dev.courier.schemas.DeadLetterReason;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record value that is not, or not readable as, Confluent-wire-format Avro: a poison record, never
 * worth retrying. (A registry that cannot be reached is a
 * {@link dev.courier.schemas.registry.SchemaRegistryException} instead, transient, so callers retry.)
 * {@link #reason()} names the failure in a form fit for a dead-letter reason code.
 */
public class WireFormatException extends SerializationException {

    private final DeadLetterReason reason;
    private final String topic;
    private final int schemaId;

    public WireFormatException(DeadLetterReason reason, String topic, int schemaId, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.topic = topic;
        this.schemaId = schemaId;
    }

    public DeadLetterReason reason() {
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
