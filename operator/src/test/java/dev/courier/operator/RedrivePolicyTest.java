package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RedrivePolicyTest {

    @Test
    void aMaxAttemptsDeadLetterIsRedrivenOnceUnlessForced() {
        DeadLetterEntry entry = DeadLetters.tracker(0, 1, "MAX_ATTEMPTS", "m1", 1_000);

        assertNull(RedrivePolicy.refusal(entry, false, false));
        assertEquals(RedrivePolicy.ALREADY_REDRIVEN, RedrivePolicy.refusal(entry, true, false));
        assertNull(RedrivePolicy.refusal(entry, true, true));
    }

    @Test
    void poisonIsNeverRedrivenEvenForced() {
        assertEquals(RedrivePolicy.NO_EVENT, RedrivePolicy.refusal(DeadLetters.poison(0, 2, 1_000), false, true));
        assertEquals(RedrivePolicy.NO_EVENT, RedrivePolicy.refusal(
                DeadLetterEntry.undecodable(0, 3, 1_000, new byte[] {1}, "not a dead letter"), false, true));
    }

    @Test
    void whatThePipelineWouldEndTheSameWayIsRefusedWithItsReason() {
        for (String reason : new String[] {"EXPIRED", "REJECTED", "INVALID_EVENT", "OVERSIZED_PAYLOAD"}) {
            assertEquals(reason, RedrivePolicy.refusal(DeadLetters.tracker(0, 1, reason, "m1", 1_000), false, true));
        }
    }
}
