package dev.courier.streams;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.DeliveryProgress;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.HistoryEvent;
import dev.courier.schemas.SendEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How each thing the tracker reads moves a delivery's {@link DeliveryHistory}: no Kafka types, so the rules
 * are tested given/when/then. The send, ack and dead-letter partitions of a task are read in timestamp order,
 * not in causal order (an ack can come before its send), so the progress is decided by rank, not by arrival:
 * the step of the highest attempt wins; within an attempt, a settlement beats a report (HELD, RETRY), which
 * beats the send itself; once settled (DELIVERED, READ, DEAD_LETTERED, EXPIRED) a delivery stays settled,
 * except that READ refines DELIVERED and a delivery after a dead letter wins, and a redrive starts it over.
 */
final class DeliveryHistories {

    /** A long history keeps its first step and the latest ones (a delivery has at most max.attempts sends). */
    static final int MAX_TIMELINE = 64;

    private DeliveryHistories() {
    }

    /**
     * A send record: the sender's (published), the tracker's (re-emitted), or an operator's copy. A redrive
     * ({@code redriveOf}, the dead letter it re-sent) starts the delivery over: queued, attempt 1, whatever it
     * was. A replay ({@code replayId}) is one more copy, which a settled delivery treats as a duplicate, even
     * when what it copied was a redrive (the copy keeps its source's headers).
     */
    static DeliveryHistory sent(DeliveryHistory history, SendEvent event, int partition, long offset, long timestamp,
                                String redriveOf, String replayId) {
        String where = "send partition " + partition + " offset " + offset;
        if (replayId != null) {
            return apply(history, event.getMessageId(), event.getRecipientId(),
                    step("replayed", timestamp, event.getAttempt(), "replay " + replayId + ", " + where),
                    event.getAttempt() <= 1 ? DeliveryProgress.QUEUED : DeliveryProgress.IN_DELIVERY, null);
        }
        if (redriveOf != null) {
            HistoryEvent step = step("redriven", timestamp, 1, "from dead letter " + redriveOf + ", " + where);
            DeliveryHistory restarted = apply(history, event.getMessageId(), event.getRecipientId(), step,
                    DeliveryProgress.QUEUED, null);
            return DeliveryHistory.newBuilder(restarted).setProgress(DeliveryProgress.QUEUED).setAttempts(1)
                    .setReason(null).build();
        }
        boolean first = event.getAttempt() <= 1;
        HistoryEvent step = step(first ? "published" : "re-emitted",
                first ? event.getSentAt().toEpochMilli() : timestamp, event.getAttempt(), where);
        return apply(history, event.getMessageId(), event.getRecipientId(), step,
                first ? DeliveryProgress.QUEUED : DeliveryProgress.IN_DELIVERY, null);
    }

    static DeliveryHistory acked(DeliveryHistory history, DeliveryAck ack) {
        String name = ack.getDuplicate() ? "duplicate" : ack.getStatus().name().toLowerCase();
        String detail = "by " + ack.getDeliveredBy() + (ack.getReason() == null ? "" : ": " + ack.getReason());
        DeliveryProgress progress = switch (ack.getStatus()) {
            case DELIVERED -> DeliveryProgress.DELIVERED;
            case READ -> DeliveryProgress.READ;
            case REJECTED -> DeliveryProgress.DEAD_LETTERED;
            case HELD -> DeliveryProgress.HELD;
            case RETRY -> DeliveryProgress.RETRYING;
        };
        String reason = ack.getStatus() == AckStatus.REJECTED ? "REJECTED: " + ack.getReason() : null;
        return apply(history, ack.getMessageId(), ack.getRecipientId(),
                step(name, ack.getAckedAt().toEpochMilli(), ack.getAttempt(), detail), progress, reason);
    }

    /** @return the history, or {@code history} unchanged for a dead letter that names no delivery (poison) */
    static DeliveryHistory deadLettered(DeliveryHistory history, DeadLetter deadLetter) {
        if (deadLetter.getMessageId() == null || deadLetter.getRecipientId() == null) {
            return history;
        }
        String reason = deadLetter.getReasonCode() + ": " + deadLetter.getReasonText();
        DeliveryProgress progress = DeadLetterReason.EXPIRED.name().equals(deadLetter.getReasonCode())
                ? DeliveryProgress.EXPIRED : DeliveryProgress.DEAD_LETTERED;
        Instant at = deadLetter.getDeadLetteredAt();
        return apply(history, deadLetter.getMessageId(), deadLetter.getRecipientId(),
                step("dead-lettered", at == null ? 0 : at.toEpochMilli(), deadLetter.getAttempts(), reason),
                progress, reason);
    }

    private static DeliveryHistory apply(DeliveryHistory history, String messageId, String recipientId,
                                         HistoryEvent step, DeliveryProgress progress, String reason) {
        if (history == null) {
            return DeliveryHistory.newBuilder()
                    .setMessageId(messageId).setRecipientId(recipientId)
                    .setProgress(progress).setAttempts(step.getAttempt()).setReason(reason)
                    .setTimeline(new ArrayList<>(List.of(step)))
                    .build();
        }
        List<HistoryEvent> timeline = new ArrayList<>(history.getTimeline());
        timeline.add(step);
        if (timeline.size() > MAX_TIMELINE) {
            timeline.remove(1);
        }
        DeliveryHistory.Builder next = DeliveryHistory.newBuilder(history)
                .setTimeline(timeline)
                .setAttempts(Math.max(history.getAttempts(), step.getAttempt()));
        if (overrides(progress, step.getAttempt(), history)) {
            next.setProgress(progress);
            if (reason != null || !settled(progress)) {
                next.setReason(reason);
            }
        }
        return next.build();
    }

    private static boolean overrides(DeliveryProgress candidate, int attempt, DeliveryHistory history) {
        DeliveryProgress current = history.getProgress();
        if (settled(current)) {
            // READ refines DELIVERED; a delivery after a dead letter (a late ack, a redrive) is the truth.
            return candidate == DeliveryProgress.READ && current != DeliveryProgress.READ
                    || candidate == DeliveryProgress.DELIVERED
                    && (current == DeliveryProgress.DEAD_LETTERED || current == DeliveryProgress.EXPIRED);
        }
        if (settled(candidate)) {
            return true;
        }
        if (attempt != history.getAttempts()) {
            return attempt > history.getAttempts();
        }
        return rank(candidate) >= rank(current);
    }

    static boolean settled(DeliveryProgress progress) {
        return switch (progress) {
            case DELIVERED, READ, DEAD_LETTERED, EXPIRED -> true;
            default -> false;
        };
    }

    private static int rank(DeliveryProgress progress) {
        return switch (progress) {
            case QUEUED, IN_DELIVERY -> 0;
            case HELD, RETRYING -> 1;
            default -> 2;
        };
    }

    private static HistoryEvent step(String event, long at, int attempt, String detail) {
        return HistoryEvent.newBuilder().setEvent(event).setAt(Instant.ofEpochMilli(at))
                .setAttempt(attempt).setDetail(detail).build();
    }
}
