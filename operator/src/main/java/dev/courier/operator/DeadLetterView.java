package dev.courier.operator;

import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code dlq show} prints about one dead letter, as an ordered map (the JSON object; the human output
 * prints it line by line): reason, attempts and times, origin, and the event decoded or the raw bytes in hex.
 */
public final class DeadLetterView {

    private DeadLetterView() {
    }

    public static Map<String, Object> of(DeadLetterEntry entry) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", entry.id().toString());
        view.put("reason", entry.reason());
        view.put("reasonText", entry.reasonText());
        DeadLetter letter = entry.letter();
        if (letter == null) {
            view.put("deadLetteredAt", entry.deadLetteredAt().toString());
            view.put("rawRecordHex", hex(entry.rawRecord()));
            return view;
        }
        view.put("messageId", letter.getMessageId());
        view.put("recipientId", letter.getRecipientId());
        view.put("attempts", letter.getAttempts());
        view.put("firstAttemptAt", text(letter.getFirstAttemptAt()));
        view.put("lastAttemptAt", text(letter.getLastAttemptAt()));
        view.put("deadLetteredAt", text(letter.getDeadLetteredAt()));
        view.put("originalTopic", letter.getOriginalTopic());
        view.put("originalPartition", letter.getOriginalPartition());
        view.put("originalOffset", letter.getOriginalOffset());
        if (letter.getEvent() != null) {
            view.put("event", event(letter.getEvent()));
        }
        if (letter.getRawValue() != null) {
            view.put("rawValueHex", hex(bytes(letter.getRawValue())));
        }
        return view;
    }

    /** The event's fields; the payload as text for a {@code text/*} content type, in hex otherwise. */
    static Map<String, Object> event(SendEvent e) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("messageId", e.getMessageId());
        view.put("conversationId", e.getConversationId());
        view.put("senderId", e.getSenderId());
        view.put("recipientId", e.getRecipientId());
        view.put("sentAt", text(e.getSentAt()));
        view.put("attempt", e.getAttempt());
        view.put("seq", e.getSeq());
        view.put("contentType", e.getContentType());
        view.put("headers", e.getHeaders());
        byte[] payload = bytes(e.getPayload());
        if (e.getContentType() != null && e.getContentType().startsWith("text/")) {
            view.put("payload", new String(payload, StandardCharsets.UTF_8));
        } else {
            view.put("payloadHex", hex(payload));
        }
        return view;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static String hex(byte[] bytes) {
        return bytes == null ? null : HexFormat.of().formatHex(bytes);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
