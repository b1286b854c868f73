package dev.courier.streams;

import java.util.random.RandomGenerator;

/**
 * When the tracker re-emits an unacknowledged delivery, and when it gives up. Plain Java, no Kafka types.
 *
 * <p>Attempt {@code n} (1 = the original publish) waits {@code min(maxBackoff, ackTimeout * multiplier^(n-1))}
 * for its ack, plus a random jitter of up to {@code jitter} times that wait. Jitter only ever delays, so a
 * re-emit never comes before the nominal deadline. A wait never runs past the message's expiry, so an
 * expired message is dead-lettered on time rather than one long backoff later.
 *
 * <p>The backoff grows with the real attempt number, outage attempts included: while the pipeline is down,
 * waiting longer between re-emits is what spares it (and the send topic) a pile of duplicates to chew
 * through when it comes back. Only the give-up decision uses the counted attempts (see {@link #onDeadline}).
 */
public record RedeliveryPolicy(long ackTimeoutMs, double multiplier, long maxBackoffMs, double jitter,
                               int maxAttempts, long ttlMs) {

    /** What to do with a delivery whose deadline has passed. */
    public enum Verdict {
        /** Re-emit; the new attempt counts toward {@code maxAttempts}. */
        REEMIT,
        /** Re-emit during an outage; the new attempt does not count toward {@code maxAttempts}. */
        REEMIT_UNCOUNTED,
        DEAD_LETTER_MAX_ATTEMPTS,
        DEAD_LETTER_EXPIRED
    }

    public RedeliveryPolicy {
        if (ackTimeoutMs < 1 || maxBackoffMs < 1 || ttlMs < 1) {
            throw new IllegalArgumentException("ack timeout, max backoff and ttl must be positive");
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("backoff multiplier must be >= 1, got " + multiplier);
        }
        if (jitter < 0.0 || jitter > 1.0) {
            throw new IllegalArgumentException("jitter must be within [0, 1], got " + jitter);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1, got " + maxAttempts);
        }
    }

    /** The nominal wait for the ack of {@code attempt}, before jitter. */
    public long backoffMs(int attempt) {
        double wait = ackTimeoutMs * Math.pow(multiplier, Math.max(0, attempt - 1));
        return (long) Math.min(maxBackoffMs, wait);
    }

    /**
     * The deadline of an attempt emitted at {@code now} for a message first sent at {@code sentAt}: the
     * jittered backoff, capped at the message's expiry.
     */
    public long deadline(int attempt, long sentAt, long now, RandomGenerator random) {
        long wait = backoffMs(attempt);
        long jitterMs = jitter == 0.0 ? 0 : (long) (random.nextDouble() * jitter * wait);
        return Math.min(now + wait + jitterMs, expiresAt(sentAt));
    }

    public long expiresAt(long sentAt) {
        long expiry = sentAt + ttlMs;
        return expiry < sentAt ? Long.MAX_VALUE : expiry;
    }

    /**
     * The verdict on a delivery whose latest attempt's deadline passed at {@code now} without an ack.
     * Expiry applies first and always, outage or not: a message past its time-to-live is dead-lettered.
     * While the pipeline is unavailable nothing is dead-lettered for attempts: the message is re-emitted and
     * that attempt is not counted. Otherwise it is dead-lettered once {@code countedAttempts} (its attempts
     * made while the pipeline was available) reach {@code maxAttempts}.
     */
    public Verdict onDeadline(int countedAttempts, long sentAt, long now, boolean pipelineUnavailable) {
        if (now >= expiresAt(sentAt)) {
            return Verdict.DEAD_LETTER_EXPIRED;
        }
        if (pipelineUnavailable) {
            return Verdict.REEMIT_UNCOUNTED;
        }
        if (countedAttempts >= maxAttempts) {
            return Verdict.DEAD_LETTER_MAX_ATTEMPTS;
        }
        return Verdict.REEMIT;
    }
}
