package dev.courier.producer;

import java.util.List;
import java.util.Objects;

/**
 * Proof that every recipient's {@code SendEvent} of one message was acknowledged by Kafka (acks=all): the
 * message id, and where each recipient's copy was written, in recipient order.
 */
public record SendReceipt(String messageId, List<Placement> placements) {

    public SendReceipt {
        Objects.requireNonNull(messageId, "messageId");
        placements = List.copyOf(placements);
    }

    /** Where one recipient's copy of the message landed in the send topic. */
    public record Placement(String recipientId, int partition, long offset) {
        public Placement {
            Objects.requireNonNull(recipientId, "recipientId");
        }
    }
}
