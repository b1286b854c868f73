package dev.courier.operator;

import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.EventChecks;
import java.util.Set;

/**
 * Which dead letters a redrive may send back to the send topic: only those the pipeline could now deliver.
 * Poison (no decoded event, an invalid or oversized one) and letters the delivery consumers would dead-letter
 * or suppress again (EXPIRED: past its time-to-live; REJECTED: a settled ack that de-duplicates the copy) are
 * refused, and so is a dead letter already redriven, unless forced.
 */
public final class RedrivePolicy {

    /** Refusal reason of a dead letter a previous redrive sent already. */
    public static final String ALREADY_REDRIVEN = "ALREADY_REDRIVEN";
    /** Refusal reason of a dead letter with no decoded event: only raw bytes, nothing to re-send. */
    public static final String NO_EVENT = "NO_EVENT";

    private static final Set<String> FUTILE_REASONS = Set.of(DeadLetterReason.INVALID_EVENT.name(),
            DeadLetterReason.OVERSIZED_PAYLOAD.name(), DeadLetterReason.EXPIRED.name(), DeadLetterReason.REJECTED.name());

    private RedrivePolicy() {
    }

    /**
     * Why {@code entry} must not be redriven, as a reason code, or null if it may: {@link #NO_EVENT}, the dead
     * letter's own reason when re-sending it would end the same way, or {@link #ALREADY_REDRIVEN}.
     */
    public static String refusal(DeadLetterEntry entry, boolean alreadyRedriven, boolean force) {
        if (entry.letter() == null || entry.letter().getEvent() == null) {
            return NO_EVENT;
        }
        if (FUTILE_REASONS.contains(entry.reason())) {
            return entry.reason();
        }
        if (alreadyRedriven && !force) {
            return ALREADY_REDRIVEN;
        }
        return null;
    }
}
