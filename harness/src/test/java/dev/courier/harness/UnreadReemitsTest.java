package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnreadReemitsTest {

    private final UnreadReemits reemits = new UnreadReemits();

    @Test
    void aReemitOfADeliveryAConsumerHadReadAndCommittedIsNotUnread() {
        // given attempt 1 at offset 5, read and committed (through 6) at t=1000
        send(0, 5, "m1", 1, 100);
        batch(0, 6, 1_000);
        // when the tracker re-emits it at t=2000
        send(0, 20, "m1", 2, 2_000);
        // then
        UnreadReemits.Result result = reemits.result();
        assertEquals(1, result.reemits());
        assertEquals(0, result.ofUnread());
    }

    @Test
    void aReemitOfADeliveryStillQueuedIsUnread() {
        // given attempt 1 at offset 5; the consumer committed only up to it, not past it
        send(0, 5, "m1", 1, 100);
        batch(0, 5, 1_000);
        // when
        send(0, 20, "m1", 2, 2_000);
        // then
        UnreadReemits.Result result = reemits.result();
        assertEquals(1, result.ofUnread());
        assertEquals(new UnreadReemits.Reemit(0, 20, "m1/u1", 2, 2_000, 5), result.unread().get(0));
    }

    @Test
    void aCommitAfterTheReemitDoesNotExcuseIt() {
        send(0, 5, "m1", 1, 100);
        send(0, 20, "m1", 2, 2_000);
        batch(0, 30, 2_001);

        assertEquals(1, reemits.result().ofUnread());
    }

    @Test
    void aCommitAtTheReemitsOwnMillisecondCounts() {
        send(0, 5, "m1", 1, 100);
        batch(0, 6, 2_000);
        send(0, 20, "m1", 2, 2_000);

        assertEquals(0, reemits.result().ofUnread());
    }

    @Test
    void onlyTheAckPartitionNumberedLikeTheSendPartitionCounts() {
        send(0, 5, "m1", 1, 100);
        batch(1, 100, 1_000);
        send(0, 20, "m1", 2, 2_000);

        assertEquals(1, reemits.result().ofUnread());
    }

    @Test
    void anyBatchPastTheOffsetWillDoEvenIfItsNeighboursAreLaterOrShort() {
        // given batches committed out of offset order, as several consumers across a rebalance may write them
        send(0, 7, "m1", 1, 100);
        batch(0, 3, 100);
        batch(0, 10, 5_000);
        batch(0, 8, 900);
        // when
        send(0, 20, "m1", 2, 1_000);
        // then: the batch through 8 at t=900 had read offset 7
        assertEquals(0, reemits.result().ofUnread());
    }

    @Test
    void aLaterAttemptIsJudgedAgainstTheAttemptBeforeIt() {
        // given attempt 1 read and committed, then re-emitted as attempt 2 at offset 50
        send(0, 5, "m1", 1, 100);
        batch(0, 6, 1_500);
        send(0, 50, "m1", 2, 2_000);
        // when attempt 3 comes while attempt 2 is still queued
        send(0, 60, "m1", 3, 3_000);
        // then attempt 2 was of a read delivery, attempt 3 of an unread one
        UnreadReemits.Result result = reemits.result();
        assertEquals(2, result.reemits());
        assertEquals(List.of(new UnreadReemits.Reemit(0, 60, "m1/u1", 3, 3_000, 50)), result.unread());
    }

    @Test
    void aReemitWhosePreviousAttemptIsNotFoundCountsAsUnread() {
        send(0, 20, "m1", 2, 2_000);
        batch(0, 100, 1_000);

        UnreadReemits.Result result = reemits.result();
        assertEquals(1, result.ofUnread());
        assertEquals(1, result.previousNotFound());
        assertEquals(-1, result.unread().get(0).previousOffset());
    }

    @Test
    void recordsMayArriveInAnyOrder() {
        // given the batch and the re-emit read before the first attempt (partitions read at different paces)
        batch(0, 6, 1_000);
        send(0, 20, "m1", 2, 2_000);
        send(0, 5, "m1", 1, 100);

        assertEquals(0, reemits.result().ofUnread());
    }

    @Test
    void aLoneDeliveryAckSaysNothingAboutWhatWasRead() {
        send(0, 5, "m1", 1, 100);
        reemits.acked(0, DeliveryAck.newBuilder().setMessageId("m1").setRecipientId("u1").setStatus(AckStatus.RETRY)
                .setAckedAt(Instant.ofEpochMilli(1_000)).setDeliveredBy("third-party").build());
        send(0, 20, "m1", 2, 2_000);

        assertEquals(1, reemits.result().ofUnread());
    }

    @Test
    void firstAttemptsAreNotReemits() {
        send(0, 5, "m1", 1, 100);
        send(1, 5, "m2", 1, 100);

        assertEquals(UnreadReemits.Result.NONE, reemits.result());
    }

    @Test
    void resultsOfSeparatelyJudgedPartitionsAddUp() {
        UnreadReemits.Reemit early = new UnreadReemits.Reemit(1, 9, "m2/u1", 2, 1_000, -1);
        UnreadReemits.Reemit late = new UnreadReemits.Reemit(0, 20, "m1/u1", 2, 2_000, 5);

        UnreadReemits.Result sum = new UnreadReemits.Result(3, 0, List.of(late))
                .plus(new UnreadReemits.Result(2, 1, List.of(early)));

        assertEquals(new UnreadReemits.Result(5, 1, List.of(early, late)), sum);
    }

    private void send(int partition, long offset, String messageId, int attempt, long atMs) {
        reemits.sent(partition, offset, atMs, SendEvent.newBuilder().setMessageId(messageId).setConversationId("c")
                .setSenderId("s").setRecipientId("u1").setSentAt(Instant.ofEpochMilli(0))
                .setPayload(ByteBuffer.wrap(new byte[] {1})).setContentType("text/plain").setAttempt(attempt).build());
    }

    private void batch(int partition, long committedThrough, long committedAtMs) {
        reemits.acked(partition, AckBatch.newBuilder().setSendPartition(partition).setCommittedThrough(committedThrough)
                .setFirstOffset(0).setCommittedAt(Instant.ofEpochMilli(committedAtMs)).setDeliveredBy("c-1")
                .setAcks(List.of()).build());
    }
}
