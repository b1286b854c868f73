package dev.courier.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency from each message's scheduled send time to its delivery, in an HdrHistogram (microseconds, 3
 * significant digits, up to 10 minutes). Only messages scheduled at or after {@code fromNanos} count (the
 * warm-up is left out).
 */
public final class LatencyStats {

    private final Histogram histogram = new ConcurrentHistogram(600_000_000L, 3);
    private final long fromNanos;

    public LatencyStats(long fromNanos) {
        this.fromNanos = fromNanos;
    }

    public void record(long scheduledNanos, long deliveredNanos) {
        if (scheduledNanos >= fromNanos) {
            histogram.recordValue(Math.max(0, Math.min((deliveredNanos - scheduledNanos) / 1000, 600_000_000L)));
        }
    }

    public Snapshot snapshot() {
        Histogram h = histogram.copy();
        return new Snapshot(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }

    /** Percentiles in milliseconds. */
    public record Snapshot(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    }
}
