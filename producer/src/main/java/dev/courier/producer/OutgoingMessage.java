package dev.courier.producer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * One message as a backend service hands it to {@link CourierProducer#send}: immutable, validated on
 * {@link Builder#build()} with an {@link InvalidMessageException} naming the field.
 *
 * <ul>
 *   <li>{@code conversationId}, {@code senderId}: required, non-blank.</li>
 *   <li>{@code recipients}: non-empty, each non-blank, no duplicates; order is kept.</li>
 *   <li>{@code payload}: required (may be empty); the size limit is the producer's
 *       ({@code courier.max.payload.bytes}) and is checked by {@link CourierProducer#send}.</li>
 *   <li>{@code contentType}: defaults to {@code text/plain}.</li>
 *   <li>{@code headers}: string to string, no null keys or values.</li>
 *   <li>{@code seq}: optional, &gt;= 0, the sender's position of the message in its conversation.</li>
 *   <li>{@code messageId}: optional. Set it only to retry a send whose outcome is unknown, with the id from
 *       the earlier attempt ({@link SendReceipt#messageId()} or {@link SendFailedException#messageId()}): the
 *       delivery consumers de-duplicate by (messageId, recipientId), so a retried recipient is not
 *       delivered twice. Must be a UUID in canonical text form.</li>
 * </ul>
 */
public final class OutgoingMessage {

    public static final String DEFAULT_CONTENT_TYPE = "text/plain";

    private final String conversationId;
    private final String senderId;
    private final List<String> recipients;
    private final byte[] payload;
    private final String contentType;
    private final Map<String, String> headers;
    private final Long seq;
    private final String messageId;

    private OutgoingMessage(Builder b) {
        this.conversationId = requireText("conversationId", b.conversationId);
        this.senderId = requireText("senderId", b.senderId);
        this.recipients = validateRecipients(b.recipients);
        if (b.payload == null) {
            throw new InvalidMessageException("payload", "is required (use an empty array for no body)");
        }
        this.payload = b.payload.clone();
        this.contentType = requireText("contentType", b.contentType);
        this.headers = validateHeaders(b.headers);
        if (b.seq != null && b.seq < 0) {
            throw new InvalidMessageException("seq", "must be >= 0, got " + b.seq);
        }
        this.seq = b.seq;
        if (b.messageId != null) {
            requireText("messageId", b.messageId);
            try {
                if (!UUID.fromString(b.messageId).toString().equals(b.messageId)) {
                    throw new IllegalArgumentException("not canonical");
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidMessageException("messageId",
                        "must be a UUID in canonical lower-case text form, got '" + b.messageId + "'");
            }
        }
        this.messageId = b.messageId;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String conversationId() {
        return conversationId;
    }

    public String senderId() {
        return senderId;
    }

    /** Distinct recipients, in the order given. */
    public List<String> recipients() {
        return recipients;
    }

    /** A copy of the payload. */
    public byte[] payload() {
        return payload.clone();
    }

    public int payloadSize() {
        return payload.length;
    }

    public String contentType() {
        return contentType;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public OptionalLong seq() {
        return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
    }

    public Optional<String> messageId() {
        return Optional.ofNullable(messageId);
    }

    /** This message under {@code messageId}: to retry a send whose outcome is unknown (see {@link Builder#messageId}). */
    public OutgoingMessage withMessageId(String messageId) {
        Builder copy = builder().conversationId(conversationId).senderId(senderId).recipients(recipients)
                .payload(payload).contentType(contentType).headers(headers).messageId(messageId);
        if (seq != null) {
            copy.seq(seq);
        }
        return copy.build();
    }

    /** Package-private: the payload without copying, for the fan-out. */
    byte[] payloadUnsafe() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof OutgoingMessage m
                && conversationId.equals(m.conversationId) && senderId.equals(m.senderId)
                && recipients.equals(m.recipients) && Arrays.equals(payload, m.payload)
                && contentType.equals(m.contentType) && headers.equals(m.headers)
                && Objects.equals(seq, m.seq) && Objects.equals(messageId, m.messageId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conversationId, senderId, recipients, Arrays.hashCode(payload), contentType,
                headers, seq, messageId);
    }

    /** Never includes the payload. */
    @Override
    public String toString() {
        return "OutgoingMessage[conversationId=" + conversationId + ", senderId=" + senderId
                + ", recipients=" + recipients.size() + ", payloadBytes=" + payload.length
                + ", contentType=" + contentType + ", seq=" + seq + ", messageId=" + messageId + "]";
    }

    private static String requireText(String field, String value) {
        if (value == null) {
            throw new InvalidMessageException(field, "is required");
        }
        if (value.isBlank()) {
            throw new InvalidMessageException(field, "must not be blank");
        }
        return value;
    }

    private static List<String> validateRecipients(List<String> given) {
        if (given == null || given.isEmpty()) {
            throw new InvalidMessageException("recipients", "at least one recipient is required");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            String r = given.get(i);
            if (r == null || r.isBlank()) {
                throw new InvalidMessageException("recipients", "recipient #" + i + " is null or blank");
            }
            if (!seen.add(r)) {
                throw new InvalidMessageException("recipients", "duplicate recipient '" + r + "'");
            }
        }
        return List.copyOf(seen);
    }

    private static Map<String, String> validateHeaders(Map<String, String> given) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new InvalidMessageException("headers", "header names must not be null or blank");
            }
            if (e.getValue() == null) {
                throw new InvalidMessageException("headers", "header '" + e.getKey() + "' has a null value");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** Collects the fields; {@link #build()} validates. */
    public static final class Builder {
        private String conversationId;
        private String senderId;
        private List<String> recipients = new ArrayList<>();
        private byte[] payload;
        private String contentType = DEFAULT_CONTENT_TYPE;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Long seq;
        private String messageId;

        private Builder() {
        }

        public Builder conversationId(String conversationId) {
            this.conversationId = conversationId;
            return this;
        }

        public Builder senderId(String senderId) {
            this.senderId = senderId;
            return this;
        }

        /** Replaces the recipients. */
        public Builder recipients(List<String> recipients) {
            this.recipients = recipients == null ? null : new ArrayList<>(recipients);
            return this;
        }

        public Builder recipients(String... recipients) {
            return recipients(Arrays.asList(recipients));
        }

        public Builder addRecipient(String recipient) {
            if (recipients == null) {
                recipients = new ArrayList<>();
            }
            recipients.add(recipient);
            return this;
        }

        /** Copied on {@link #build()}. */
        public Builder payload(byte[] payload) {
            this.payload = payload;
            return this;
        }

        public Builder contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            this.headers.clear();
            this.headers.putAll(headers);
            return this;
        }

        public Builder seq(long seq) {
            this.seq = seq;
            return this;
        }

        public Builder messageId(String messageId) {
            this.messageId = messageId;
            return this;
        }

        public OutgoingMessage build() {
            return new OutgoingMessage(this);
        }
    }
}
