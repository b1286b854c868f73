package dev.courier.consumer;

import dev.courier.schemas.registry.SchemaRegistryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The schema registry could not answer while a batch was processed: the batch is aborted and retried, the
 * record is never dead-lettered (the registry's state says nothing about it).
 */
final class RegistryUnavailable extends KafkaException {

    private final String coordinates;

    /** While reading or writing {@code rec}. */
    RegistryUnavailable(ConsumerRecord<?, ?> rec, SchemaRegistryException cause) {
        this(rec.topic() + "-" + rec.partition() + "@" + rec.offset(), cause);
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
