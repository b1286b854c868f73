package dev.courier.operator;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A fixed-rate schedule: record {@code i} may go at {@code start + i / rate}, the start being the first
 * {@link #acquire()}. A pause (a slow commit) is made up by sending the late records at once, so the rate
 * over the run stays the rate asked for. (The schedule of {@code bench}'s Pacer, with an injectable clock.)
 */
public final class ReplayPacer {

    /** Waits the given nanoseconds. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final double perSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private long startNanos;
    private long issued;

    public ReplayPacer(double perSecond) {
        this(perSecond, System::nanoTime, nanos -> {
            LockSupport.parkNanos(nanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        });
    }

    ReplayPacer(double perSecond, LongSupplier nanoClock, Sleeper sleeper) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("--rate must be > 0, got " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    /** Waits until the next record is due. */
    public void acquire() throws InterruptedException {
        long now = nanoClock.getAsLong();
        if (issued == 0) {
            startNanos = now;
        }
        long due = startNanos + (long) (issued * 1e9 / perSecond);
        issued++;
        while (due - now > 0) {
            sleeper.sleepNanos(due - now);
            now = nanoClock.getAsLong();
        }
    }
}
