package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    private static final long MS = 1_000_000L;

    @Test
    void latencyIsFromTheScheduledSendTimeInMilliseconds() {
        LatencyStats stats = new LatencyStats(0);
        for (int i = 1; i <= 100; i++) {
            stats.record(1_000 * MS, 1_000 * MS + i * MS); // 1 ms .. 100 ms
        }

        LatencyStats.Snapshot s = stats.snapshot();

        assertEquals(100, s.count());
        assertEquals(50, s.p50Ms(), 0.1);
        assertEquals(99, s.p99Ms(), 0.1);
        assertEquals(100, s.maxMs(), 0.1);
    }

    @Test
    void messagesScheduledDuringTheWarmUpDoNotCount() {
        LatencyStats stats = new LatencyStats(10 * MS);
        stats.record(5 * MS, 500 * MS);   // warm-up: left out
        stats.record(10 * MS, 12 * MS);   // from the mark on: counted

        LatencyStats.Snapshot s = stats.snapshot();

        assertEquals(1, s.count());
        assertEquals(2, s.maxMs(), 0.01);
    }

    @Test
    void aDeliveryBeforeItsScheduleCountsAsZeroNotNegative() {
        LatencyStats stats = new LatencyStats(0);
        stats.record(10 * MS, 9 * MS);

        assertEquals(0, stats.snapshot().maxMs());
    }
}
