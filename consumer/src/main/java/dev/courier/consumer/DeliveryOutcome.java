package dev.courier.consumer;

import java.util.Objects;

/**
 * What a {@link Deliverer} reports for one delivery.
 *
 * <ul>
 *   <li>{@link #DELIVERED}, {@link #READ}: acked with that status.</li>
 *   <li>{@link #rejected(String)}: the recipient's side refused it for good; acked REJECTED with the reason.</li>
 *   <li>{@link #RETRY}: the recipient cannot be reached now. Acked RETRY with the send event, which settles
 *       nothing: the tracker re-emits the event (attempt + 1) after its back-off. Until the message is
 *       settled, later messages of its conversation (higher seq) are held back (see {@link ConversationGate}).
 *       A Deliverer that throws or returns null counts as RETRY.</li>
 * </ul>
 */
public record DeliveryOutcome(Kind kind, String reason) {

    public enum Kind { DELIVERED, READ, REJECTED, RETRY }

    public static final DeliveryOutcome DELIVERED = new DeliveryOutcome(Kind.DELIVERED, null);
    public static final DeliveryOutcome READ = new DeliveryOutcome(Kind.READ, null);
    public static final DeliveryOutcome RETRY = new DeliveryOutcome(Kind.RETRY, null);

    public DeliveryOutcome {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.REJECTED && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a rejection needs a reason");
        }
        if (kind != Kind.REJECTED && reason != null) {
            throw new IllegalArgumentException("only a rejection has a reason");
        }
    }

    public static DeliveryOutcome rejected(String reason) {
        return new DeliveryOutcome(Kind.REJECTED, reason);
    }

    public boolean acked() {
        return kind != Kind.RETRY;
    }
}
