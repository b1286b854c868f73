package dev.courier.operator;

/**
 * At most {@code rate} sends per second: sends are spaced {@code 1 / rate} seconds apart, and a pause (a slow
 * broker) is not made up for by a burst afterwards.
 */
public final class RedrivePacer {

    private final long nanosPerSend;
    private boolean started;
    private long nextDue;

    public RedrivePacer(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0 per second, got " + ratePerSecond);
        }
        this.nanosPerSend = Math.max(1, Math.round(1e9 / ratePerSecond));
    }

    /** How long to wait, at {@code nowNanos}, before the next send; that send is then counted as made on time. */
    public long nanosUntilNext(long nowNanos) {
        long due = started && nextDue - nowNanos > 0 ? nextDue : nowNanos;
        started = true;
        nextDue = due + nanosPerSend;
        return due - nowNanos;
    }
}
