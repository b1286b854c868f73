package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLetterSummaryTest {

    @Test
    void countsEveryDeadLetterByReasonAndKeepsOnlyTheNewestNewestFirst() {
        DeadLetterSummary summary = new DeadLetterSummary(2);
        summary.add(DeadLetters.tracker(0, 0, "MAX_ATTEMPTS", "m1", 3_000));
        summary.add(DeadLetters.tracker(1, 0, "MAX_ATTEMPTS", "m2", 5_000));
        summary.add(DeadLetters.poison(0, 1, 4_000));
        summary.add(DeadLetters.tracker(1, 1, "EXPIRED", "m3", 1_000));

        DeadLetterSummary.Listing listing = summary.listing();

        assertEquals(4, listing.total());
        assertEquals(Map.of("MAX_ATTEMPTS", 2L, "WRONG_MAGIC_BYTE", 1L, "EXPIRED", 1L), listing.byReason());
        assertEquals(List.of("1-0", "0-1"), listing.newest().stream().map(DeadLetterSummary.Row::id).toList());
        assertEquals("1970-01-01T00:00:05Z", listing.newest().get(0).deadLetteredAt());
    }

    @Test
    void aRecordThatIsNotADeadLetterIsCountedUnderItsOwnReasonNotAnError() {
        DeadLetterSummary summary = new DeadLetterSummary(10);
        summary.add(DeadLetterEntry.undecodable(3, 9, 2_000, new byte[] {9}, "magic byte 0x09"));

        DeadLetterSummary.Listing listing = summary.listing();

        assertEquals(Map.of(DeadLetterEntry.UNDECODABLE_DEAD_LETTER, 1L), listing.byReason());
        DeadLetterSummary.Row row = listing.newest().get(0);
        assertEquals("3-9", row.id());
        assertEquals("1970-01-01T00:00:02Z", row.deadLetteredAt(), "the record's timestamp stands in");
    }
}
