package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.gateway.IdempotencyRules.Decision;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.IdempotencyRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdempotencyRulesTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
    private static final Duration TAKEOVER = Duration.ofSeconds(60);

    private final IdempotencyRecord first = IdempotencyRules.reservation("m-1", "sha", T0);
    private final IdempotencyRecord second = IdempotencyRules.reservation("m-2", "sha", T0.plusMillis(1));
    private final SendReceipt receipt = new SendReceipt("m-1", List.of(new SendReceipt.Placement("bob", 3, 42)));
    private final IdempotencyRecord firstDone = IdempotencyRules.completion(first, receipt, T0.plusMillis(5));

    @Test
    void givenTwoReservationsRacingTheFirstInTheLogOwnsTheKey() {
        assertEquals(first, IdempotencyRules.owner(IdempotencyRules.owner(null, first), second));
    }

    @Test
    void givenTheOwnersCompletionItReplacesTheReservationAndNoLaterReservationDisplacesIt() {
        IdempotencyRecord owner = IdempotencyRules.owner(IdempotencyRules.owner(first, second), firstDone);
        assertEquals(firstDone, owner);
        assertEquals(firstDone, IdempotencyRules.owner(owner, second));
        assertEquals(firstDone, IdempotencyRules.owner(owner, first)); // a reaffirmed copy of the old reservation
    }

    @Test
    void givenCompactionLeftALosersReservationBeforeTheCompletionTheCompletionStillOwnsTheKey() {
        assertEquals(firstDone, IdempotencyRules.owner(IdempotencyRules.owner(null, second), firstDone));
    }

    @Test
    void aCompletedKeyWithTheSameBodyIsReplayed() {
        assertEquals(Decision.REPLAY, IdempotencyRules.decide(firstDone, "sha", T0.plusSeconds(3600), TAKEOVER));
        assertEquals(receipt, IdempotencyRules.receipt(firstDone));
    }

    @Test
    void aKeyUsedWithAnotherBodyIsReused() {
        assertEquals(Decision.REUSED, IdempotencyRules.decide(firstDone, "other", T0, TAKEOVER));
        assertEquals(Decision.REUSED, IdempotencyRules.decide(first, "other", T0, TAKEOVER));
    }

    @Test
    void aFreshReservationIsInProgressAndAnAbandonedOneIsResumed() {
        assertEquals(Decision.IN_PROGRESS, IdempotencyRules.decide(first, "sha", T0.plus(TAKEOVER).minusMillis(1), TAKEOVER));
        assertEquals(Decision.RESUME, IdempotencyRules.decide(first, "sha", T0.plus(TAKEOVER), TAKEOVER));
    }

    @Test
    void aReceiptCompletesOnlyItsOwnReservation() {
        assertThrows(IllegalStateException.class, () -> IdempotencyRules.completion(second, receipt, T0));
        assertThrows(IllegalStateException.class, () -> IdempotencyRules.receipt(first));
    }

    @Test
    void keysAreScopedBySenderAndChecked() {
        assertNotEquals(IdempotencyRules.recordKey("alice", "k1"), IdempotencyRules.recordKey("bob", "k1"));
        assertEquals("k-1_ok", IdempotencyRules.validKey("k-1_ok"));
        for (String bad : new String[] {"", "a/b", "with space", "é", "x".repeat(256)}) {
            ApiError error = assertThrows(ApiError.ApiException.class, () -> IdempotencyRules.validKey(bad), bad).error();
            assertEquals("Idempotency-Key", error.field());
        }
    }

    @Test
    void theFingerprintIsTheBodysSha256() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                IdempotencyRules.fingerprint("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
