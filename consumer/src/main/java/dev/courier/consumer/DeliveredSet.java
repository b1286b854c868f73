package dev.courier.consumer;

import dev.courier.schemas.AckStatus;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one send partition has already acknowledged: the de-duplication decision of the delivery consumer,
 * with no Kafka types.
 *
 * <p>Two layers: <em>committed</em> entries (loaded from the ack topic, or acked in a transaction that
 * committed) and <em>pending</em> entries (acked in the batch whose transaction is still open).
 * {@link #find} sees both, so a duplicate inside one batch is caught too. {@link #commitBatch()} promotes
 * pending to committed once the transaction commits; {@link #abortBatch()} forgets them, since an aborted
 * ack was never visible to anyone.
 *
 * <p>Memory is bounded: entries older than the window are dropped by {@link #expire(long)}, and at most
 * {@code maxEntries} committed entries are kept (the oldest go first; {@link #evictedOverCapacity()} counts
 * them, a sign that the window is too large for the traffic). Age is the ack time; entries are kept in
 * insertion order, which is ack order (the ack partition is read in offset order and new acks are appended),
 * so expiry only ever looks at the head. Not thread-safe: one delivery consumer thread owns it.
 */
public final class DeliveredSet {

    /** The ack that was written for a key: replayed when a duplicate is acked again. */
    public record Entry(AckStatus status, String reason, long ackedAtMs) {
        public Entry {
            Objects.requireNonNull(status, "status");
        }
    }

    private record Key(String messageId, String recipientId) {
    }

    private final long windowMs;
    private final int maxEntries;
    private final LinkedHashMap<Key, Entry> committed = new LinkedHashMap<>();
    private final LinkedHashMap<Key, Entry> pending = new LinkedHashMap<>();
    private long evictedOverCapacity;

    public DeliveredSet(long windowMs, int maxEntries) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("windowMs must be > 0, got " + windowMs);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be > 0, got " + maxEntries);
        }
        this.windowMs = windowMs;
        this.maxEntries = maxEntries;
    }

    /** The ack already written for (messageId, recipientId), in this batch or a committed one. */
    public Optional<Entry> find(String messageId, String recipientId) {
        Key key = new Key(messageId, recipientId);
        Entry e = pending.get(key);
        return Optional.ofNullable(e != null ? e : committed.get(key));
    }

    /** An ack written in the open batch. */
    public void recordPending(String messageId, String recipientId, Entry entry) {
        Key key = new Key(messageId, recipientId);
        pending.remove(key);
        pending.put(key, Objects.requireNonNull(entry, "entry"));
    }

    /** An ack known to be committed (read from the ack topic while rebuilding). */
    public void recordCommitted(String messageId, String recipientId, Entry entry) {
        putCommitted(new Key(messageId, recipientId), Objects.requireNonNull(entry, "entry"));
        trim();
    }

    /** The open batch's transaction committed: its acks are now part of the ledger. */
    public void commitBatch() {
        pending.forEach(this::putCommitted);
        pending.clear();
        trim();
    }

    /** The open batch's transaction aborted: its acks never became visible. */
    public void abortBatch() {
        pending.clear();
    }

    /**
     * Adds {@code other}'s committed entries that this set lacks or has older: used after a rebuild from the
     * ack topic, to keep what this instance committed itself but the topic read may not show yet (its
     * transaction markers can trail the commit).
     */
    public void mergeCommitted(DeliveredSet other) {
        other.committed.forEach((key, entry) -> {
            Entry mine = committed.get(key);
            if (mine == null || mine.ackedAtMs() < entry.ackedAtMs()) {
                putCommitted(key, entry);
            }
        });
        trim();
    }

    /** Drops committed entries acked before {@code nowMs - window}; returns how many. */
    public int expire(long nowMs) {
        long cutoff = nowMs - windowMs;
        int removed = 0;
        Iterator<Map.Entry<Key, Entry>> it = committed.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().ackedAtMs() >= cutoff) {
                break;
            }
            it.remove();
            removed++;
        }
        return removed;
    }

    /** Committed entries. */
    public int size() {
        return committed.size();
    }

    public int pendingSize() {
        return pending.size();
    }

    public long evictedOverCapacity() {
        return evictedOverCapacity;
    }

    private void putCommitted(Key key, Entry entry) {
        committed.remove(key); // re-insert at the tail: the latest ack decides its age
        committed.put(key, entry);
    }

    private void trim() {
        Iterator<Key> it = committed.keySet().iterator();
        while (committed.size() > maxEntries && it.hasNext()) {
            it.next();
            it.remove();
            evictedOverCapacity++;
        }
    }
}
