package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeadLetterFilterTest {

    @Test
    void eachCriterionNarrowsAndAnAbsentOneMatchesEverything() {
        DeadLetterEntry maxAttempts = DeadLetters.tracker(0, 4, "MAX_ATTEMPTS", "m1", 5_000);
        DeadLetterEntry poison = DeadLetters.poison(1, 2, 5_000);

        assertTrue(DeadLetterFilter.ALL.matches(maxAttempts));
        assertTrue(DeadLetterFilter.ALL.matches(poison));
        assertTrue(new DeadLetterFilter("max_attempts", null, Set.of()).matches(maxAttempts), "reason, any case");
        assertFalse(new DeadLetterFilter("MAX_ATTEMPTS", null, Set.of()).matches(poison));
        assertTrue(new DeadLetterFilter(null, Instant.ofEpochMilli(5_000), Set.of()).matches(maxAttempts));
        assertFalse(new DeadLetterFilter(null, Instant.ofEpochMilli(5_001), Set.of()).matches(maxAttempts));
        assertTrue(new DeadLetterFilter(null, null, Set.of("m1", "m9")).matches(maxAttempts));
        assertFalse(new DeadLetterFilter(null, null, Set.of("m1")).matches(poison), "a poison record has no messageId");
    }

    @Test
    void anIdIsPartitionDashOffsetAndAnythingElseIsAMessageId() {
        assertEquals(Optional.of(new DeadLetterEntry.Id(3, 120)), DeadLetterEntry.Id.parse("3-120"));
        assertEquals("3-120", new DeadLetterEntry.Id(3, 120).toString());
        assertEquals(Optional.empty(), DeadLetterEntry.Id.parse("0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"));
        assertEquals(Optional.empty(), DeadLetterEntry.Id.parse("99999999999-1"), "partition out of int range");
    }
}
