package dev.courier.operator;

import dev.courier.schemas.DeadLetter;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One record of the dead-letter topic: where it is, and the {@link DeadLetter} it holds, or, when its value
 * is not a readable DeadLetter, the raw value and why it could not be read.
 */
public record DeadLetterEntry(int partition, long offset, long timestampMs, DeadLetter letter, byte[] rawRecord,
                              String undecodableReason) {

    /** Reason code under which a dead-letter record that does not decode is counted. */
    public static final String UNDECODABLE_DEAD_LETTER = "UNDECODABLE_DEAD_LETTER";

    private static final Pattern ID = Pattern.compile("(\\d+)-(\\d+)");

    /** Where a dead letter is: {@code <partition>-<offset>} of the dead-letter topic. */
    public record Id(int partition, long offset) {
        /** The id written {@code <partition>-<offset>}, or empty when {@code text} is not one (e.g. a messageId). */
        public static Optional<Id> parse(String text) {
            Matcher m = ID.matcher(text.trim());
            if (!m.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Id(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return partition + "-" + offset;
        }
    }

    public DeadLetterEntry {
        if (letter == null) {
            Objects.requireNonNull(undecodableReason, "undecodableReason");
        }
    }

    public static DeadLetterEntry decoded(int partition, long offset, long timestampMs, DeadLetter letter) {
        return new DeadLetterEntry(partition, offset, timestampMs, Objects.requireNonNull(letter, "letter"), null, null);
    }

    public static DeadLetterEntry undecodable(int partition, long offset, long timestampMs, byte[] raw, String why) {
        return new DeadLetterEntry(partition, offset, timestampMs, null, raw, why);
    }

    public Id id() {
        return new Id(partition, offset);
    }

    public String reason() {
        return letter == null ? UNDECODABLE_DEAD_LETTER : letter.getReasonCode();
    }

    public String reasonText() {
        return letter == null ? undecodableReason : letter.getReasonText();
    }

    /** When it was dead-lettered; the record's timestamp for one that does not decode. */
    public Instant deadLetteredAt() {
        return letter == null ? Instant.ofEpochMilli(timestampMs) : letter.getDeadLetteredAt();
    }

    public String messageId() {
        return letter == null ? null : letter.getMessageId();
    }

    public String recipientId() {
        return letter == null ? null : letter.getRecipientId();
    }

    public int attempts() {
        return letter == null ? 0 : letter.getAttempts();
    }

    /** {@code <topic>/<partition>/<offset>}: how a redrive names the dead letter it re-sends. */
    public String coordinates(String deadLetterTopic) {
        return deadLetterTopic + "/" + partition + "/" + offset;
    }
}
