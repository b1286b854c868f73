package dev.courier.operator;

import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Dead-letter entries for tests, written the way the tracker and the delivery consumers write them. */
final class DeadLetters {

    private DeadLetters() {
    }

    static SendEvent event(String messageId, String recipientId, int attempt) {
        return SendEvent.newBuilder().setMessageId(messageId).setConversationId("conv").setSenderId("alice")
                .setRecipientId(recipientId).setSentAt(Instant.ofEpochMilli(1_000))
                .setPayload(ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8))).setContentType("text/plain")
                .setAttempt(attempt).build();
    }

    /** As the tracker writes MAX_ATTEMPTS, EXPIRED and REJECTED: the event, no raw bytes. */
    static DeadLetterEntry tracker(int partition, long offset, String reason, String messageId, long atMs) {
        SendEvent event = event(messageId, "bob", 3);
        DeadLetter letter = DeadLetter.newBuilder().setEvent(event).setReasonCode(reason).setReasonText(reason)
                .setMessageId(messageId).setRecipientId("bob").setAttempts(3).setFirstAttemptAt(event.getSentAt())
                .setLastAttemptAt(Instant.ofEpochMilli(atMs)).setOriginalTopic("courier.send")
                .setDeadLetteredAt(Instant.ofEpochMilli(atMs)).build();
        return DeadLetterEntry.decoded(partition, offset, atMs, letter);
    }

    /** As a delivery consumer writes a record that does not decode: raw bytes, no event. */
    static DeadLetterEntry poison(int partition, long offset, long atMs) {
        DeadLetter letter = DeadLetter.newBuilder().setRawValue(ByteBuffer.wrap(new byte[] {1, 2, (byte) 0xff}))
                .setReasonCode("WRONG_MAGIC_BYTE").setReasonText("magic byte 0x01").setOriginalTopic("courier.send")
                .setOriginalPartition(2).setOriginalOffset(7L).setDeadLetteredAt(Instant.ofEpochMilli(atMs)).build();
        return DeadLetterEntry.decoded(partition, offset, atMs, letter);
    }
}
