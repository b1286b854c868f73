package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The filter and the loop guard: what a replay keeps of the records in its range. */
class ReplayFilterTest {

    private static SendEvent event(String messageId, String recipient, String conversation, String sender) {
        return SendEvent.newBuilder().setMessageId(messageId).setRecipientId(recipient).setConversationId(conversation)
                .setSenderId(sender).setSentAt(Instant.EPOCH).setPayload(ByteBuffer.wrap(new byte[0]))
                .setContentType("text/plain").build();
    }

    @Test
    void anyValueOfAnOptionAndEveryOptionGiven() {
        ReplayFilter filter = new ReplayFilter(Set.of("bob", "carol"), Set.of("c1"), null, null);
        assertTrue(filter.matches(event("m1", "bob", "c1", "alice")));
        assertTrue(filter.matches(event("m2", "carol", "c1", "dave")));
        assertFalse(filter.matches(event("m3", "erin", "c1", "alice")), "another recipient");
        assertFalse(filter.matches(event("m4", "bob", "c2", "alice")), "another conversation");
        assertTrue(ReplayFilter.all().matches(event("m5", "x", "y", "z")));
        ReplayFilter bySenderAndId = new ReplayFilter(null, null, Set.of("alice"), Set.of("m1"));
        assertTrue(bySenderAndId.matches(event("m1", "bob", "c1", "alice")));
        assertFalse(bySenderAndId.matches(event("m2", "bob", "c1", "alice")));
    }

    @Test
    void theLoopGuardLetsAMessageBeReplayedAtMostMaxReplaysTimesInAChain() {
        ReplayLoopGuard once = new ReplayLoopGuard(1);
        assertTrue(once.allows(0), "an original");
        assertFalse(once.allows(1), "a copy written by a replay");
        ReplayLoopGuard twice = new ReplayLoopGuard(2);
        assertTrue(twice.allows(1));
        assertFalse(twice.allows(2));
        assertThrows(IllegalArgumentException.class, () -> new ReplayLoopGuard(0));
    }
}
