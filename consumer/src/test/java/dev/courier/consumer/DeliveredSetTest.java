package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckStatus;
import org.junit.jupiter.api.Test;

class DeliveredSetTest {

    private static final long WINDOW = 1_000;

    private static DeliveredSet.Entry delivered(long at) {
        return new DeliveredSet.Entry(AckStatus.DELIVERED, null, at);
    }

    @Test
    void givenAnEmptySet_whenAKeyIsAckedInTheOpenBatch_thenItIsADuplicateWithinThatBatch() {
        DeliveredSet set = new DeliveredSet(WINDOW, 100);

        set.recordPending("m1", "bob", delivered(10));

        assertTrue(set.find("m1", "bob").isPresent());
        assertFalse(set.find("m1", "carol").isPresent(), "same message, other recipient");
        assertFalse(set.find("m2", "bob").isPresent(), "other message, same recipient");
        assertEquals(0, set.size());
        assertEquals(1, set.pendingSize());
    }

    @Test
    void givenAPendingAck_whenTheBatchCommits_thenItIsRemembered() {
        DeliveredSet set = new DeliveredSet(WINDOW, 100);
        set.recordPending("m1", "bob", delivered(10));

        set.commitBatch();

        assertEquals(1, set.size());
        assertEquals(0, set.pendingSize());
        assertEquals(AckStatus.DELIVERED, set.find("m1", "bob").orElseThrow().status());
    }

    @Test
    void givenAPendingAck_whenTheBatchAborts_thenItIsForgottenButCommittedOnesStay() {
        DeliveredSet set = new DeliveredSet(WINDOW, 100);
        set.recordCommitted("m0", "bob", delivered(5));
        set.recordPending("m1", "bob", delivered(10));

        set.abortBatch();

        assertFalse(set.find("m1", "bob").isPresent());
        assertTrue(set.find("m0", "bob").isPresent());
    }

    @Test
    void givenAcksOfDifferentAges_whenExpiring_thenOnlyThoseOlderThanTheWindowGo() {
        DeliveredSet set = new DeliveredSet(WINDOW, 100);
        set.recordCommitted("old", "bob", delivered(100));
        set.recordCommitted("edge", "bob", delivered(1_000));
        set.recordCommitted("new", "bob", delivered(1_900));

        int removed = set.expire(2_000);

        assertEquals(1, removed);
        assertFalse(set.find("old", "bob").isPresent());
        assertTrue(set.find("edge", "bob").isPresent(), "exactly window-old is kept");
        assertTrue(set.find("new", "bob").isPresent());
    }

    @Test
    void givenAnOldAck_whenItIsAckedAgain_thenItsAgeRestarts() {
        DeliveredSet set = new DeliveredSet(WINDOW, 100);
        set.recordCommitted("m1", "bob", delivered(100));
        set.recordCommitted("m2", "bob", delivered(200));
        set.recordPending("m1", "bob", delivered(1_500));
        set.commitBatch();

        set.expire(2_000);

        assertTrue(set.find("m1", "bob").isPresent());
        assertFalse(set.find("m2", "bob").isPresent());
    }

    @Test
    void givenAFullSet_whenMoreAcksArrive_thenTheOldestAreEvictedAndCounted() {
        DeliveredSet set = new DeliveredSet(WINDOW, 2);

        set.recordCommitted("m1", "bob", delivered(1));
        set.recordCommitted("m2", "bob", delivered(2));
        set.recordPending("m3", "bob", delivered(3));
        set.commitBatch();

        assertEquals(2, set.size());
        assertFalse(set.find("m1", "bob").isPresent());
        assertTrue(set.find("m3", "bob").isPresent());
        assertEquals(1, set.evictedOverCapacity());
    }

    @Test
    void givenARebuiltSet_whenMergingWhatThisInstanceCommitted_thenAcksMissingFromTheTopicAreKept() {
        DeliveredSet fromTopic = new DeliveredSet(WINDOW, 100);
        fromTopic.recordCommitted("m1", "bob", delivered(10));
        DeliveredSet previous = new DeliveredSet(WINDOW, 100);
        previous.recordCommitted("m1", "bob", delivered(10));
        previous.recordCommitted("m2", "bob", new DeliveredSet.Entry(AckStatus.REJECTED, "blocked", 20));

        fromTopic.mergeCommitted(previous);

        assertEquals(2, fromTopic.size());
        DeliveredSet.Entry m2 = fromTopic.find("m2", "bob").orElseThrow();
        assertEquals(AckStatus.REJECTED, m2.status());
        assertEquals("blocked", m2.reason());
    }

    @Test
    void refusesNonsensicalBounds() {
        assertThrows(IllegalArgumentException.class, () -> new DeliveredSet(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DeliveredSet(1, 0));
    }
}
