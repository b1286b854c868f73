package dev.courier.bench;

import dev.courier.harness.Pipeline;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What one phase observes of its deliveries: counts, latency from the scheduled send time, rate over
 * time, and, per partition, the first delivery of a message scheduled after a mark (for the broker kill).
 * The pipelines report to whichever probe is {@link Slot#current() current}.
 */
public final class PhaseProbe {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();
    final LatencyStats latency;
    final RateSeries rates;
    final Semaphore window;
    private final AtomicLongArray firstAfterMark;
    private volatile long markNanos = Long.MAX_VALUE;

    PhaseProbe(LatencyStats latency, RateSeries rates, Semaphore window, int partitions) {
        this.latency = latency;
        this.rates = rates;
        this.window = window;
        this.firstAfterMark = new AtomicLongArray(partitions);
    }

    public void delivered(int partition, byte[] payload) {
        long now = System.nanoTime();
        long scheduled = Payload.scheduledNanos(payload);
        delivered.incrementAndGet();
        latency.record(scheduled, now);
        rates.record(now);
        if (window != null) {
            window.release();
        }
        if (scheduled >= markNanos && partition < firstAfterMark.length()) {
            firstAfterMark.compareAndSet(partition, 0, now);
        }
    }

    void mark(long nanos) {
        markNanos = nanos;
    }

    long markNanos() {
        return markNanos;
    }

    /** When partition {@code p} first delivered a message scheduled after the mark; 0 if not yet. */
    long firstDeliveryAfterMark(int p) {
        return firstAfterMark.get(p);
    }

    /** The probe the consumer threads report to; switched between phases. */
    public static final class Slot implements Pipeline.DeliveryListener {
        private final AtomicReference<PhaseProbe> current = new AtomicReference<>();

        public PhaseProbe current() {
            return current.get();
        }

        void set(PhaseProbe probe) {
            current.set(probe);
        }

        /** Reports a delivery to the current probe, if any. */
        @Override
        public void delivered(int partition, byte[] payload) {
            PhaseProbe probe = current.get();
            if (probe != null) {
                probe.delivered(partition, payload);
            }
        }
    }
}
