package dev.courier.consumer;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds the record that keeps a batch from committing (a dead letter over {@code max.request.size}, a Deliverer
 * slower than the group's {@code max.poll.interval.ms}): after two failures of batches starting at the same record, batches shrink
 * to one record until the failed batch's records are through, and a record whose one-record batch fails
 * {@link #FAILURES_ALONE} times is poison. Only failures that may be the records' count (see
 * {@link BatchFailurePolicy}). No Kafka types; used by the consumer's loop thread only.
 */
final class PoisonIsolation {

    /** Failures of batches starting at the same record after which batches shrink to one record. */
    static final int FAILURES_TO_ISOLATE = 2;
    /** Failures of a record's own one-record batch after which it is poison. */
    static final int FAILURES_ALONE = 3;

    /** The first record of a failed batch, per partition, until that record commits. */
    private final Map<Integer, Failure> failures = new HashMap<>();
    /** Records to commit one per batch before batches grow back; 0 when not isolating. */
    private long isolateRemaining;

    private static final class Failure {
        final long offset;
        int count;
        int alone;
        String last;

        Failure(long offset) {
            this.offset = offset;
        }
    }

    /** The most records the next batch may take: 1 while isolating, else no limit. */
    int batchLimit() {
        return isolateRemaining > 0 ? 1 : Integer.MAX_VALUE;
    }

    /**
     * A batch of {@code records} records, the first at {@code offset} of {@code partition}, failed with
     * {@code failure}, for a reason that may be the records'.
     */
    void failed(int partition, long offset, int records, String failure) {
        Failure f = failures.get(partition);
        if (f == null || f.offset != offset) {
            f = new Failure(offset);
            failures.put(partition, f);
        }
        f.count++;
        f.last = failure;
        if (records == 1) {
            f.alone++;
        }
        if (f.count >= FAILURES_TO_ISOLATE && isolateRemaining == 0 && records > 1) {
            isolateRemaining = records;
        }
    }

    /** Whether the record at {@code offset} of {@code partition} is poison: to be dead-lettered, not handled. */
    boolean isPoison(int partition, long offset) {
        Failure f = failures.get(partition);
        return f != null && f.offset == offset && f.alone >= FAILURES_ALONE;
    }

    /** Why the poison record at the head of {@code partition} failed (see {@link #isPoison}). */
    String reason(int partition) {
        Failure f = failures.get(partition);
        return f == null ? "" : "its transaction failed " + f.count + " times (" + f.alone + " times alone), last: "
                + f.last;
    }

    /** A batch of {@code records} records committed; {@code nextOffsets}: partition to the offset committed. */
    void committed(Map<Integer, Long> nextOffsets, int records) {
        nextOffsets.forEach((partition, next) -> {
            Failure f = failures.get(partition);
            if (f != null && next > f.offset) {
                failures.remove(partition);
            }
        });
        isolateRemaining = Math.max(0, isolateRemaining - records);
    }

    /** Whether batches are limited to one record now. */
    boolean isolating() {
        return isolateRemaining > 0;
    }
}
