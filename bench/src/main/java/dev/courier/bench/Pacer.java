package dev.courier.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop fixed-rate schedule: message {@code i} is due at {@code start + i / rate}. The schedule never
 * waits for the system under test, so when a send blocks, the next messages are late by the time lost and
 * their latency (measured from {@link #scheduledNanos}) includes it: that is the coordinated-omission
 * correction.
 */
public final class Pacer {

    private final long startNanos;
    private final double ratePerSecond;

    public Pacer(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.ratePerSecond = ratePerSecond;
    }

    public long scheduledNanos(long i) {
        return startNanos + (long) (i * 1e9 / ratePerSecond);
    }

    /** Messages due by {@code nowNanos} (the index of the first one not yet due). */
    public long dueBy(long nowNanos) {
        return nowNanos < startNanos ? 0 : (long) Math.floor((nowNanos - startNanos) * ratePerSecond / 1e9) + 1;
    }

    /** Parks until message {@code i} is due; returns its scheduled time. */
    public long awaitSlot(long i) {
        long due = scheduledNanos(i);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        return due;
    }
}
