package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LagTrendTest {

    @Test
    void flatLagAroundABatchIsNotGrowing() {
        LagTrend trend = new LagTrend(0.05, 500);
        for (int s = 0; s < 20; s++) {
            trend.add(s * 500L, 300 + (s % 2) * 50);
        }
        assertFalse(trend.growing(10_000));
    }

    @Test
    void lagRisingFasterThanTheToleranceIsGrowing() {
        LagTrend trend = new LagTrend(0.05, 500);
        for (int s = 0; s < 10; s++) {
            trend.add(s * 1000L, 1000L * s);
        }
        assertEquals(1000, trend.slopePerSecond(), 1e-6);
        assertTrue(trend.growing(10_000));
    }

    @Test
    void risingButStillBelowTheFloorIsNotGrowing() {
        LagTrend trend = new LagTrend(0.05, 500);
        for (int s = 0; s < 10; s++) {
            trend.add(s * 1000L, 40L * s);
        }
        assertFalse(trend.growing(100));
    }

    @Test
    void tooFewSamplesSayNothing() {
        LagTrend trend = new LagTrend(0.05, 0);
        trend.add(0, 0);
        trend.add(1000, 1_000_000);
        assertFalse(trend.growing(1));
    }

    @Test
    void aStageWhoseRecordsAreNotMessagesIsJudgedAgainstItsOwnInputRate() {
        // the tracker reads ~100 AckBatches/s while 3,000 messages/s are delivered; it falls behind by 40/s
        LagTrend trend = new LagTrend(0.05, 100);
        for (int s = 0; s < 20; s++) {
            trend.add(s * 1000L, 150 + 40L * s);
        }
        assertFalse(trend.growing(3_000), "against the message rate the growth is invisible");
        assertTrue(trend.growing(100, 2));
    }

    @Test
    void aStageAFewSecondsOfInputBehindIsNotGrowing() {
        // commits every so often: up to 2 s of its 100/s input behind, rising within the window
        LagTrend trend = new LagTrend(0.05, 100);
        for (int s = 0; s < 10; s++) {
            trend.add(s * 500L, 100 + 10L * s);
        }
        assertFalse(trend.growing(100, 2));
    }
}
