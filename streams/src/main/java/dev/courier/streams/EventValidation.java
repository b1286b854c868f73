package dev.courier.streams;

import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;

/** Checks that a decoded event carries what the tracker needs; returns what is wrong, or null. */
final class EventValidation {

    private EventValidation() {
    }

    static String checkSend(SendEvent e) {
        if (blank(e.getMessageId())) {
            return "send event without messageId";
        }
        if (blank(e.getRecipientId())) {
            return "send event " + e.getMessageId() + " without recipientId";
        }
        if (e.getAttempt() < 1) {
            return "send event " + e.getMessageId() + " with attempt " + e.getAttempt() + " (must be >= 1)";
        }
        if (e.getSentAt() == null || e.getSentAt().toEpochMilli() <= 0) {
            return "send event " + e.getMessageId() + " with sentAt " + e.getSentAt() + " (must be > 0)";
        }
        return null;
    }

    static String checkAck(DeliveryAck a) {
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
