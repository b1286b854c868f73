package dev.courier.schemas;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The value schema of the ack topic: the union {@code [DeliveryAck, AckBatch]}, registered under
 * {@code <prefix>.ack-value}. Delivery consumers write {@link AckBatch} records (one per transaction and
 * partition); a {@link DeliveryAck} on its own is what Courier wrote before batches, and what a delivery
 * consumer of one's own may still write. The union is a BACKWARD-compatible evolution of the subject's
 * earlier {@code DeliveryAck} schema (a union reader resolves a record writer to its branch), which is
 * Confluent's documented way of putting several event types in one topic.
 */
public final class AckTopicValue {

    /** The union, DeliveryAck first: the branch an old writer's records resolve to. */
    public static final Schema SCHEMA = Schema.createUnion(DeliveryAck.getClassSchema(), AckBatch.getClassSchema());

    private AckTopicValue() {
    }

    /** The acks a decoded ack-topic value carries: a batch's list, or the single ack. */
    public static List<DeliveryAck> acks(SpecificRecord value) {
        if (value instanceof AckBatch batch) {
            return batch.getAcks();
        }
        if (value instanceof DeliveryAck ack) {
            return List.of(ack);
        }
        throw new IllegalArgumentException("not an ack-topic value: "
                + (value == null ? "null" : value.getSchema().getFullName()));
    }
}
