package dev.courier.consumer;

import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.NotFoundGrace;
import dev.courier.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The schema registry could not answer while a batch was processed, or does not know a record's schema id yet
 * (within {@link NotFoundGrace}): the batch is aborted and retried, the record is not dead-lettered.
 */
final class RegistryUnavailable extends KafkaException {

    private final String coordinates;

    /** While reading or writing {@code rec}. */
    RegistryUnavailable(ConsumerRecord<?, ?> rec, SchemaRegistryException cause) {
        this(rec.topic() + "-" + rec.partition() + "@" + rec.offset(), cause);
    }

    /** The registry does not know the schema id of {@code rec} (yet): retried within {@code graceMs} of the first 404. */
    RegistryUnavailable(ConsumerRecord<?, ?> rec, WireFormatException notFound, long graceMs) {
        super("schema id " + notFound.schemaId() + " not found (yet): retried for up to " + graceMs
                + " ms in case a registry instance lags, then dead-lettered", notFound);
        this.coordinates = rec.topic() + "-" + rec.partition() + "@" + rec.offset();
    }

    /** While doing what {@code coordinates} says (e.g. "ledger rebuild", "courier.ack-2 (ack batch)"). */
    RegistryUnavailable(String coordinates, SchemaRegistryException cause) {
        super("schema registry unavailable: " + cause.getMessage(), cause);
        this.coordinates = coordinates;
    }

    /** Where it happened, for the log. */
    String coordinates() {
        return coordinates;
    }
}
