package dev.courier.schemas.serde;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryState;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** One filled-in example of each Courier record. */
final class Records {

    static final Instant T0 = Instant.ofEpochMilli(1_760_000_000_000L);

    static {
        AvroTrust.trustGeneratedClasses();
    }

    private Records() {
    }

    static SendEvent sendEvent() {
        return SendEvent.newBuilder()
                .setMessageId("0199a1b2-0000-7000-8000-000000000001")
                .setConversationId("conv-1")
                .setSenderId("alice")
                .setRecipientId("bob")
                .setSentAt(T0)
                .setPayload(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)))
                .setContentType("text/plain")
                .setAttempt(2)
                .setHeaders(Map.of("trace", "abc"))
                .setSeq(7L)
                .build();
    }

    static DeliveryAck deliveryAck() {
        return DeliveryAck.newBuilder()
                .setMessageId("m1").setRecipientId("bob").setStatus(AckStatus.REJECTED)
                .setAckedAt(T0).setDeliveredBy("consumer-1").setAttempt(3).setReason("mailbox full")
                .build();
    }

    static DeliveryStatus deliveryStatus() {
        return DeliveryStatus.newBuilder()
                .setMessageId("m1").setRecipientId("bob").setState(DeliveryState.PENDING).setAttempts(1)
                .setFirstAttemptAt(T0).setLastAttemptAt(T0).setNextDeadline(T0.plusSeconds(30)).setUpdatedAt(T0)
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setEvent(sendEvent()).setRawValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setReasonCode("MAX_ATTEMPTS").setReasonText("gave up after 5 attempts")
                .setMessageId("m1").setRecipientId("bob").setAttempts(5)
                .setOriginalTopic("courier.send").setOriginalPartition(3).setOriginalOffset(42L)
                .setDeadLetteredAt(T0)
                .build();
    }

    static PendingDelivery pendingDelivery() {
        return PendingDelivery.newBuilder()
                .setEvent(sendEvent()).setEarlyAck(AckStatus.DELIVERED).setDeadline(123L).setLastAttemptAt(100L)
                .build();
    }
}
