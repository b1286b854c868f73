package dev.courier.operator;

import dev.courier.schemas.SendEvent;
import java.util.Set;

/**
 * Which send events a replay keeps: each non-empty set must contain the event's value (any of the recipients,
 * and any of the conversations, ...); an empty set keeps everything.
 */
public record ReplayFilter(Set<String> recipients, Set<String> conversations, Set<String> senders, Set<String> messageIds) {

    public ReplayFilter {
        recipients = recipients == null ? Set.of() : Set.copyOf(recipients);
        conversations = conversations == null ? Set.of() : Set.copyOf(conversations);
        senders = senders == null ? Set.of() : Set.copyOf(senders);
        messageIds = messageIds == null ? Set.of() : Set.copyOf(messageIds);
    }

    public static ReplayFilter all() {
        return new ReplayFilter(null, null, null, null);
    }

    public boolean matches(SendEvent event) {
        return keeps(recipients, event.getRecipientId()) && keeps(conversations, event.getConversationId())
                && keeps(senders, event.getSenderId()) && keeps(messageIds, event.getMessageId());
    }

    private static boolean keeps(Set<String> wanted, String value) {
        return wanted.isEmpty() || wanted.contains(value);
    }
}
