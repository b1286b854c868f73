package dev.courier.streams;

import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;

/**
 * Which pending deliveries an operator's "redeliver now" moves forward: those a delivery consumer tried and
 * could not deliver (waiting out a back-off), sent long enough ago, to the recipients asked for. A delivery
 * still queued (no consumer has read its latest attempt) would only be copied behind itself, and one held for
 * conversation order waits for its predecessor, not for a timer: both are left alone.
 */
final class RedeliverSelection {

    private RedeliverSelection() {
    }

    static boolean selects(RedeliverRequest request, PendingDelivery state) {
        SendEvent event = state.getEvent();
        if (event == null || state.getQueued() || state.getHeld()) {
            return false;
        }
        long sentBefore = request.getRequestedAt().toEpochMilli() - request.getOlderThanMs();
        return event.getSentAt().toEpochMilli() <= sentBefore
                && (request.getRecipients().isEmpty() || request.getRecipients().contains(event.getRecipientId()));
    }

    /** The deadline of the {@code index}-th selected delivery: spread by 1/rate from {@code now}. */
    static long deadline(RedeliverRequest request, int index, long now) {
        return now + (long) Math.floor(index * 1000.0 / request.getRatePerSecond());
    }
}
