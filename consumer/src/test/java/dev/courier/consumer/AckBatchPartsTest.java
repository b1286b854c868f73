package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How one partition's acks of one transaction are cut into AckBatch records. */
class AckBatchPartsTest {

    private static final long KIB = 1024;

    private static DeliveryAck ack(String messageId, Integer payloadBytes) {
        DeliveryAck.Builder b = DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId("bob")
                .setStatus(payloadBytes == null ? AckStatus.DELIVERED : AckStatus.RETRY)
                .setAckedAt(Instant.ofEpochMilli(1)).setDeliveredBy("c-1");
        if (payloadBytes != null) {
            b.setEvent(SendEvent.newBuilder().setMessageId(messageId).setConversationId("A").setSenderId("s")
                    .setRecipientId("bob").setSentAt(Instant.ofEpochMilli(1))
                    .setPayload(ByteBuffer.wrap(new byte[payloadBytes])).setContentType("x").build());
        }
        return b.build();
    }

    private static List<List<String>> ids(List<List<DeliveryAck>> parts) {
        return parts.stream().map(p -> p.stream().map(DeliveryAck::getMessageId).toList()).toList();
    }

    @Test
    void anAckIsEstimatedAtItsPayloadPlusAFixedOverhead() {
        assertEquals(300, AckBatchParts.estimatedBytes(ack("d", null)));
        assertEquals(1000 + 300, AckBatchParts.estimatedBytes(ack("r", 1000)));
    }

    @Test
    void noAcksIsOneEmptyPart() {
        assertEquals(List.of(List.of()), AckBatchParts.split(List.of(), AckBatchParts.MAX_PART_BYTES));
    }

    @Test
    void smallAcksStayInOnePart() {
        List<DeliveryAck> acks = List.of(ack("a", null), ack("b", 1000), ack("c", null));
        assertEquals(List.of(List.of("a", "b", "c")), ids(AckBatchParts.split(acks, AckBatchParts.MAX_PART_BYTES)));
    }

    @Test
    void aPartIsClosedBeforeItsEstimateReachesTheLimitAndTheOrderIsKept() {
        // 200 KiB + 300 each: two fit under 512 KiB, a third does not
        List<DeliveryAck> acks = List.of(ack("r1", 200 * (int) KIB), ack("d1", null), ack("r2", 200 * (int) KIB),
                ack("r3", 200 * (int) KIB), ack("r4", 100 * (int) KIB), ack("r5", 300 * (int) KIB));
        assertEquals(List.of(List.of("r1", "d1", "r2"), List.of("r3", "r4"), List.of("r5")),
                ids(AckBatchParts.split(acks, AckBatchParts.MAX_PART_BYTES)));
    }

    @Test
    void anAckOverTheLimitGoesAloneInItsPart() {
        List<DeliveryAck> acks = List.of(ack("a", null), ack("huge", 600 * (int) KIB), ack("b", null));
        assertEquals(List.of(List.of("a"), List.of("huge"), List.of("b")),
                ids(AckBatchParts.split(acks, AckBatchParts.MAX_PART_BYTES)));
    }

    @Test
    void manySmallAcksAreSplitByTheirOverheadAlone() {
        List<DeliveryAck> acks = java.util.stream.IntStream.range(0, 2000).mapToObj(i -> ack("m" + i, null)).toList();
        List<List<DeliveryAck>> parts = AckBatchParts.split(acks, AckBatchParts.MAX_PART_BYTES);
        // 512 KiB / 300 bytes: 1747 acks estimated below the limit, then a new part
        assertEquals(List.of(1747, 253), parts.stream().map(List::size).toList());
    }
}
