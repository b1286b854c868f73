package dev.courier.consumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The ordering decision of the delivery consumer for one send partition, with no Kafka types: may this
 * message be handed to the Deliverer now, or must it wait for an earlier message of its conversation?
 *
 * <h2>The rule</h2>
 * A conversation is (recipientId, conversationId). A message of it is <em>owed</em> from the moment the
 * Deliverer answers RETRY for it (or throws), and also from the moment it is held, until it is settled
 * (acked DELIVERED, READ or REJECTED, or suppressed as a duplicate of a committed ack). A message with a
 * {@code seq} is <b>held</b> while an owed message of its conversation has a lower {@code seq}: it is not
 * handed to the Deliverer and is treated like RETRY (no ack; the tracker re-emits it after its deadline).
 * The lowest owed message itself, older messages (lower seq) and messages without a seq are never held.
 *
 * <p>Held messages are remembered as owed, not only the first one that failed: once the blocker is
 * delivered, the held ones come back by re-emit in whatever order their (jittered, attempt-dependent)
 * deadlines give, and each is held again until every lower owed seq is settled. So a conversation's
 * messages reach the Deliverer in seq order even when their re-emits arrive shuffled.
 *
 * <h2>Bounds and what is given up</h2>
 * <ul>
 *   <li>A conversation that makes no progress (no owed message settled) for {@code maxHoldMs} is dropped
 *       by {@link #expire(long)}: its messages then flow in arrival order, and order for that conversation
 *       is given up (until a new RETRY blocks it again). This keeps one undeliverable message (a device gone
 *       for good, a message the tracker gave up on) from wedging its conversation forever. Memory is the
 *       owed messages of blocked conversations within that time.</li>
 *   <li>The state lives in memory only, per partition, and is dropped when the partition is revoked or
 *       lost. The partition's next owner does not know the block, so right after a rebalance (or a restart)
 *       a held message's re-emit can be delivered before the owed one it was waiting for.</li>
 *   <li>After a failure whose outcome is unknown (the transaction may have committed), the batch's gate
 *       changes are rolled back like an abort; a message held in that batch is then not remembered as owed,
 *       and may overtake another held one.</li>
 * </ul>
 *
 * <h2>Transactions</h2>
 * Like {@link DeliveredSet}, changes made during a batch are staged: every decision sees them, but they
 * become the committed state only on {@link #commitBatch()} (the batch's transaction committed);
 * {@link #abortBatch()} drops them, so the gate follows the fate of the acks and offsets it was derived
 * from. Not thread-safe: one delivery consumer thread owns it.
 */
public final class ConversationGate {

    /** A conversation whose hold was given up by {@link #expire(long)}, for the log. */
    public record Expired(String recipientId, String conversationId, String lowestMessageId, long lowestSeq,
                          int owed, long blockedSinceMs) {
    }

    private record Key(String recipientId, String conversationId) {
    }

    /** The owed messages of one blocked conversation (never empty while stored). */
    private static final class Conversation {
        final Map<String, Long> owedSeqByMessageId = new HashMap<>();
        long sinceMs; // when it was blocked, or last made progress

        Conversation(long sinceMs) {
            this.sinceMs = sinceMs;
        }

        Conversation copy() {
            Conversation c = new Conversation(sinceMs);
            c.owedSeqByMessageId.putAll(owedSeqByMessageId);
            return c;
        }

        Map.Entry<String, Long> lowest() {
            Map.Entry<String, Long> low = null;
            for (Map.Entry<String, Long> e : owedSeqByMessageId.entrySet()) {
                if (low == null || e.getValue() < low.getValue()) {
                    low = e;
                }
            }
            return low;
        }
    }

    private final long maxHoldMs;
    private final Map<Key, Conversation> committed = new HashMap<>();
    /** Conversations changed in the open batch: the new state, or null if it was unblocked in the batch. */
    private final Map<Key, Conversation> staged = new HashMap<>();

    public ConversationGate(long maxHoldMs) {
        if (maxHoldMs <= 0) {
            throw new IllegalArgumentException("maxHoldMs must be > 0, got " + maxHoldMs);
        }
        this.maxHoldMs = maxHoldMs;
    }

    /**
     * Whether the message must wait: true if it has a seq and an owed message of its conversation has a
     * lower seq. A held message becomes owed itself (staged).
     */
    public boolean hold(String recipientId, String conversationId, String messageId, OptionalLong seq) {
        Objects.requireNonNull(messageId, "messageId");
        if (seq.isEmpty()) {
            return false;
        }
        Key key = key(recipientId, conversationId);
        Conversation c = view(key);
        if (c == null) {
            return false;
        }
        long s = seq.getAsLong();
        boolean earlierOwed = c.owedSeqByMessageId.values().stream().anyMatch(owed -> owed < s);
        if (earlierOwed) {
            forUpdate(key, 0).owedSeqByMessageId.put(messageId, s);
        }
        return earlierOwed;
    }

    /** The Deliverer answered RETRY (or threw) for the message: it is owed, and blocks later ones (staged). */
    public void retry(String recipientId, String conversationId, String messageId, OptionalLong seq, long nowMs) {
        Objects.requireNonNull(messageId, "messageId");
        if (seq.isEmpty()) {
            return; // no order to keep
        }
        forUpdate(key(recipientId, conversationId), nowMs).owedSeqByMessageId.put(messageId, seq.getAsLong());
    }

    /**
     * The message was acked (or found already acked): it is no longer owed (staged). If it was the last owed
     * message the conversation is unblocked; otherwise its no-progress clock restarts at {@code nowMs}.
     */
    public void settled(String recipientId, String conversationId, String messageId, long nowMs) {
        Key key = key(recipientId, conversationId);
        Conversation c = view(key);
        if (c == null || !c.owedSeqByMessageId.containsKey(messageId)) {
            return;
        }
        Conversation updated = forUpdate(key, nowMs);
        updated.owedSeqByMessageId.remove(messageId);
        if (updated.owedSeqByMessageId.isEmpty()) {
            staged.put(key, null);
        } else {
            updated.sinceMs = nowMs;
        }
    }

    /** The open batch's transaction committed: its changes become the gate's state. */
    public void commitBatch() {
        staged.forEach((key, c) -> {
            if (c == null) {
                committed.remove(key);
            } else {
                committed.put(key, c);
            }
        });
        staged.clear();
    }

    /** The open batch's transaction aborted: its changes are dropped. */
    public void abortBatch() {
        staged.clear();
    }

    /**
     * Gives up the hold of every committed conversation that made no progress since
     * {@code nowMs - maxHoldMs}; call between batches. Scans the blocked conversations only.
     */
    public List<Expired> expire(long nowMs) {
        List<Expired> out = new ArrayList<>();
        Iterator<Map.Entry<Key, Conversation>> it = committed.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Conversation> e = it.next();
            Conversation c = e.getValue();
            if (nowMs - c.sinceMs >= maxHoldMs) {
                Map.Entry<String, Long> low = c.lowest();
                out.add(new Expired(e.getKey().recipientId(), e.getKey().conversationId(), low.getKey(),
                        low.getValue(), c.owedSeqByMessageId.size(), c.sinceMs));
                it.remove();
            }
        }
        return out;
    }

    /** Whether the conversation is blocked, open batch included. */
    public boolean isBlocked(String recipientId, String conversationId) {
        return view(key(recipientId, conversationId)) != null;
    }

    /** Owed messages of the conversation, open batch included. */
    public int owed(String recipientId, String conversationId) {
        Conversation c = view(key(recipientId, conversationId));
        return c == null ? 0 : c.owedSeqByMessageId.size();
    }

    /** Blocked conversations, committed state. */
    public int blockedConversations() {
        return committed.size();
    }

    private static Key key(String recipientId, String conversationId) {
        return new Key(Objects.requireNonNull(recipientId, "recipientId"),
                Objects.requireNonNull(conversationId, "conversationId"));
    }

    private Conversation view(Key key) {
        return staged.containsKey(key) ? staged.get(key) : committed.get(key);
    }

    /** The conversation's staged state, copied on first change in the batch, created blocked at nowMs if absent. */
    private Conversation forUpdate(Key key, long nowMs) {
        Conversation c = staged.get(key);
        if (c == null) {
            Conversation base = staged.containsKey(key) ? null : committed.get(key);
            c = base == null ? new Conversation(nowMs) : base.copy();
            staged.put(key, c);
        }
        return c;
    }
}
