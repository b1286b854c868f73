package dev.courier.producer;

import org.apache.kafka.common.KafkaException;

/**
 * A send did not complete for at least one recipient. Some recipients' copies may have been written: to
 * finish the send, retry the same message with {@link OutgoingMessage.Builder#messageId(String)} set to
 * {@link #messageId()}; the delivery consumers de-duplicate by (messageId, recipientId), so nobody gets the
 * message twice.
 */
public class SendFailedException extends KafkaException {
    private final String messageId;
    private final String recipientId;

    public SendFailedException(String messageId, String recipientId, Throwable cause) {
        super("send of message " + messageId + " failed for recipient " + recipientId + ": " + cause, cause);
        this.messageId = messageId;
        this.recipientId = recipientId;
    }

    public String messageId() {
        return messageId;
    }

    /** The first recipient whose copy failed. */
    public String recipientId() {
        return recipientId;
    }
}
