package dev.courier.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The Kafka record headers of a send record an operator's command copied, described once: {@code courier replay}
 * and {@code courier dlq redrive} write them; the delivery consumer and the tracker's status index read them.
 * The value (the {@link SendEvent}) is the original's (a redrive resets its attempt to 1).
 */
public final class CopyHeaders {

    /** Id of the replay run that wrote the record (one per run; a resumed run keeps its id). */
    public static final String ID = "courier.replay.id";
    /** How many times the message has been replayed in a chain: the source record's count + 1. */
    public static final String COUNT = "courier.replay.count";
    /** {@code topic/partition/offset} of the original send record (kept when a replay is replayed). */
    public static final String ORIGIN = "courier.replay.origin";
    /** {@code topic/partition/offset} of the record this copy was made from (the origin, or a replay of it). */
    public static final String SOURCE = "courier.replay.source";
    /** {@code true}: hand the message to the Deliverer even if it was already delivered. */
    public static final String REDELIVER = "courier.replay.redeliver";
    /** {@code <dead-letter topic>/<partition>/<offset>} of the dead letter a redrive re-sent. */
    public static final String REDRIVE_OF = "courier.redrive.of";

    private CopyHeaders() {
    }

    /** {@code topic/partition/offset}. */
    public static String coordinates(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /** Whether the record was written by a replay. */
    public static boolean isReplay(Headers headers) {
        return text(headers, ID) != null;
    }

    /** The record's replay count: 0 for a record never replayed (or with an unreadable count). */
    public static int count(Headers headers) {
        String count = text(headers, COUNT);
        if (count == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(count.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether the replay asked for the message to be handed to the Deliverer again despite de-duplication. */
    public static boolean redeliver(Headers headers) {
        return isReplay(headers) && "true".equals(text(headers, REDELIVER));
    }

    /** The last value of the header {@code name} as UTF-8 text, or null. */
    public static String text(Headers headers, String name) {
        if (headers == null) {
            return null;
        }
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
