package dev.courier.gateway;

import dev.courier.producer.SendReceipt;
import dev.courier.schemas.IdempotencyRecord;
import dev.courier.schemas.SendPlacement;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The Idempotency-Key decisions, with no Kafka in them: which record of a key owns it, and what a request
 * carrying a key that is already known must do.
 *
 * <p>Ownership, applied to a key's records in log order: a completed record beats a reservation; otherwise the
 * first record wins, and a later one only counts when it carries the owner's message id (its completion, or a
 * copy). So two gateways that reserve one key at once both read back the same owner: the first reservation.
 */
public final class IdempotencyRules {

    /** What a request does with a key whose owner is already known. */
    public enum Decision {
        /** Completed: answer the original receipt, publish nothing. */
        REPLAY,
        /** Reserved by a gateway that did not finish (crashed, or Kafka timed out) long ago: publish again under the reserved message id. */
        RESUME,
        /** Reserved just now by another request: ask the client to retry. */
        IN_PROGRESS,
        /** The key was first used with another body: refuse. */
        REUSED
    }

    static final int MAX_KEY_LENGTH = 255;

    private IdempotencyRules() {
    }

    /** The header's value, checked: 1 to 255 visible ASCII characters, no '/'. @throws ApiError.ApiException 400 */
    public static String validKey(String header) {
        if (header.isEmpty() || header.length() > MAX_KEY_LENGTH) {
            throw ApiError.invalid("Idempotency-Key", "must be 1 to " + MAX_KEY_LENGTH + " characters").exception();
        }
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c <= ' ' || c > '~' || c == '/') {
                throw ApiError.invalid("Idempotency-Key", "must be visible ASCII characters other than '/'").exception();
            }
        }
        return header;
    }

    /** The record key in {@code <prefix>.idempotency}: keys are scoped by sender (the key itself has no '/'). */
    public static String recordKey(String senderId, String idempotencyKey) {
        return senderId + "/" + idempotencyKey;
    }

    /** Hex SHA-256 of a request body. */
    public static String fingerprint(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** The owner of a key after {@code next} (the key's next record in log order) given its owner so far, or null. */
    public static IdempotencyRecord owner(IdempotencyRecord current, IdempotencyRecord next) {
        if (current == null || next.getMessageId().equals(current.getMessageId())) {
            return completed(current) && !completed(next) ? current : next;
        }
        return !completed(current) && completed(next) ? next : current;
    }

    public static Decision decide(IdempotencyRecord owner, String fingerprint, Instant now, Duration takeoverAfter) {
        if (!owner.getRequestSha256().equals(fingerprint)) {
            return Decision.REUSED;
        }
        if (completed(owner)) {
            return Decision.REPLAY;
        }
        return owner.getReservedAt().plus(takeoverAfter).isAfter(now) ? Decision.IN_PROGRESS : Decision.RESUME;
    }

    public static IdempotencyRecord reservation(String messageId, String fingerprint, Instant now) {
        return IdempotencyRecord.newBuilder().setMessageId(messageId).setRequestSha256(fingerprint)
                .setReservedAt(now).setCompletedAt(null).setPlacements(List.of()).build();
    }

    public static IdempotencyRecord completion(IdempotencyRecord reservation, SendReceipt receipt, Instant now) {
        if (!reservation.getMessageId().equals(receipt.messageId())) {
            throw new IllegalStateException("receipt of message " + receipt.messageId()
                    + " does not complete the reservation of " + reservation.getMessageId());
        }
        return IdempotencyRecord.newBuilder(reservation).setCompletedAt(now)
                .setPlacements(receipt.placements().stream().map(p -> SendPlacement.newBuilder()
                        .setRecipientId(p.recipientId()).setPartition(p.partition()).setOffset(p.offset()).build())
                        .toList())
                .build();
    }

    public static SendReceipt receipt(IdempotencyRecord completed) {
        if (!completed(completed)) {
            throw new IllegalStateException("message " + completed.getMessageId() + " is reserved, not completed");
        }
        return new SendReceipt(completed.getMessageId(), completed.getPlacements().stream()
                .map(p -> new SendReceipt.Placement(p.getRecipientId(), p.getPartition(), p.getOffset())).toList());
    }

    private static boolean completed(IdempotencyRecord record) {
        return record != null && record.getCompletedAt() != null;
    }
}
