package dev.courier.consumer;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One message for one recipient, as handed to a {@link Deliverer}: the send event's fields and where it was
 * read from. {@code possibleRedelivery} is true when this (messageId, recipientId) may already have been
 * handed to a Deliverer whose ack never committed (see {@link DeliveryConsumer}); {@code replay} is true when
 * the record was written by {@code courier replay} (it may repeat a message delivered before, on the operator's
 * request, outside the conversation's seq order). {@link #toString()} never shows the payload.
 */
public record Delivery(
        String messageId,
        String recipientId,
        String conversationId,
        String senderId,
        OptionalLong seq,
        byte[] payload,
        String contentType,
        Map<String, String> headers,
        int attempt,
        Instant sentAt,
        String topic,
        int partition,
        long offset,
        boolean possibleRedelivery,
        boolean replay) {

    public Delivery {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(recipientId, "recipientId");
        Objects.requireNonNull(payload, "payload");
        seq = seq == null ? OptionalLong.empty() : seq;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A delivery that is not a replay. */
    public Delivery(String messageId, String recipientId, String conversationId, String senderId, OptionalLong seq,
                    byte[] payload, String contentType, Map<String, String> headers, int attempt, Instant sentAt,
                    String topic, int partition, long offset, boolean possibleRedelivery) {
        this(messageId, recipientId, conversationId, senderId, seq, payload, contentType, headers, attempt, sentAt,
                topic, partition, offset, possibleRedelivery, false);
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadSize() {
        return payload.length;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof Delivery d && partition == d.partition && offset == d.offset
                && topic.equals(d.topic) && messageId.equals(d.messageId) && recipientId.equals(d.recipientId)
                && attempt == d.attempt && possibleRedelivery == d.possibleRedelivery && replay == d.replay;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, messageId, recipientId, attempt);
    }

    /** Coordinates and ids only. */
    @Override
    public String toString() {
        return "Delivery[" + topic + "-" + partition + "@" + offset + " messageId=" + messageId
                + " recipientId=" + recipientId + " attempt=" + attempt
                + (possibleRedelivery ? " possibleRedelivery" : "") + (replay ? " replay" : "") + "]";
    }
}
