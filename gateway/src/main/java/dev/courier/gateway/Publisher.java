package dev.courier.gateway;

import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;

/** What the HTTP API asks of Kafka: publish one message, honouring its Idempotency-Key. */
interface Publisher {

    /** The receipt to answer with; {@code replayed} when it is an earlier request's (nothing was published now). */
    record Published(SendReceipt receipt, boolean replayed) {
    }

    /**
     * Returns once Kafka acknowledged every copy (acks=all), or with the receipt of the request that first used the key.
     *
     * @param recordKey the request's scoped Idempotency-Key ({@link IdempotencyRules#recordKey}), or null for none
     * @param fingerprint the request body's {@link IdempotencyRules#fingerprint}
     * @throws ApiError.ApiException 409 (the key is in progress), 422 (the key was used with another body),
     *         503 (Kafka did not answer in time)
     */
    Published publish(OutgoingMessage message, String recordKey, String fingerprint);
}
