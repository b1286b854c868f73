package dev.courier.consumer;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Everything a {@link DeliveryConsumer} keeps about one send partition it owns, in one object (as Kafka's
 * consumer keeps a {@code TopicPartitionState}): de-duplication, redelivery flags, the order hold, and what
 * the batch in progress did on the partition. Used by the consumer's loop thread only.
 *
 * <p>Lifetimes differ, on purpose: the ack topic as read back ({@link LedgerProgress}: the {@link DeliveredSet},
 * the holds, how far it was read) survives a revocation, so a partition handed back later is read on from where
 * it stopped, not again from the start of the window; the redelivery flags and the {@link ConversationGate} are
 * dropped with the partition ({@link #forget}): there is no ledger to re-read a held copy from.
 */
final class PartitionState {

    private final int partition;
    private final boolean orderHoldEnabled;
    private final long orderHoldMaxMs;

    // de-duplication: the ack partition as read back, and what this instance committed since
    private final LedgerProgress ledger;
    private long evictionsReported;
    private long evictionsLoggedAtMs = Long.MIN_VALUE;

    // redelivery flags (Delivery.possibleRedelivery)
    /** Records still to flag after an assignment: the previous owner may have handed up to a batch. */
    private int flagRemaining;
    /** Records below this offset were handed in a batch that aborted: flag them when handed again. */
    private long flagBelowOffset = -1;
    /**
     * Delivery keys a device may have received already: a copy read flagged, handed in a batch that aborted, or
     * owed by a hold restored from the previous owner. Every later copy of one (a re-emit, a newer copy that
     * replaces a held one) is flagged too, until a settling ack for it commits.
     */
    private final Set<String> possiblyHanded = new HashSet<>();

    // order hold: null if order.hold.enabled=false, or not created since the partition was (re)assigned
    private ConversationGate<HeldRecord> gate;
    /** RETRY acks asking the tracker for held copies a restored hold lacks; sent with the next AckBatch. */
    private final List<DeliveryAck> copyRequests = new ArrayList<>();

    // the batch in progress
    private boolean inBatch;
    private long batchFirstOffset;
    private long batchNextOffset;
    private int flagRemainingAtBatchStart;
    private long maxHandedOffset = -1;
    private final Set<String> batchHandedKeys = new HashSet<>();
    private List<DeliveryAck> batchAcks = new ArrayList<>();
    /** The batch's AckBatch records as sent: their offsets, once committed, advance the ledger's read position. */
    private final List<Future<RecordMetadata>> batchWrites = new ArrayList<>();

    PartitionState(int partition, boolean orderHoldEnabled, long orderHoldMaxMs, long dedupeWindowMs,
                   int dedupeMaxEntries) {
        this.partition = partition;
        this.orderHoldEnabled = orderHoldEnabled;
        this.orderHoldMaxMs = orderHoldMaxMs;
        this.ledger = new LedgerProgress(dedupeWindowMs, dedupeMaxEntries, orderHoldMaxMs);
        this.ledger.behind();
    }

    int partition() {
        return partition;
    }

    // --- de-duplication ----------------------------------------------------------------------------------

    /** Whether the ack partition has been read back up to the end and nothing since made it stale: the partition may be processed. */
    boolean dedupeReady() {
        return ledger.isCaughtUp();
    }

    /** The partition's DeliveredSet; complete only once {@link #dedupeReady()}. */
    DeliveredSet delivered() {
        return ledger.delivered();
    }

    /** The ack partition as read back so far; the {@link AckLedgerReader} reads it on. */
    LedgerProgress ledger() {
        return ledger;
    }

    /** The ack topic must be read on before the next batch (the partition was assigned, or a commit's outcome is unknown). */
    void markNeedsRebuild() {
        ledger.behind();
    }

    /** De-duplication entries evicted over capacity since the last call (for the metric). */
    long newEvictions() {
        long total = ledger.delivered().evictedOverCapacity();
        long fresh = total - evictionsReported;
        evictionsReported = total;
        return fresh;
    }

    /** Whether evictions may be logged now: at most once a minute per partition. */
    boolean shouldLogEvictions(long nowMs) {
        if (evictionsLoggedAtMs != Long.MIN_VALUE && nowMs - evictionsLoggedAtMs < 60_000) {
            return false;
        }
        evictionsLoggedAtMs = nowMs;
        return true;
    }

    // --- redelivery flags --------------------------------------------------------------------------------

    /**
     * The partition was just assigned: flag its first {@code maxPollRecords} records (see package doc), and read
     * the ack topic on before processing it (the previous owner wrote to it).
     */
    PartitionState assigned(int maxPollRecords) {
        flagRemaining = maxPollRecords;
        flagBelowOffset = -1;
        ledger.behind();
        return this;
    }

    /** The partition was revoked or lost: its flags and order hold go; the ledger as read stays (see class doc). */
    void forget() {
        flagRemaining = 0;
        flagBelowOffset = -1;
        possiblyHanded.clear();
        gate = null;
        copyRequests.clear();
    }

    /** Whether the record read at {@code offset} may have been handed before; counts down the first-batch flag. */
    boolean flagRead(long offset) {
        boolean flag = handedBefore(offset);
        if (flagRemaining > 0) {
            flagRemaining--;
            flag = true;
        }
        return flag;
    }

    /**
     * The flag to hand a copy of {@code deliveryKey} with, given the flag its offset earned ({@link #flagRead},
     * {@link #handedBefore}): a flag sticks to the delivery, so a later copy of a possibly handed one is flagged
     * as well (see {@link #possiblyHanded}).
     */
    boolean flagDelivery(String deliveryKey, boolean flaggedByOffset) {
        if (flaggedByOffset) {
            possiblyHanded.add(deliveryKey);
            return true;
        }
        return possiblyHanded.contains(deliveryKey);
    }

    /** Whether {@code offset} was handed in a batch that aborted since. */
    boolean handedBefore(long offset) {
        return offset < flagBelowOffset;
    }

    // --- order hold --------------------------------------------------------------------------------------

    /** The partition's gate, created on first use; null if order.hold.enabled=false. */
    ConversationGate<HeldRecord> gate() {
        if (!orderHoldEnabled) {
            return null;
        }
        if (gate == null) {
            gate = new ConversationGate<>(orderHoldMaxMs);
        }
        return gate;
    }

    /** Whether the gate exists: if not, the holds the ledger records are this partition's to restore. */
    boolean hasGate() {
        return gate != null;
    }

    /**
     * Re-creates the order holds the previous owner left in the ack topic: every message whose latest ack is
     * RETRY or HELD is owed again, and so is the message a HELD ack names as its blocker unless acked since.
     * A RETRY'd message comes back by the tracker's re-emit anyway; a HELD one was in the previous owner's
     * memory only, and the tracker waits for the consumer to hand it over (held.timeout.ms): so this owner asks
     * for it with a RETRY ack in the partition's next AckBatch ({@link #copyRequests}). Call once the ledger is
     * read back ({@link #dedupeReady()}).
     */
    void restoreHolds(List<DeliveryAck> holds, long nowMs, String consumerId) {
        ConversationGate<HeldRecord> g = gate();
        for (DeliveryAck h : holds) {
            // the previous owner may have handed it in a batch that never committed: its copy here is flagged
            possiblyHanded.add(CourierTopics.deliveryKey(h.getMessageId(), h.getRecipientId()));
            if (h.getHeldBehind() != null && delivered().find(h.getHeldBehind(), h.getRecipientId()).isEmpty()) {
                g.retry(h.getRecipientId(), h.getConversationId(), h.getHeldBehind(),
                        OptionalLong.of(h.getHeldBehindSeq()), nowMs);
            }
            g.retry(h.getRecipientId(), h.getConversationId(), h.getMessageId(), OptionalLong.of(h.getSeq()), nowMs);
            if (h.getStatus() == AckStatus.HELD) {
                copyRequests.add(DeliveryAck.newBuilder()
                        .setMessageId(h.getMessageId()).setRecipientId(h.getRecipientId()).setStatus(AckStatus.RETRY)
                        .setAckedAt(Instant.ofEpochMilli(nowMs)).setDeliveredBy(consumerId).setAttempt(h.getAttempt())
                        .setReason("order hold restored without the held copy: re-emit it")
                        .setConversationId(h.getConversationId()).setSeq(h.getSeq()).build());
            }
        }
        g.commitBatch();
    }

    /** RETRY acks that ask the tracker to re-emit held copies this owner does not have (see {@link #restoreHolds}). */
    List<DeliveryAck> copyRequests() {
        return List.copyOf(copyRequests);
    }

    // --- the batch in progress ---------------------------------------------------------------------------

    /** The batch starts handling this partition's records, the first at {@code firstOffset}. */
    void beginBatch(long firstOffset) {
        if (inBatch) {
            throw new IllegalStateException("partition " + partition + ": batch from offset " + batchFirstOffset
                    + " still open when one from " + firstOffset + " begins");
        }
        inBatch = true;
        batchFirstOffset = firstOffset;
        batchNextOffset = firstOffset;
        flagRemainingAtBatchStart = flagRemaining;
        maxHandedOffset = -1;
        batchAcks = new ArrayList<>(copyRequests); // first: they concern records read before this batch
    }

    /** The record at {@code offset} has been handled (acked, held, retried or dead-lettered). */
    void handled(long offset) {
        batchNextOffset = Math.max(batchNextOffset, offset + 1);
    }

    /** The record at {@code offset}, a copy of {@code deliveryKey}, is being handed to the Deliverer (remembered in case the batch aborts). */
    void handed(long offset, String deliveryKey) {
        maxHandedOffset = Math.max(maxHandedOffset, offset);
        batchHandedKeys.add(deliveryKey);
    }

    /** Adds an ack, in handling order, to this partition's AckBatch. */
    void ack(DeliveryAck ack) {
        if (!inBatch) {
            throw new IllegalStateException("ack for messageId=" + ack.getMessageId() + " on partition " + partition
                    + ", which is not in the batch in progress");
        }
        batchAcks.add(ack);
    }

    /** The offset to commit for this partition: the one after the last record handled. */
    long nextOffset() {
        return batchNextOffset;
    }

    /**
     * The progress report and acks of this batch on this partition (see {@link AckBatch}): one record, or
     * several when the acks' events are large ({@link AckBatchParts}), all with the same progress and together
     * holding the acks in handling order. Never empty: a partition without acks gets one AckBatch without acks.
     */
    List<AckBatch> ackBatches(Instant committedAt, String deliveredBy) {
        if (!inBatch || batchNextOffset <= batchFirstOffset) {
            throw new IllegalStateException("partition " + partition + ": no records handled in this batch (inBatch="
                    + inBatch + ", firstOffset=" + batchFirstOffset + ", nextOffset=" + batchNextOffset + ")");
        }
        List<AckBatch> out = new ArrayList<>();
        for (List<DeliveryAck> part : AckBatchParts.split(batchAcks, AckBatchParts.MAX_PART_BYTES)) {
            out.add(AckBatch.newBuilder()
                    .setSendPartition(partition)
                    .setCommittedThrough(batchNextOffset)
                    .setFirstOffset(batchFirstOffset)
                    .setCommittedAt(committedAt)
                    .setDeliveredBy(deliveredBy)
                    .setAcks(List.copyOf(part))
                    .build());
        }
        return out;
    }

    /** One of this batch's AckBatch records was sent; its offset is known once the transaction commits. */
    void wrote(Future<RecordMetadata> write) {
        batchWrites.add(write);
    }

    /** The transaction committed: what the batch staged becomes committed state. */
    void commitBatch(long nowMs) {
        ledger.committedOwnAcks(batchAcks);
        for (DeliveryAck ack : batchAcks) {
            if (EventChecks.settles(ack.getStatus())) {
                possiblyHanded.remove(CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId()));
            }
        }
        ownWritesCommitted();
        delivered().commitBatch();
        delivered().expire(nowMs);
        if (gate != null) {
            gate.commitBatch();
        }
        copyRequests.clear(); // they went out with this batch's AckBatch
        endBatch();
    }

    /**
     * The transaction aborted: drops what the batch staged, restores the first-batch flag count, and flags
     * every record up to the highest one handed, since the batch's records are read and handed again.
     * Safe on a partition that was not in the batch (only staged state is dropped).
     */
    void abortBatch() {
        delivered().abortBatch();
        if (gate != null) {
            gate.abortBatch();
        }
        if (inBatch) {
            flagRemaining = flagRemainingAtBatchStart;
            if (maxHandedOffset >= 0) {
                flagBelowOffset = Math.max(flagBelowOffset, maxHandedOffset + 1);
            }
            possiblyHanded.addAll(batchHandedKeys);
        }
        endBatch();
    }

    /** Tells the ledger where this batch's AckBatch records landed, if every one is known to have been written. */
    private void ownWritesCommitted() {
        long first = Long.MAX_VALUE;
        long last = -1;
        for (Future<RecordMetadata> w : batchWrites) {
            if (!w.isDone()) {
                return;
            }
            try {
                RecordMetadata m = w.get();
                if (!m.hasOffset()) {
                    return;
                }
                first = Math.min(first, m.offset());
                last = Math.max(last, m.offset());
            } catch (InterruptedException | ExecutionException e) {
                return; // not written: the position stays, a later read-back reads from it
            }
        }
        if (last >= 0) {
            ledger.committedOwn(first, last);
        }
    }

    private void endBatch() {
        batchWrites.clear();
        batchHandedKeys.clear();
        inBatch = false;
        batchAcks = new ArrayList<>();
        maxHandedOffset = -1;
    }
}
