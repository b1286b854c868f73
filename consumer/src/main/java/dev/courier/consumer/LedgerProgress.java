package dev.courier.consumer;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.serde.AvroTrust;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;

/**
 * One ack partition as far as it has been read back: the {@link DeliveredSet} (what was acked, for
 * de-duplication), the unsettled RETRY/HELD acks with a seq (the order holds in force), the next offset to read,
 * and the figures of the read-back in progress. Reading resumes at {@link #nextOffset()}, so a rebalance, a
 * fencing or a read-back cut short by its time slice never re-reads what was read. No Kafka types.
 *
 * <p>Lifecycle: {@link #behind()} when the partition is (re)assigned or a commit's outcome is unknown; the
 * {@link AckLedgerReader} applies records ({@link #apply}, {@link #advanceTo}) until it reaches the end offset it
 * sampled, then {@link #caughtUp}, which returns the read-back's figures.
 */
final class LedgerProgress {

    static {
        AvroTrust.trustGeneratedClasses(); // a hold is a copy of an ack (newBuilder(ack)), which Avro checks
    }

    /** What one completed read-back did: records read from the ack topic, and how long it took from its start. */
    record ReadBack(long records, long durationMs) {
    }

    private final DeliveredSet delivered;
    private final long holdWindowMs;
    /** Latest unsettled RETRY/HELD ack with a seq per delivery key, oldest first (without its event). */
    private final LinkedHashMap<String, DeliveryAck> holds = new LinkedHashMap<>();
    private long nextOffset = -1;
    /** {@link #nextOffset} is just past this instance's own last committed write: the next offset is its commit marker. */
    private boolean ownMarkerNext;
    private boolean caughtUp;
    private long readBackStartedMs = -1;
    private long readBackRecords;

    LedgerProgress(long windowMs, int maxEntries, long holdWindowMs) {
        this.delivered = new DeliveredSet(windowMs, maxEntries);
        this.holdWindowMs = holdWindowMs;
    }

    DeliveredSet delivered() {
        return delivered;
    }

    /** The next ack-topic offset to read; empty before the first read-back. */
    OptionalLong nextOffset() {
        return nextOffset < 0 ? OptionalLong.empty() : OptionalLong.of(nextOffset);
    }

    /** Whether everything up to the end offset sampled at the last read-back has been read, and nothing since made it stale. */
    boolean isCaughtUp() {
        return caughtUp;
    }

    /** The ack topic may hold acks not read yet (the partition was assigned, or a commit's outcome is unknown). */
    void behind() {
        caughtUp = false;
    }

    /**
     * A slice of a read-back starts at {@code nowMs}; the first one starts the read-back's clock. Returns whether
     * it is the first (the only one that looks up where the window starts).
     */
    boolean readingAt(long nowMs) {
        if (readBackStartedMs < 0) {
            readBackStartedMs = nowMs;
            return true;
        }
        return false;
    }

    /**
     * Applies the acks of the ack-topic record at {@code offset}: a settling ack de-duplicates and ends its
     * delivery's hold; a RETRY or HELD ack with a seq and conversation is a hold (kept without its event).
     */
    void apply(long offset, List<DeliveryAck> acks) {
        for (DeliveryAck ack : acks) {
            if (EventChecks.settles(ack.getStatus())) {
                delivered.recordCommitted(ack.getMessageId(), ack.getRecipientId(),
                        new DeliveredSet.Entry(ack.getStatus(), ack.getReason(), ack.getAckedAt().toEpochMilli()));
            }
        }
        applyToHolds(acks);
        readBackRecords++;
        advanceTo(offset + 1);
    }

    /**
     * This instance committed a transaction with these acks on the partition (its DeliveredSet already has the
     * settling ones): the holds follow them as a read-back would, whether or not {@link #committedOwn} then
     * counts their records as read. Without this, a partition handed back to this instance would restore its
     * holds from the acks of others only, and miss the RETRY of a message this instance left owed (its
     * conversation would then be delivered out of order). Applying them twice (by a later read-back too) is
     * harmless: the read-back applies them again in log order.
     */
    void committedOwnAcks(List<DeliveryAck> acks) {
        applyToHolds(acks);
    }

    /** A settling ack ends its delivery's hold; a RETRY or HELD ack with a seq and conversation is one (kept without its event). */
    private void applyToHolds(List<DeliveryAck> acks) {
        for (DeliveryAck ack : acks) {
            String key = CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId());
            if (EventChecks.settles(ack.getStatus())) {
                holds.remove(key);
            } else if (ack.getSeq() != null && ack.getConversationId() != null) {
                DeliveryAck hold = DeliveryAck.newBuilder(ack).setEvent(null).build(); // the payload is not needed
                holds.remove(key);
                holds.put(key, hold); // at the tail: the latest ack decides its age
            }
        }
    }

    /** Everything below {@code offset} has been read (or is older than the window, or is a transaction marker). */
    void advanceTo(long offset) {
        if (offset > nextOffset) {
            nextOffset = offset;
            ownMarkerNext = false;
        }
    }

    /**
     * This instance committed a transaction that wrote this partition's ack records at offsets
     * {@code firstOffset..lastOffset} (their acks are already in the DeliveredSet). If nothing can lie between what
     * was read and those records (they start at {@link #nextOffset}, or right after this instance's own previous
     * commit marker), they count as read, so a later read-back does not read this instance's own acks again.
     * Otherwise someone else wrote in between (an aborted transaction, another writer): the read position stays,
     * and a later read-back reads from it, this instance's acks included.
     */
    void committedOwn(long firstOffset, long lastOffset) {
        if (!caughtUp || nextOffset < 0) {
            return;
        }
        if (firstOffset == nextOffset || (ownMarkerNext && firstOffset == nextOffset + 1)) {
            nextOffset = lastOffset + 1;
            ownMarkerNext = true;
        }
    }

    /**
     * The read-back reached the end offset it sampled, at {@code nowMs}: expires what fell out of the windows and
     * returns the read-back's figures, from its first slice.
     */
    ReadBack caughtUp(long nowMs) {
        expire(nowMs);
        caughtUp = true;
        ReadBack figures = new ReadBack(readBackRecords, readBackStartedMs < 0 ? 0 : nowMs - readBackStartedMs);
        readBackStartedMs = -1;
        readBackRecords = 0;
        return figures;
    }

    /** Drops de-duplication entries older than the dedupe window and holds older than the hold window. */
    void expire(long nowMs) {
        delivered.expire(nowMs);
        Iterator<DeliveryAck> it = holds.values().iterator();
        while (it.hasNext() && it.next().getAckedAt().toEpochMilli() < nowMs - holdWindowMs) {
            it.remove();
        }
    }

    /** The holds in force: unsettled RETRY/HELD acks with a seq, younger than the hold window, oldest first. */
    List<DeliveryAck> holds(long nowMs) {
        List<DeliveryAck> out = new ArrayList<>();
        for (DeliveryAck h : holds.values()) {
            if (h.getAckedAt().toEpochMilli() >= nowMs - holdWindowMs) {
                out.add(h);
            }
        }
        return out;
    }
}
