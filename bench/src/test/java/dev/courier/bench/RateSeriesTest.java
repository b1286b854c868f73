package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RateSeriesTest {

    private static final long MS = 1_000_000L;

    @Test
    void deliveriesArePerSecondPerBucket() {
        RateSeries series = new RateSeries(1_000 * MS, 500, 4);
        series.record(1_000 * MS);
        series.record(1_499 * MS);  // both in bucket 0: 2 in 0.5 s = 4/s
        series.record(1_500 * MS);  // bucket 1: 2/s

        assertEquals(0.5, series.bucketSeconds());
        assertArrayEquals(new double[] {4, 2, 0}, series.ratesPerSecond(3));
    }

    @Test
    void beforeTheStartIsDroppedAndBeyondTheLastBucketGoesIntoIt() {
        RateSeries series = new RateSeries(1_000 * MS, 1_000, 2);
        series.record(999 * MS);
        series.record(60_000 * MS);

        assertArrayEquals(new double[] {0, 1}, series.ratesPerSecond(10));
        assertEquals(0, series.bucketOf(0));
        assertEquals(1, series.bucketOf(60_000 * MS));
    }
}
