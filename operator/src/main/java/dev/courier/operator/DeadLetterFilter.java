package dev.courier.operator;

import java.time.Instant;
import java.util.Set;

/**
 * Which dead letters an operator's command is about: a reason code, records written at or after a time, a set of
 * message ids; an absent criterion matches everything.
 */
public record DeadLetterFilter(String reason, Instant since, Set<String> messageIds) {

    public static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, Set.of());

    public DeadLetterFilter {
        messageIds = messageIds == null ? Set.of() : Set.copyOf(messageIds);
    }

    public boolean matches(DeadLetterEntry entry) {
        return (reason == null || reason.equalsIgnoreCase(entry.reason()))
                && (since == null || entry.timestampMs() >= since.toEpochMilli())
                && (messageIds.isEmpty() || entry.messageId() != null && messageIds.contains(entry.messageId()));
    }
}
