package dev.courier.consumer;

import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts one partition's acks of one transaction into the parts written as separate
 * {@link dev.courier.schemas.AckBatch} records, so that no record nears Kafka's 1 MiB default record limit
 * now that RETRY and HELD acks carry their send event (payloads up to 256 KiB). No Kafka types.
 */
final class AckBatchParts {

    /**
     * A part's estimated size stays below this (a single ack at or above it goes alone in its part): half the
     * 1 MiB default of the producer's {@code max.request.size} and the broker's {@code message.max.bytes},
     * leaving room for what the estimate leaves out (event headers, long ids).
     */
    static final long MAX_PART_BYTES = 512 * 1024;

    /** Estimated bytes of one ack besides its event's payload: ids, status, times, the event's other fields. */
    static final long ACK_OVERHEAD_BYTES = 300;

    private AckBatchParts() {
    }

    /** The estimated encoded size of {@code ack}: its event's payload bytes (if it has an event) plus the overhead. */
    static long estimatedBytes(DeliveryAck ack) {
        SendEvent e = ack.getEvent();
        return ACK_OVERHEAD_BYTES + (e == null || e.getPayload() == null ? 0 : e.getPayload().remaining());
    }

    /**
     * {@code acks} in order, cut into consecutive parts whose estimated size stays below {@code maxPartBytes}
     * (an ack estimated at or above it forms a part alone). No acks: one empty part, since every
     * (transaction, partition) writes at least one AckBatch.
     */
    static List<List<DeliveryAck>> split(List<DeliveryAck> acks, long maxPartBytes) {
        List<List<DeliveryAck>> parts = new ArrayList<>();
        List<DeliveryAck> part = new ArrayList<>();
        long partBytes = 0;
        for (DeliveryAck ack : acks) {
            long bytes = estimatedBytes(ack);
            if (!part.isEmpty() && partBytes + bytes >= maxPartBytes) {
                parts.add(part);
                part = new ArrayList<>();
                partBytes = 0;
            }
            part.add(ack);
            partBytes += bytes;
        }
        parts.add(part);
        return parts;
    }
}
