package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ConversationGateTest {

    private static final long MAX_HOLD = 1_000;
    private static final OptionalLong NO_SEQ = OptionalLong.empty();

    private final ConversationGate<String> gate = new ConversationGate<>(MAX_HOLD);

    private static OptionalLong seq(long s) {
        return OptionalLong.of(s);
    }

    /** bob's conversation c: message m1 (seq 1) answered RETRY at t=0, committed. */
    private void givenBobC1Retried() {
        gate.retry("bob", "c", "m1", seq(1), 0);
        gate.commitBatch();
    }

    @Test
    void givenNothingOwed_whenAMessageArrives_thenItPasses() {
        assertFalse(gate.hold("bob", "c", "m1", seq(1), "item-m1"));
        assertFalse(gate.isBlocked("bob", "c"));
    }

    @Test
    void givenARetryOnSeq1_whenLaterMessagesOfTheConversationArrive_thenTheyAreHeldAndOwed() {
        givenBobC1Retried();

        assertTrue(gate.hold("bob", "c", "m2", seq(2), "item-m2"));
        assertTrue(gate.hold("bob", "c", "m3", seq(3), "item-m3"));

        assertEquals(3, gate.owed("bob", "c"));
    }

    @Test
    void givenARetryOnSeq1_whenOtherConversationsOrOlderOrUnsequencedMessagesArrive_thenTheyPass() {
        givenBobC1Retried();

        assertFalse(gate.hold("bob", "other", "x2", seq(2), "item-x2"), "another conversation of the same recipient");
        assertFalse(gate.hold("carol", "c", "y2", seq(2), "item-y2"), "the same conversation id, another recipient");
        assertFalse(gate.hold("bob", "c", "m0", seq(0), "item-m0"), "an older message");
        assertFalse(gate.hold("bob", "c", "n", NO_SEQ, "item-n"), "no seq: no order to keep");
        assertFalse(gate.hold("bob", "c", "m1", seq(1), "item-m1"), "the blocker itself");
        assertEquals(1, gate.owed("bob", "c"));
    }

    @Test
    void givenAnUnsequencedRetry_whenLaterMessagesArrive_thenNothingIsHeld() {
        gate.retry("bob", "c", "n", NO_SEQ, 0);
        gate.commitBatch();

        assertFalse(gate.isBlocked("bob", "c"));
        assertFalse(gate.hold("bob", "c", "m2", seq(2), "item-m2"));
    }

    @Test
    void givenHeldMessages_whenTheBlockerIsSettled_thenTheyPassOnlyInSeqOrder() {
        givenBobC1Retried();
        gate.hold("bob", "c", "m2", seq(2), "item-m2");
        gate.hold("bob", "c", "m3", seq(3), "item-m3");
        gate.commitBatch();

        gate.settled("bob", "c", "m1", 10);

        assertTrue(gate.hold("bob", "c", "m3", seq(3), "item-m3"), "m3's re-emit came first: m2 is still owed");
        assertFalse(gate.hold("bob", "c", "m2", seq(2), "item-m2"));
        gate.settled("bob", "c", "m2", 11);
        assertFalse(gate.hold("bob", "c", "m3", seq(3), "item-m3"));
        gate.settled("bob", "c", "m3", 12);
        gate.commitBatch();
        assertFalse(gate.isBlocked("bob", "c"));
        assertEquals(0, gate.blockedConversations());
    }

    @Test
    void givenABlockAtSeq5_whenAnOlderMessageIsRetried_thenTheOldBlockerWaitsForIt() {
        gate.retry("bob", "c", "m5", seq(5), 0);

        assertFalse(gate.hold("bob", "c", "m3", seq(3), "item-m3"));
        gate.retry("bob", "c", "m3", seq(3), 1);

        assertTrue(gate.hold("bob", "c", "m5", seq(5), "item-m5"));
    }

    @Test
    void givenChangesInTheOpenBatch_whenItAborts_thenTheCommittedStateIsBack() {
        givenBobC1Retried();
        gate.settled("bob", "c", "m1", 5);
        gate.retry("bob", "d", "x1", seq(1), 5);
        assertFalse(gate.isBlocked("bob", "c"), "the open batch sees its own changes");

        gate.abortBatch();

        assertTrue(gate.isBlocked("bob", "c"));
        assertTrue(gate.hold("bob", "c", "m2", seq(2), "item-m2"));
        gate.abortBatch();
        assertEquals(1, gate.owed("bob", "c"), "the aborted hold is not owed");
        assertFalse(gate.isBlocked("bob", "d"));
    }

    @Test
    void givenABlockWithoutProgress_whenMaxHoldPasses_thenItIsGivenUpAndLaterMessagesFlow() {
        givenBobC1Retried();
        gate.hold("bob", "c", "m2", seq(2), "item-m2");
        gate.commitBatch();

        assertEquals(List.of(), gate.expire(MAX_HOLD - 1));
        List<ConversationGate.Expired> expired = gate.expire(MAX_HOLD);

        assertEquals(List.of(new ConversationGate.Expired("bob", "c", "m1", 1, 2, 0)), expired);
        assertFalse(gate.hold("bob", "c", "m2", seq(2), "item-m2"));
    }

    @Test
    void givenABlockThatMadeProgress_whenMaxHoldPassesSinceTheBlock_thenTheClockRestartedAtTheProgress() {
        givenBobC1Retried();
        gate.hold("bob", "c", "m2", seq(2), "item-m2");
        gate.hold("bob", "c", "m3", seq(3), "item-m3");
        gate.settled("bob", "c", "m1", 800);
        gate.commitBatch();

        assertEquals(List.of(), gate.expire(MAX_HOLD));
        assertTrue(gate.hold("bob", "c", "m3", seq(3), "item-m3"));
        assertEquals(1, gate.expire(800 + MAX_HOLD).size());
    }

    @Test
    void givenAnOwedMessage_whenItIsRetriedAgain_thenTheBlockClockIsNotRestarted() {
        givenBobC1Retried();
        gate.retry("bob", "c", "m1", seq(1), 900);
        gate.commitBatch();

        assertEquals(1, gate.expire(MAX_HOLD).size());
    }

    @Test
    void givenHeldMessages_whenTheBlockerIsSettled_thenTheyAreReleasableLowestSeqFirst() {
        givenBobC1Retried();
        gate.hold("bob", "c", "m3", seq(3), "item-m3");
        gate.hold("bob", "c", "m2", seq(2), "item-m2");
        assertEquals(Optional.empty(), gate.releasable("bob", "c"), "the blocker is owed by a RETRY: nothing to release");

        gate.settled("bob", "c", "m1", 10);
        assertEquals(Optional.of("item-m2"), gate.releasable("bob", "c"));
        gate.settled("bob", "c", "m2", 11);
        assertEquals(Optional.of("item-m3"), gate.releasable("bob", "c"));
        gate.retry("bob", "c", "m3", seq(3), 12);
        assertEquals(Optional.empty(), gate.releasable("bob", "c"), "a released message answered RETRY blocks again");
        assertTrue(gate.isBlocked("bob", "c"));
    }

    @Test
    void givenAHeldMessage_whenItsReEmitIsHeldToo_thenTheNewerCopyIsReleased() {
        givenBobC1Retried();
        gate.hold("bob", "c", "m2", seq(2), "m2-attempt-1");
        gate.commitBatch();
        gate.hold("bob", "c", "m2", seq(2), "m2-attempt-2");
        gate.settled("bob", "c", "m1", 10);
        assertEquals(Optional.of("m2-attempt-2"), gate.releasable("bob", "c"));
        gate.abortBatch();
        assertEquals(Optional.empty(), gate.releasable("bob", "c"), "an aborted batch's changes are gone");
    }

    @Test
    void aNonPositiveMaxHoldIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ConversationGate<String>(0));
    }
}
