package dev.courier.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The rate of a counter that only grows (records committed, records written), from (time, count) samples:
 * the least-squares slope, so a counter that moves in steps (one transaction at a time) is not judged by
 * where its first and last samples happened to fall.
 */
final class CounterRate {

    private final List<double[]> samples = new ArrayList<>();

    synchronized void add(long timeMs, long count) {
        samples.add(new double[] {timeMs / 1000.0, count});
    }

    /** Counts per second; -1 (not measured) with fewer than 3 samples. */
    synchronized double perSecond() {
        return samples.size() < 3 ? -1 : LeastSquares.slope(samples, 3);
    }
}
