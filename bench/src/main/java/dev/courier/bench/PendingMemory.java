package dev.courier.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Memory against pending deliveries, one point per step of the memory phase: the first point is the
 * baseline (nothing pending yet), each later one after more deliveries were made pending. The figure is the
 * least-squares slope from the first step on (the baseline is left out: the Streams cache and the RocksDB
 * memtables fill first, and are bounded).
 */
final class PendingMemory {

    private final List<double[]> points = new ArrayList<>();

    /** After a step: {@code pending} deliveries pending, {@code heapBytes} heap after GC, the tracker's RocksDB memory. */
    void add(long pending, long heapBytes, long rocksDbBytes) {
        points.add(new double[] {pending, heapBytes + rocksDbBytes});
    }

    /** Bytes per pending delivery, payload included; 0 until there are 3 points after the baseline. */
    double bytesPerPending() {
        return points.size() < 2 ? 0 : LeastSquares.slope(points.subList(1, points.size()), 3);
    }

    /** Pending deliveries at the first and the last step after the baseline, for the method text. */
    long[] range() {
        return points.size() < 2 ? new long[] {0, 0}
                : new long[] {(long) points.get(1)[0], (long) points.get(points.size() - 1)[0]};
    }
}
