package dev.courier.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Deliveries per time bucket since a start time: the "rate over time" of one phase, for the chart and for
 * the recovery analysis. Thread-safe; events beyond the last bucket go into it.
 */
public final class RateSeries {

    private final long startNanos;
    private final long bucketNanos;
    private final AtomicLongArray counts;

    public RateSeries(long startNanos, long bucketMillis, int buckets) {
        this.startNanos = startNanos;
        this.bucketNanos = bucketMillis * 1_000_000L;
        this.counts = new AtomicLongArray(buckets);
    }

    /** Counts a delivery at {@code atNanos}; one before the start is dropped. */
    public void record(long atNanos) {
        if (atNanos >= startNanos) { // not (atNanos - startNanos) / bucketNanos >= 0: division truncates toward 0
            counts.incrementAndGet((int) Math.min((atNanos - startNanos) / bucketNanos, counts.length() - 1));
        }
    }

    public double bucketSeconds() {
        return bucketNanos / 1e9;
    }

    /** Rate per second of each bucket, up to (not including) bucket {@code upTo}. */
    public double[] ratesPerSecond(int upTo) {
        int n = Math.min(upTo, counts.length());
        double[] rates = new double[Math.max(n, 0)];
        for (int i = 0; i < n; i++) {
            rates[i] = counts.get(i) / bucketSeconds();
        }
        return rates;
    }

    public int bucketOf(long atNanos) {
        return (int) Math.max(0, Math.min((atNanos - startNanos) / bucketNanos, counts.length() - 1));
    }

    public long startNanos() {
        return startNanos;
    }
}
