package dev.courier.schemas;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The names of Courier's topics, described once. Every component takes its topic names from here.
 *
 * <table>
 *   <tr><th>topic</th><th>key</th><th>value</th><th>written by</th></tr>
 *   <tr><td>send</td><td>recipientId</td><td>{@link SendEvent}</td><td>producers; tracker re-emits</td></tr>
 *   <tr><td>ack</td><td>recipientId</td><td>{@link DeliveryAck}</td><td>delivery consumers</td></tr>
 *   <tr><td>status (compacted)</td><td>messageId/recipientId</td><td>{@link DeliveryStatus}</td><td>tracker</td></tr>
 *   <tr><td>dead letters</td><td>recipientId (or the original key)</td><td>{@link DeadLetter}</td><td>tracker, consumers</td></tr>
 *   <tr><td>trackers (compacted, 1 partition)</td><td>host:port</td><td>{@link TrackerEndpoint}</td><td>tracker instances
 *       announcing their HTTP API</td></tr>
 *   <tr><td>commands (as many partitions as send)</td><td>none</td><td>{@link RedeliverRequest}</td><td>operators'
 *       commands (one record per partition), read by the tracker task of the partition</td></tr>
 *   <tr><td>idempotency (compacted, 7 days)</td><td>senderId/Idempotency-Key</td><td>{@link IdempotencyRecord}</td><td>HTTP
 *       gateways: the message id reserved for a key, then its placements</td></tr>
 * </table>
 *
 * <p>The send and ack topics must have the same partition count: the tracker joins them per partition
 * (they are co-partitioned by recipientId), and a consumer writes each ack to the partition of the send
 * event it acknowledges.
 */
public record CourierTopics(String send, String ack, String status, String deadLetter, String trackers,
                            String commands, String idempotency) {

    public static final String DEFAULT_PREFIX = "courier";

    public CourierTopics {
        Objects.requireNonNull(send, "send");
        Objects.requireNonNull(ack, "ack");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(deadLetter, "deadLetter");
        Objects.requireNonNull(trackers, "trackers");
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(idempotency, "idempotency");
    }

    /** {@code <prefix>.send}, {@code .ack}, {@code .status}, {@code .dead-letter}, {@code .trackers}, {@code .commands},
     * {@code .idempotency}. */
    public static CourierTopics withPrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("topic prefix must not be blank");
        }
        return new CourierTopics(prefix + ".send", prefix + ".ack", prefix + ".status", prefix + ".dead-letter",
                prefix + ".trackers", prefix + ".commands", prefix + ".idempotency");
    }

    public static CourierTopics defaults() {
        return withPrefix(DEFAULT_PREFIX);
    }

    /** Key of a status record, and of the tracker's state for one delivery. */
    public static String deliveryKey(String messageId, String recipientId) {
        return messageId + "/" + recipientId;
    }

    /**
     * The layout to create: send and ack with the same partition count; status compacted; dead letters
     * kept for 30 days so an operator has time to look and redrive; the trackers' endpoints compacted, in
     * one partition (a handful of records, read whole); operators' commands to the tracker partitioned like
     * the send topic, so each tracker task reads its own, kept a week; the gateway's idempotency keys compacted
     * and kept a week, with a day before compaction may touch a record (the gateway decides a key's owner from
     * the records of its first day, see {@code dev.courier.gateway.IdempotencyRules}).
     */
    public List<TopicSpec> specs(int partitions) {
        return List.of(
                new TopicSpec(send, partitions, Map.of()),
                new TopicSpec(ack, partitions, Map.of()),
                new TopicSpec(status, partitions, Map.of("cleanup.policy", "compact")),
                new TopicSpec(deadLetter, partitions, Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000))),
                new TopicSpec(trackers, 1, Map.of("cleanup.policy", "compact")),
                new TopicSpec(commands, partitions, Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000))),
                new TopicSpec(idempotency, partitions, Map.of("cleanup.policy", "compact,delete",
                        "retention.ms", String.valueOf(7L * 24 * 3600 * 1000),
                        "min.compaction.lag.ms", String.valueOf(24L * 3600 * 1000))));
    }
}
