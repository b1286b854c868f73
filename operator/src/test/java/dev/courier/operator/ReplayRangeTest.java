package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayRangeTest {

    private static final Instant T1 = Instant.parse("2025-01-01T10:00:00Z");
    private static final Instant T2 = Instant.parse("2025-01-01T11:00:00Z");

    @Test
    void parsesPartitionOffsetPairs() {
        assertEquals(Map.of(0, 100L, 1, 250L), ReplayRange.parseOffsets("0=100, 1=250"));
        for (String bad : List.of("0", "0=", "x=1", "0=-1", "0=1,0=2", "0=1;1=2")) {
            assertThrows(IllegalArgumentException.class, () -> ReplayRange.parseOffsets(bad), bad);
        }
    }

    @Test
    void anInvertedOrEmptyOrMixedRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ReplayRange.ofTimes(T2, T1));
        assertThrows(IllegalArgumentException.class, () -> ReplayRange.ofTimes(T1, T1));
        assertThrows(IllegalArgumentException.class, () -> ReplayRange.ofTimes(null, null));
        assertThrows(IllegalArgumentException.class, () -> ReplayRange.ofOffsets(Map.of(0, 10L), Map.of(0, 9L)));
        assertThrows(IllegalArgumentException.class, () -> new ReplayRange(T1, null, Map.of(0, 1L), null));
    }

    @Test
    void aTimeRangeIsResolvedWithTheTimeIndexOnEveryPartitionAndAnOpenEndIsTheLogEnd() {
        ReplayRange range = ReplayRange.ofTimes(T1, T2);
        ReplayRange.TimeIndex index = (p, t) -> p == 2 ? null : (t.equals(T1) ? 10L : 20L) + p;
        assertEquals(List.of(0, 1, 2), List.copyOf(range.partitions("t", 3)));
        assertEquals(new ReplayRange.Span(10, 20), range.span(0, 0, 50, index));
        assertEquals(new ReplayRange.Span(11, 21), range.span(1, 0, 50, index));
        assertEquals(0, range.span(2, 0, 50, index).size(), "nothing at or after the start: empty");
        assertEquals(new ReplayRange.Span(10, 50), ReplayRange.ofTimes(T1, null).span(0, 0, 50, index));
        assertEquals(new ReplayRange.Span(5, 20), ReplayRange.ofTimes(null, T2).span(0, 5, 50, index));
    }

    @Test
    void offsetsNameThePartitionsAndAreClampedToTheLog() {
        ReplayRange range = ReplayRange.ofOffsets(Map.of(0, 100L, 1, 250L), Map.of(1, 300L));
        assertEquals(List.of(0, 1), List.copyOf(range.partitions("t", 6)));
        ReplayRange.TimeIndex unused = (p, t) -> {
            throw new AssertionError("no time index for offsets");
        };
        assertEquals(new ReplayRange.Span(100, 180), range.span(0, 0, 180, unused), "open end: the log end");
        assertEquals(new ReplayRange.Span(250, 280), range.span(1, 0, 280, unused), "clamped to the log end");
        assertEquals(new ReplayRange.Span(120, 180), range.span(0, 120, 180, unused), "clamped to the log start");
        assertTrue(assertThrows(NotFoundException.class, () -> ReplayRange.ofOffsets(Map.of(9, 0L), null).partitions("t", 6))
                .getMessage().contains("no partition 9"));
    }
}
