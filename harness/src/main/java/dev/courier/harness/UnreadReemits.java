package dev.courier.harness;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.SendEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the tracker's re-emits of deliveries that no delivery consumer had read and committed when it
 * re-emitted them (the "re-emit storm" of a queued backlog), judged from the send and ack topics alone,
 * never from the tracker's own counters. Used by the demo and chaos observer and by the bench.
 *
 * <p>The rule, per send partition p:
 * <ol>
 *   <li>A re-emit is a send record with attempt &gt;= 2 (only the tracker writes those); its record
 *       timestamp T is when it was re-emitted.</li>
 *   <li>Its previous attempt is the send record of attempt - 1 of the same (messageId, recipientId) in
 *       partition p, at offset x (the latest such record, if there were several).</li>
 *   <li>The re-emit is of a <em>read</em> delivery if ack partition p holds an {@link AckBatch} with
 *       {@code committedThrough > x} and {@code committedAt <= T}: a consumer had read the previous attempt
 *       and committed its outcome before the re-emit. {@code committedAt} is the consumer's clock just
 *       before it committed, so the check leans towards "read" by at most one commit's duration.</li>
 *   <li>Otherwise it is a re-emit <em>of unread</em>; so is a re-emit whose previous attempt is not found
 *       (logged with its coordinates).</li>
 * </ol>
 *
 * <p>Records may be fed in any order (partitions interleaved, batches before or after the re-emits they
 * cover): nothing is judged until {@link #result()}, which is meant to be called once everything up to the
 * end of the run has been read. Only read_committed records belong here: an aborted re-emit reached no
 * consumer, and an aborted batch committed nothing. Memory: one map entry per send record. Thread-safe.
 */
public final class UnreadReemits {

    private static final Logger log = LoggerFactory.getLogger(UnreadReemits.class);
    /** Re-emits logged one by one per {@link #result()} call; the rest are only counted. */
    private static final int LOGGED_MAX = 10;

    private final Map<Integer, PartitionRecords> partitions = new HashMap<>();

    /** A send record: a first attempt or a re-emit, at {@code offset} of send partition {@code partition}. */
    public synchronized void sent(int partition, long offset, long timestampMs, SendEvent event) {
        String key = CourierTopics.deliveryKey(event.getMessageId(), event.getRecipientId());
        PartitionRecords p = partitions.computeIfAbsent(partition, k -> new PartitionRecords());
        if (event.getAttempt() >= 2) {
            p.reemits.add(new Reemit(partition, offset, key, event.getAttempt(), timestampMs, -1));
        }
        p.sendOffsets.put(attemptKey(key, event.getAttempt()), offset);
    }

    /**
     * A value of ack partition {@code partition}: an {@link AckBatch} says how far a consumer had read and
     * committed that send partition; a lone {@code DeliveryAck} says nothing about reading and is ignored.
     */
    public synchronized void acked(int partition, SpecificRecord ackTopicValue) {
        if (ackTopicValue instanceof AckBatch batch) {
            partitions.computeIfAbsent(partition, k -> new PartitionRecords()).commits
                    .add(new Commit(batch.getCommittedThrough(), batch.getCommittedAt().toEpochMilli()));
        }
    }

    /** Judges every re-emit fed so far (see the class comment); logs those whose previous attempt is missing. */
    public synchronized Result result() {
        long reemits = 0;
        long notFound = 0;
        List<Reemit> unread = new ArrayList<>();
        for (PartitionRecords p : partitions.values()) {
            CommitIndex commits = new CommitIndex(p.commits);
            for (Reemit r : p.reemits) {
                reemits++;
                Long previous = p.sendOffsets.get(attemptKey(r.deliveryKey(), r.attempt() - 1));
                if (previous == null) {
                    if (notFound++ < LOGGED_MAX) {
                        log.warn("re-emit at send partition={} offset={} of {} attempt {}: attempt {} not found in "
                                + "that partition; counted as a re-emit of unread", r.partition(), r.offset(),
                                r.deliveryKey(), r.attempt(), r.attempt() - 1);
                    }
                    unread.add(r);
                } else if (commits.earliestCommitPast(previous) > r.atMs()) {
                    unread.add(new Reemit(r.partition(), r.offset(), r.deliveryKey(), r.attempt(), r.atMs(), previous));
                }
            }
        }
        if (notFound > LOGGED_MAX) {
            log.warn("{} re-emits in all whose previous attempt was not found (first {} logged)", notFound, LOGGED_MAX);
        }
        unread.sort(Comparator.comparingLong(Reemit::atMs));
        return new Result(reemits, notFound, List.copyOf(unread));
    }

    private static String attemptKey(String deliveryKey, int attempt) {
        return deliveryKey + '#' + attempt;
    }

    /**
     * A re-emit record.
     *
     * @param atMs its record timestamp: when the tracker re-emitted it
     * @param previousOffset the offset of the previous attempt's send record, -1 if not found
     */
    public record Reemit(int partition, long offset, String deliveryKey, int attempt, long atMs, long previousOffset) {
    }

    /**
     * The judgement.
     *
     * @param reemits every re-emit seen
     * @param previousNotFound re-emits whose previous attempt was not found (counted in {@code unread} too)
     * @param unread the re-emits of unread deliveries, oldest first
     */
    public record Result(long reemits, long previousNotFound, List<Reemit> unread) {

        public static final Result NONE = new Result(0, 0, List.of());

        /** The number that goes into the reports as {@code reemits_of_unread}. */
        public long ofUnread() {
            return unread.size();
        }

        /** Both results together (e.g. of partitions judged one at a time). */
        public Result plus(Result other) {
            List<Reemit> all = new ArrayList<>(unread);
            all.addAll(other.unread);
            all.sort(Comparator.comparingLong(Reemit::atMs));
            return new Result(reemits + other.reemits, previousNotFound + other.previousNotFound, List.copyOf(all));
        }
    }

    /** One AckBatch: the group's committed offset it carried and when its consumer committed. */
    private record Commit(long committedThrough, long committedAtMs) {
    }

    /** What one send partition and its ack partition hold. */
    private static final class PartitionRecords {
        /** "messageId/recipientId#attempt" -> offset of that send record (the latest one). */
        final Map<String, Long> sendOffsets = new HashMap<>();
        final List<Reemit> reemits = new ArrayList<>();
        final List<Commit> commits = new ArrayList<>();
    }

    /**
     * One partition's commits sorted by committedThrough, with the earliest committedAt of every suffix, so
     * "when was offset x first committed past" is a binary search.
     */
    private static final class CommitIndex {
        private final long[] through;
        private final long[] earliestAtFromHere;

        CommitIndex(List<Commit> commits) {
            List<Commit> sorted = new ArrayList<>(commits);
            sorted.sort(Comparator.comparingLong(Commit::committedThrough));
            through = new long[sorted.size()];
            earliestAtFromHere = new long[sorted.size()];
            long earliest = Long.MAX_VALUE;
            for (int i = sorted.size() - 1; i >= 0; i--) {
                through[i] = sorted.get(i).committedThrough();
                earliest = Math.min(earliest, sorted.get(i).committedAtMs());
                earliestAtFromHere[i] = earliest;
            }
        }

        /** The earliest committedAt of a batch with committedThrough > {@code offset}; Long.MAX_VALUE if none. */
        long earliestCommitPast(long offset) {
            int lo = 0;
            int hi = through.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (through[mid] > offset) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo == through.length ? Long.MAX_VALUE : earliestAtFromHere[lo];
        }
    }
}
