package dev.courier.bench;

import java.util.HashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * How late the tracker re-emits, from its own status records: the status of re-emit {@code a+1} carries
 * when it was emitted and the deadline of attempt {@code a} that it was emitted for ({@code missedDeadline}).
 * Lateness = emitted - deadline. A status's {@code nextDeadline} is not used: a re-emit is queued until a
 * consumer reads it and answers, so it names only the message's expiry (or, with send tracking, the
 * queued.timeout.ms safety net), never the back-off the next re-emit will be judged against.
 * An early re-emit (lateness below 0) breaks the promise that jitter only delays; a spurious one is a
 * re-emit of a delivery whose ack was already written before the re-emit.
 */
public final class RedeliveryLateness {

    private final Map<String, Long> deadlines = new HashMap<>();
    private final Map<String, Long> ackedAt = new HashMap<>();
    private final Map<String, Long> reemits = new HashMap<>();
    private final Histogram lateMs = new Histogram(3_600_000L, 3);
    private long early;
    private long spurious;
    private long unmatched;

    /** Attempt {@code attempt} of {@code key} is re-emitted at {@code deadlineMs} if no ack comes. */
    public synchronized void deadline(String key, int attempt, long deadlineMs) {
        deadlines.put(key + "#" + attempt, deadlineMs);
    }

    /**
     * A PENDING status record: attempt {@code attempts} of {@code key}, emitted at {@code emittedAtMs}. For a
     * re-emit (attempts &gt;= 2) it names the deadline of the attempt before, {@code missedDeadlineMs}; without
     * one the re-emit stays unmatched rather than judged against a guess. A first attempt has no status.
     */
    public synchronized void reemitStatus(String key, int attempts, long emittedAtMs, Long missedDeadlineMs) {
        if (attempts < 2) {
            return;
        }
        if (missedDeadlineMs != null) {
            deadlines.put(key + "#" + (attempts - 1), missedDeadlineMs);
        }
        reemits.put(key + "#" + attempts, emittedAtMs);
    }

    /** Re-emits seen so far, matched or not. */
    public synchronized int reemitsSeen() {
        return reemits.size();
    }

    /** The application's ack for {@code key} was written at {@code atMs}. */
    public synchronized void acked(String key, long atMs) {
        ackedAt.merge(key, atMs, Math::min);
    }

    /** Attempt {@code attempt} (>= 2) of {@code key} was emitted at {@code atMs}. */
    public synchronized void reemitted(String key, int attempt, long atMs) {
        reemits.put(key + "#" + attempt, atMs);
    }

    /** Matches re-emits with their deadlines and acks; call once everything has been read. */
    public synchronized Result result() {
        lateMs.reset();
        early = 0;
        spurious = 0;
        unmatched = 0;
        reemits.forEach((keyAttempt, at) -> {
            int hash = keyAttempt.lastIndexOf('#');
            String key = keyAttempt.substring(0, hash);
            int attempt = Integer.parseInt(keyAttempt.substring(hash + 1));
            Long deadline = deadlines.get(key + "#" + (attempt - 1));
            if (deadline == null) {
                unmatched++;
                return;
            }
            long late = at - deadline;
            if (late < 0) {
                early++;
            } else {
                lateMs.recordValue(Math.min(late, 3_600_000L));
            }
            Long acked = ackedAt.get(key);
            if (acked != null && acked < at) {
                spurious++;
            }
        });
        long n = lateMs.getTotalCount();
        return new Result(n + early, early, spurious, unmatched,
                n == 0 ? null : (double) lateMs.getValueAtPercentile(50),
                n == 0 ? null : (double) lateMs.getValueAtPercentile(99),
                n == 0 ? null : (double) lateMs.getMaxValue());
    }

    /** Lateness percentiles in ms (null when there was no matched re-emit). */
    public record Result(long reemits, long early, long spurious, long unmatched, Double p50Ms, Double p99Ms, Double maxMs) {
    }
}
