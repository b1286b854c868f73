package dev.courier.consumer;

import org.apache.kafka.common.KafkaException;

/**
 * A delivery consumer was started with the consumer id of another one that is running in the same group: its
 * transactional.id would fence the other's and be fenced back, forever. The message is one sentence for an operator.
 */
public final class ConsumerIdInUseException extends KafkaException {

    public ConsumerIdInUseException(String message) {
        super(message);
    }
}
