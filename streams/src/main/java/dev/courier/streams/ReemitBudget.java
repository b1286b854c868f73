package dev.courier.streams;

/**
 * How many re-emits one tracker task may make right now: a token bucket. Plain Java, no Kafka types.
 *
 * <p>Tokens accrue at {@code perSecond} by wall-clock time up to {@code burst}, and each re-emit takes one;
 * the bucket starts full. So over any span of {@code t} ms a task re-emits at most
 * {@code burst + perSecond * t / 1000}, however many deadlines fell due together. Not thread-safe: a task
 * is driven by one stream thread.
 */
public final class ReemitBudget {

    private final double perSecond;
    private final double burst;
    private double tokens;
    private long refilledAt;

    /**
     * @param perSecond the sustained rate, &gt; 0
     * @param burst     most tokens held at once (the largest burst), &gt;= 1
     * @param now       wall-clock ms at which the bucket starts, full
     */
    public ReemitBudget(double perSecond, double burst, long now) {
        if (!(perSecond > 0.0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be positive and finite, got " + perSecond);
        }
        if (!(burst >= 1.0) || Double.isInfinite(burst)) {
            throw new IllegalArgumentException("burst must be >= 1 and finite, got " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = now;
    }

    /**
     * A budget for a punctuation that runs every {@code punctuateIntervalMs}: its burst is two intervals'
     * worth (at least one re-emit), so each punctuation sends its share, one late punctuation loses nothing,
     * and a task never sends more than a fraction of a second's budget at once.
     */
    public static ReemitBudget perPunctuation(double perSecond, long punctuateIntervalMs, long now) {
        double burst = Math.max(1.0, perSecond * 2 * punctuateIntervalMs / 1000.0);
        return new ReemitBudget(perSecond, burst, now);
    }

    /** Takes one token if there is one at {@code now}: true means "re-emit now". */
    public boolean tryTake(long now) {
        refill(now);
        if (tokens < 1.0) {
            return false;
        }
        tokens -= 1.0;
        return true;
    }

    public double burst() {
        return burst;
    }

    private void refill(long now) {
        if (now > refilledAt) { // a clock that steps back adds nothing, and takes nothing away
            tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1000.0);
            refilledAt = now;
        }
    }
}
