package dev.courier.producer;

import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * The pure mapping from one {@link OutgoingMessage} to the {@link SendEvent}s Courier publishes: one per
 * recipient, in recipient order, all sharing {@code messageId} and {@code sentAt}, {@code attempt = 1}.
 * Each event is keyed by its {@code recipientId} when published.
 */
public final class FanOut {

    private FanOut() {
    }

    public static List<SendEvent> events(OutgoingMessage message, String messageId, Instant sentAt) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(sentAt, "sentAt");
        byte[] payload = message.payloadUnsafe();
        List<SendEvent> events = new ArrayList<>(message.recipients().size());
        for (String recipient : message.recipients()) {
            events.add(SendEvent.newBuilder()
                    .setMessageId(messageId)
                    .setConversationId(message.conversationId())
                    .setSenderId(message.senderId())
                    .setRecipientId(recipient)
                    .setSentAt(sentAt)
                    // one buffer per event (its position is per event); the bytes are shared, never mutated
                    .setPayload(ByteBuffer.wrap(payload))
                    .setContentType(message.contentType())
                    .setAttempt(1)
                    .setHeaders(new LinkedHashMap<>(message.headers()))
                    .setSeq(message.seq().isPresent() ? message.seq().getAsLong() : null)
                    .build());
        }
        return events;
    }
}
