package dev.courier.consumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * handed to the Deliverer yet. The lowest owed message itself, older messages (lower seq) and messages
 * without a seq are never held.
 *
 * <p>A held message is remembered as owed together with its item (the consumer's copy of the record).
 * When the lowest owed message of a conversation is a held one, {@link #releasable} hands its item back:
 * the consumer delivers it at once, in seq order, right after the blocker is settled, without waiting for a
 * re-emit. If a held message's re-emit arrives first, the newer copy replaces the item. The tracker is the
 * backstop for an item that is lost with the gate (rebalance, crash): it re-emits the message later.
 *
 * <h2>Bounds and what is given up</h2>
 * <ul>
 *   <li>A conversation that makes no progress (no owed message settled) for {@code maxHoldMs} is dropped
 *       by {@link #expire(long)}: its messages then flow in arrival order, and order for that conversation
 *       is given up (until a new RETRY blocks it again); its held items are dropped and come back by re-emit.
 *       This keeps one undeliverable message (a device gone for good, a message the tracker gave up on) from
 *       wedging its conversation forever. Memory is the owed messages of blocked conversations within that
 *       time, held items (records with their payloads) included.</li>
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
public final class ConversationGate<T> {

    /** A conversation whose hold was given up by {@link #expire(long)}, for the log. */
    public record Expired(String recipientId, String conversationId, String lowestMessageId, long lowestSeq,
                          int owed, long blockedSinceMs) {
    }

    /** An owed message of a conversation. */
    public record OwedMessage(String messageId, long seq) {
    }

    private record Key(String recipientId, String conversationId) {
    }

    /** One owed message: its seq, and the held item (null when it is owed because of a RETRY). */
    private record Owed<T>(long seq, T held) {
    }

    /** The owed messages of one blocked conversation (never empty while stored). */
    private static final class Conversation<T> {
        final Map<String, Owed<T>> owedByMessageId = new HashMap<>();
        long sinceMs; // when it was blocked, or last made progress

        Conversation(long sinceMs) {
            this.sinceMs = sinceMs;
        }

        Conversation<T> copy() {
            Conversation<T> c = new Conversation<>(sinceMs);
            c.owedByMessageId.putAll(owedByMessageId);
            return c;
        }

        Map.Entry<String, Owed<T>> lowest() {
            Map.Entry<String, Owed<T>> low = null;
            for (Map.Entry<String, Owed<T>> e : owedByMessageId.entrySet()) {
                if (low == null || e.getValue().seq() < low.getValue().seq()) {
                    low = e;
                }
            }
            return low;
        }
    }

    private final long maxHoldMs;
    private final Map<Key, Conversation<T>> committed = new HashMap<>();
    /** Conversations changed in the open batch: the new state, or null if it was unblocked in the batch. */
    private final Map<Key, Conversation<T>> staged = new HashMap<>();

    public ConversationGate(long maxHoldMs) {
        if (maxHoldMs <= 0) {
            throw new IllegalArgumentException("maxHoldMs must be > 0, got " + maxHoldMs);
        }
        this.maxHoldMs = maxHoldMs;
    }

    /**
     * Whether the message must wait: true if it has a seq and an owed message of its conversation has a
     * lower seq. A held message becomes owed itself, with {@code item} (staged); see {@link #releasable}.
     */
    public boolean hold(String recipientId, String conversationId, String messageId, OptionalLong seq, T item) {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(item, "item");
        if (seq.isEmpty()) {
            return false;
        }
        Key key = key(recipientId, conversationId);
        Conversation<T> c = view(key);
        if (c == null) {
            return false;
        }
        long s = seq.getAsLong();
        boolean earlierOwed = c.owedByMessageId.values().stream().anyMatch(owed -> owed.seq() < s);
        if (earlierOwed) {
            forUpdate(key, 0).owedByMessageId.put(messageId, new Owed<>(s, item));
        }
        return earlierOwed;
    }

    /**
     * The held item to deliver now, if the conversation's lowest owed message is a held one (every earlier
     * owed message is settled). It stays owed until {@link #settled} or {@link #retry} is called for it.
     */
    public Optional<T> releasable(String recipientId, String conversationId) {
        Conversation<T> c = view(key(recipientId, conversationId));
        if (c == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(c.lowest().getValue().held());
    }

    /** The owed message with the lowest seq, open batch included: what a held message waits for. */
    public Optional<OwedMessage> lowestOwed(String recipientId, String conversationId) {
        Conversation<T> c = view(key(recipientId, conversationId));
        if (c == null) {
            return Optional.empty();
        }
        Map.Entry<String, Owed<T>> low = c.lowest();
        return Optional.of(new OwedMessage(low.getKey(), low.getValue().seq()));
    }

    /** The Deliverer answered RETRY (or threw) for the message: it is owed, and blocks later ones (staged). */
    public void retry(String recipientId, String conversationId, String messageId, OptionalLong seq, long nowMs) {
        Objects.requireNonNull(messageId, "messageId");
        if (seq.isEmpty()) {
            return; // no order to keep
        }
        forUpdate(key(recipientId, conversationId), nowMs).owedByMessageId.put(messageId, new Owed<>(seq.getAsLong(), null));
    }

    /**
     * The message was acked (or found already acked): it is no longer owed (staged). If it was the last owed
     * message the conversation is unblocked; otherwise its no-progress clock restarts at {@code nowMs}.
     */
    public void settled(String recipientId, String conversationId, String messageId, long nowMs) {
        Key key = key(recipientId, conversationId);
        Conversation<T> c = view(key);
        if (c == null || !c.owedByMessageId.containsKey(messageId)) {
            return;
        }
        Conversation<T> updated = forUpdate(key, nowMs);
        updated.owedByMessageId.remove(messageId);
        if (updated.owedByMessageId.isEmpty()) {
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
        Iterator<Map.Entry<Key, Conversation<T>>> it = committed.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Conversation<T>> e = it.next();
            Conversation<T> c = e.getValue();
            if (nowMs - c.sinceMs >= maxHoldMs) {
                Map.Entry<String, Owed<T>> low = c.lowest();
                out.add(new Expired(e.getKey().recipientId(), e.getKey().conversationId(), low.getKey(),
                        low.getValue().seq(), c.owedByMessageId.size(), c.sinceMs));
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
        Conversation<T> c = view(key(recipientId, conversationId));
        return c == null ? 0 : c.owedByMessageId.size();
    }

    /** Blocked conversations, committed state. */
    public int blockedConversations() {
        return committed.size();
    }

    private static Key key(String recipientId, String conversationId) {
        return new Key(Objects.requireNonNull(recipientId, "recipientId"),
                Objects.requireNonNull(conversationId, "conversationId"));
    }

    private Conversation<T> view(Key key) {
        return staged.containsKey(key) ? staged.get(key) : committed.get(key);
    }

    /** The conversation's staged state, copied on first change in the batch, created blocked at nowMs if absent. */
    private Conversation<T> forUpdate(Key key, long nowMs) {
        Conversation<T> c = staged.get(key);
        if (c == null) {
            Conversation<T> base = staged.containsKey(key) ? null : committed.get(key);
            c = base == null ? new Conversation<>(nowMs) : base.copy();
            staged.put(key, c);
        }
        return c;
    }
}
