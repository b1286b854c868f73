package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** One partition's state on its own: batch bookkeeping, flags, the gate's lifetime. */
class PartitionStateTest {

    private static final long DAY = 24L * 3600 * 1000;
    private static final long NOW = 10 * DAY;

    private final PartitionState state = new PartitionState(4, true, 600_000, DAY, 1000);

    /** As after its ack partition was read back to the end. */
    private static PartitionState ready(PartitionState s) {
        s.ledger().caughtUp(NOW);
        return s;
    }

    private static DeliveryAck ack(String messageId, AckStatus status) {
        return ackBuilder(messageId, status).build();
    }

    private static DeliveryAck.Builder ackBuilder(String messageId, AckStatus status) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId("bob").setStatus(status)
                .setAckedAt(Instant.ofEpochMilli(NOW)).setDeliveredBy("c-1").setAttempt(1);
    }

    /** The batch's one AckBatch (its acks are small: one part). */
    private AckBatch onlyBatch(String deliveredBy) {
        List<AckBatch> parts = state.ackBatches(Instant.ofEpochMilli(NOW), deliveredBy);
        assertEquals(1, parts.size(), "small acks: one AckBatch");
        return parts.get(0);
    }

    private static DeliveryAck retryWithPayload(String messageId, int payloadBytes) {
        SendEvent event = SendEvent.newBuilder().setMessageId(messageId).setConversationId("A").setSenderId("s")
                .setRecipientId("bob").setSentAt(Instant.ofEpochMilli(1)).setPayload(ByteBuffer.wrap(new byte[payloadBytes]))
                .setContentType("application/octet-stream").setAttempt(1).build();
        return ackBuilder(messageId, AckStatus.RETRY).setConversationId("A").setEvent(event).build();
    }

    @Test
    void acksWithLargeEventsAreWrittenInPartsWithTheSameProgressAndTheirOrderKept() {
        ready(state).beginBatch(50);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            state.ack(retryWithPayload("r" + i, 200 * 1024));
            ids.add("r" + i);
            state.ack(ack("d" + i, AckStatus.DELIVERED));
            ids.add("d" + i);
            state.handled(50 + i);
        }

        List<AckBatch> parts = state.ackBatches(Instant.ofEpochMilli(NOW), "c-1");

        assertTrue(parts.size() >= 4, "7 x 200 KiB in parts under 512 KiB: " + parts.size());
        for (AckBatch part : parts) {
            assertEquals(4, part.getSendPartition());
            assertEquals(50, part.getFirstOffset());
            assertEquals(57, part.getCommittedThrough());
            assertEquals(Instant.ofEpochMilli(NOW), part.getCommittedAt());
            assertEquals("c-1", part.getDeliveredBy());
            long estimate = part.getAcks().stream().mapToLong(AckBatchParts::estimatedBytes).sum();
            assertTrue(estimate < AckBatchParts.MAX_PART_BYTES, "estimated " + estimate);
            assertFalse(part.getAcks().isEmpty());
        }
        assertEquals(ids, parts.stream().flatMap(p -> p.getAcks().stream()).map(DeliveryAck::getMessageId).toList(),
                "every ack once, in handling order");
    }

    @Test
    void theAckBatchReportsTheBatchsOffsetsAndItsAcksInHandlingOrder() {
        ready(state).beginBatch(20);
        state.ack(ack("m2", AckStatus.HELD));
        state.handled(20);
        state.ack(ack("m1", AckStatus.DELIVERED));
        state.handled(21);
        state.handled(22);  // dead-lettered: no ack

        AckBatch batch = onlyBatch("c-1");

        assertEquals(4, batch.getSendPartition());
        assertEquals(20, batch.getFirstOffset());
        assertEquals(23, batch.getCommittedThrough());
        assertEquals(23, state.nextOffset());
        assertEquals(List.of("m2", "m1"), batch.getAcks().stream().map(DeliveryAck::getMessageId).toList());
        assertEquals("c-1", batch.getDeliveredBy());
    }

    @Test
    void aBatchWithoutAcksStillHasItsProgressReport() {
        ready(state).beginBatch(7);
        state.handled(7);

        AckBatch batch = onlyBatch("c-1");

        assertEquals(List.of(), batch.getAcks());
        assertEquals(8, batch.getCommittedThrough());
    }

    @Test
    void theNextBatchStartsWithNoAcks() {
        ready(state).beginBatch(0);
        state.ack(ack("m1", AckStatus.DELIVERED));
        state.handled(0);
        state.abortBatch();

        state.beginBatch(0);
        state.handled(0);

        assertEquals(List.of(), onlyBatch("c-1").getAcks(), "dropped with the abort");
    }

    @Test
    void anAckOutsideABatchBreaksAnInvariant() {
        ready(state);
        assertThrows(IllegalStateException.class, () -> state.ack(ack("m1", AckStatus.DELIVERED)));
        assertThrows(IllegalStateException.class, () -> state.ackBatches(Instant.ofEpochMilli(NOW), "c-1"));
    }

    @Test
    void anAbortFlagsWhatWasHandedAndRestoresTheFirstBatchCount() {
        ready(state.assigned(2));
        state.beginBatch(0);
        assertTrue(state.flagRead(0));
        state.handed(0, "m0/bob");
        assertTrue(state.flagRead(1));
        state.handed(1, "m1/bob");
        assertFalse(state.flagRead(2), "past the first max.poll.records");
        state.abortBatch();

        state.beginBatch(0);
        assertTrue(state.flagRead(0));
        assertTrue(state.flagRead(1));
        assertFalse(state.flagRead(2), "never handed");
        assertTrue(state.handedBefore(1));
        assertFalse(state.handedBefore(2));
    }

    @Test
    void aCommitKeepsTheStagedAcksAndTheFlagCountdown() {
        ready(state.assigned(1));
        state.beginBatch(0);
        state.flagRead(0);
        state.delivered().recordPending("m1", "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));
        state.handled(0);
        state.commitBatch(NOW);

        assertTrue(state.delivered().find("m1", "bob").isPresent());
        assertFalse(state.flagRead(1));
    }

    @Test
    void anAbortOfAPartitionNotInTheBatchOnlyDropsStagedState() {
        ready(state.assigned(3));
        state.delivered().recordPending("m1", "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));

        state.abortBatch();

        assertTrue(state.delivered().find("m1", "bob").isEmpty());
        assertTrue(state.flagRead(0), "flag count untouched");
        assertFalse(state.handedBefore(0));
    }

    @Test
    void forgettingAPartitionDropsFlagsAndHoldsButKeepsWhatWasDelivered() {
        ready(state.assigned(5));
        state.gate().retry("bob", "A", "a1", OptionalLong.of(1), NOW);
        state.gate().commitBatch();
        state.delivered().recordCommitted("m1", "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));

        state.forget();

        assertFalse(state.hasGate());
        assertFalse(state.flagRead(0));
        assertTrue(state.dedupeReady());
        assertTrue(state.delivered().find("m1", "bob").isPresent());
    }

    @Test
    void aPartitionIsNotReadyUntilItsAckPartitionIsReadBackAndAnAssignmentMakesItStaleAgain() {
        assertFalse(state.dedupeReady(), "new: not read back yet");
        ready(state).delivered().recordCommitted("mine", "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));

        state.forget();
        state.assigned(5);

        assertFalse(state.dedupeReady(), "handed back: the previous owner wrote to its ack partition");
        assertTrue(state.delivered().find("mine", "bob").isPresent(), "what was read and committed is kept, not re-read");
    }

    @Test
    void evictionsAreReportedOnceEach() {
        PartitionState small = ready(new PartitionState(1, true, 600_000, DAY, 2));
        for (int i = 0; i < 5; i++) {
            small.delivered().recordCommitted("m" + i, "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));
        }

        assertEquals(3, small.newEvictions());
        assertEquals(0, small.newEvictions());
    }

    @Test
    void withTheOrderHoldDisabledThereIsNoGate() {
        PartitionState noHold = new PartitionState(1, false, 600_000, DAY, 1000);
        assertNull(noHold.gate());
        assertFalse(noHold.hasGate());
    }

    @Test
    void restoredHoldsOweTheHeldMessageAndItsUnackedBlocker() {
        DeliveryAck held = ackBuilder("a3", AckStatus.HELD).setConversationId("A").setSeq(3L)
                .setHeldBehind("a1").setHeldBehindSeq(1L).build();
        DeliveryAck heldBehindAcked = ackBuilder("b2", AckStatus.HELD).setConversationId("B").setSeq(2L)
                .setHeldBehind("b1").setHeldBehindSeq(1L).build();
        ready(state).delivered().recordCommitted("b1", "bob", new DeliveredSet.Entry(AckStatus.DELIVERED, null, NOW));

        state.restoreHolds(List.of(held, heldBehindAcked), NOW, "consumer-2");

        assertEquals(2, state.gate().owed("bob", "A"), "a1 and a3");
        assertEquals(1, state.gate().owed("bob", "B"), "b2 only: b1 was acked");
    }

    @Test
    void aRestoredHeldMessageWithoutItsCopyIsAskedForWithARetryInTheNextAckBatchUntilOneCommits() {
        DeliveryAck held = ackBuilder("a3", AckStatus.HELD).setConversationId("A").setSeq(3L)
                .setHeldBehind("a1").setHeldBehindSeq(1L).setAttempt(2).build();
        DeliveryAck retried = ackBuilder("a1", AckStatus.RETRY).setConversationId("A").setSeq(1L).build();
        ready(state).restoreHolds(List.of(retried, held), NOW, "consumer-2");

        // an aborted batch does not use the request up
        state.beginBatch(100);
        state.handled(100);
        state.abortBatch();
        state.beginBatch(100);
        state.handled(100);
        List<DeliveryAck> acks = onlyBatch("consumer-2").getAcks();
        assertEquals(1, acks.size(), "only the HELD one: a RETRY'd message comes back by re-emit anyway");
        DeliveryAck request = acks.get(0);
        assertEquals("a3", request.getMessageId());
        assertEquals(AckStatus.RETRY, request.getStatus());
        assertEquals(2, request.getAttempt(), "the attempt the tracker holds");
        assertEquals("consumer-2", request.getDeliveredBy());
        assertEquals(3L, request.getSeq());
        state.commitBatch(NOW);

        state.beginBatch(101);
        state.handled(101);
        assertTrue(onlyBatch("consumer-2").getAcks().isEmpty(), "sent once");
    }

    @Test
    void aPartitionHandedBackRestoresTheHoldItsOwnCommittedRetryLeftEvenWhenItsOwnWritesCountAsRead() {
        ready(state).ledger().advanceTo(100);
        state.beginBatch(10);
        state.ack(ackBuilder("m1", AckStatus.RETRY).setConversationId("A").setSeq(1L).build());
        state.ack(ackBuilder("m0", AckStatus.DELIVERED).setConversationId("A").setSeq(0L).build());
        state.handled(10);
        state.handled(11);
        state.commitBatch(NOW); // no AckBatch write recorded: the read position stays or moves, holds follow either way

        state.forget();
        state.assigned(500);
        state.ledger().caughtUp(NOW); // nothing new in the ack topic since

        List<DeliveryAck> holds = state.ledger().holds(NOW);
        assertEquals(List.of("m1"), holds.stream().map(DeliveryAck::getMessageId).toList(),
                "the own RETRY of m1 is a hold again; the own DELIVERED of m0 is none");
    }

    @Test
    void anOwnSettlingAckEndsAHoldReadBackFromAnotherOwner() {
        ready(state).ledger().apply(5, List.of(ackBuilder("m1", AckStatus.RETRY).setConversationId("A").setSeq(1L).build()));
        state.beginBatch(10);
        state.ack(ackBuilder("m1", AckStatus.DELIVERED).setConversationId("A").setSeq(1L).build());
        state.handled(10);
        state.commitBatch(NOW);

        state.forget();
        state.assigned(500);
        state.ledger().caughtUp(NOW);

        assertTrue(state.ledger().holds(NOW).isEmpty(), "m1 was delivered by this instance: no hold restored");
    }

    @Test
    void aFlagSticksToItsDeliverySoALaterCopyIsFlaggedUntilASettlingAckCommits() {
        ready(state.assigned(1));
        state.beginBatch(0);
        assertTrue(state.flagDelivery("m1/bob", state.flagRead(0)), "the first record after the assignment");
        assertFalse(state.flagDelivery("m2/bob", state.flagRead(1)));
        assertTrue(state.flagDelivery("m1/bob", false), "a newer copy of m1 (a re-emit) carries the flag");
        state.ack(ack("m1", AckStatus.DELIVERED));
        state.handled(1);
        state.commitBatch(NOW);

        assertFalse(state.flagDelivery("m1/bob", false), "settled: de-duplication answers any later copy");
    }

    @Test
    void whatAnAbortedBatchHandedIsFlaggedInEveryLaterCopyNotOnlyAtItsOffset() {
        ready(state);
        state.beginBatch(10);
        state.handed(10, "m1/bob");
        state.abortBatch();

        state.beginBatch(10);
        assertTrue(state.flagDelivery("m1/bob", false), "a re-emit of m1 at another offset");
        assertFalse(state.flagDelivery("m2/bob", false));
    }

    @Test
    void theMessagesOfRestoredHoldsAreFlaggedForThePreviousOwnerMayHaveHandedThem() {
        ready(state);
        state.restoreHolds(List.of(ackBuilder("a2", AckStatus.HELD).setConversationId("A").setSeq(2L)
                .setHeldBehind("a1").setHeldBehindSeq(1L).build()), NOW, "c-2");

        assertTrue(state.flagDelivery(CourierTopics.deliveryKey("a2", "bob"), false), "the held copy the previous owner had");
        state.forget();
        assertFalse(state.flagDelivery(CourierTopics.deliveryKey("a2", "bob"), false), "gone with the partition");
    }
}
