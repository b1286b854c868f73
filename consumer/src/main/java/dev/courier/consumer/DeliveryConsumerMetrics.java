package dev.courier.consumer;

/**
 * A snapshot of a {@link DeliveryConsumer}'s counters. Every count is of committed batches only (what the
 * rest of Courier can see), except {@code abortedBatches}.
 *
 * @param delivered records acked DELIVERED or READ after a Deliverer call
 * @param duplicatesSuppressed records not handed to the Deliverer because (messageId, recipientId) was
 *        already acked; acked again (metric {@code duplicates_suppressed})
 * @param retries Deliverer calls that returned RETRY or threw; no ack written
 * @param rejected records acked REJECTED
 * @param deadLettered poison records written to the dead-letter topic
 * @param batches committed transactions
 * @param abortedBatches aborted transactions (their records were processed again)
 * @param lastDeliveryAtMs epoch ms of the last committed DELIVERED/READ ack, 0 if none
 * @param held records held back because an earlier message of their conversation was owed
 *        ({@code order.hold.enabled}); acked HELD (not a settlement) and kept for release
 * @param released held records handed to the Deliverer once their conversation's earlier messages were
 *        settled (counted in {@code delivered}, {@code retries} or {@code rejected} too, by outcome)
 * @param holdsExpired conversations whose hold was given up after {@code order.hold.max.ms} without
 *        progress (order for them was not kept); counted when given up, not per batch
 * @param dedupeEvictions acks evicted from a full de-duplication set ({@code dedupe.max.entries.per.partition}):
 *        a re-emit of one of them would reach the Deliverer again; counted as it happens
 * @param dedupeRebuilds ack partitions read back to the end for de-duplication (on assignment, or after a failure
 *        whose outcome could not be resolved)
 * @param dedupeRebuildRecords ack-topic records read back
 * @param dedupeRebuildMsTotal time spent reading ack partitions back, ms (each from its first slice to its end)
 * @param dedupeRebuildMsMax the longest read-back of one ack partition, ms
 */
public record DeliveryConsumerMetrics(
        long delivered,
        long duplicatesSuppressed,
        long retries,
        long rejected,
        long deadLettered,
        long batches,
        long abortedBatches,
        long lastDeliveryAtMs,
        long held,
        long released,
        long holdsExpired,
        long dedupeEvictions,
        long dedupeRebuilds,
        long dedupeRebuildRecords,
        long dedupeRebuildMsTotal,
        long dedupeRebuildMsMax) {
}
