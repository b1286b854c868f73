package dev.courier.schemas;

/**
 * What makes a decoded event usable, in one place: the delivery consumers and the tracker must agree, or
 * the tracker would keep re-emitting an event the consumers dead-letter. Each check returns what is wrong,
 * naming the field, or null.
 */
public final class EventChecks {

    /** Largest payload Courier delivers by default (the producer refuses bigger, consumers dead-letter them). */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

    /** Default time-to-live of a message: how long after sentAt it is still worth delivering. */
    public static final long DEFAULT_MESSAGE_TTL_MS = 14L * 24 * 3600 * 1000;

    private EventChecks() {
    }

    /** What is wrong with a send event's fields, or null if nothing. */
    public static String checkSend(SendEvent e) {
        if (e == null) {
            return "null value (tombstone) on the send topic";
        }
        if (blank(e.getMessageId())) {
            return "messageId is missing or blank";
        }
        if (blank(e.getRecipientId())) {
            return "recipientId is missing or blank (messageId " + e.getMessageId() + ")";
        }
        if (blank(e.getConversationId())) {
            return "conversationId is missing or blank (messageId " + e.getMessageId() + ")";
        }
        if (blank(e.getSenderId())) {
            return "senderId is missing or blank (messageId " + e.getMessageId() + ")";
        }
        if (e.getPayload() == null) {
            return "payload is missing (messageId " + e.getMessageId() + ")";
        }
        if (e.getAttempt() < 1) {
            return "attempt " + e.getAttempt() + " is below 1 (messageId " + e.getMessageId() + ")";
        }
        if (e.getSentAt() == null || e.getSentAt().toEpochMilli() <= 0) {
            return "sentAt " + e.getSentAt() + " is not a time (messageId " + e.getMessageId() + ")";
        }
        return null;
    }

    /** What is wrong with a payload's size, or null if it is within {@code maxPayloadBytes}. */
    public static String checkPayloadSize(SendEvent e, int maxPayloadBytes) {
        int size = e.getPayload().remaining();
        return size > maxPayloadBytes
                ? "payload of " + size + " bytes exceeds the limit of " + maxPayloadBytes + " bytes (messageId "
                        + e.getMessageId() + ")"
                : null;
    }

    /**
     * Why a send event read at {@code nowMs} is past its time-to-live ({@code sentAt + ttlMs}), or null if it is
     * not: the delivery consumers dead-letter it instead of delivering it, as the tracker does for one it tracks.
     */
    public static String checkExpiry(SendEvent e, long ttlMs, long nowMs) {
        long sentAt = e.getSentAt().toEpochMilli();
        long expiresAt = sentAt + ttlMs < sentAt ? Long.MAX_VALUE : sentAt + ttlMs;
        return nowMs >= expiresAt
                ? "not delivered within its time-to-live of " + ttlMs + " ms (sent at " + e.getSentAt() + ", messageId "
                        + e.getMessageId() + ")"
                : null;
    }

    /**
     * Whether an ack with this status settles its delivery: DELIVERED, READ and REJECTED do; HELD (held back
     * by the delivery consumer to keep a conversation in order) and RETRY (not delivered, to be re-emitted)
     * do not. Every reader of the ack topic that counts deliveries asks this.
     */
    public static boolean settles(AckStatus status) {
        return status != AckStatus.HELD && status != AckStatus.RETRY;
    }

    /** What is wrong with an ack's fields, or null if nothing. */
    public static String checkAck(DeliveryAck a) {
        if (blank(a.getMessageId())) {
            return "ack without messageId";
        }
        if (blank(a.getRecipientId())) {
            return "ack for " + a.getMessageId() + " without recipientId";
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
