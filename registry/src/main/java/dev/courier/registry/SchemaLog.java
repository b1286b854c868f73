package dev.courier.registry;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The registry's durable, totally ordered log (in production one partition of a compacted Kafka topic,
 * {@link KafkaSchemaLog}). Keys and values are UTF-8 JSON text.
 */
public interface SchemaLog extends AutoCloseable {

    /** Receives records in log order, on one thread. */
    @FunctionalInterface
    interface RecordHandler {
        /** {@code value} is null for a tombstone. */
        void onRecord(long offset, String key, String value);
    }

    /** Whether the follower still delivers records, and where the log ends as it last saw it. */
    record FollowerStatus(boolean running, long endOffset, String failure) {
    }

    /**
     * Starts delivering every record from the beginning of the log to {@code handler}, then keeps
     * following the log. Returns once every record that was in the log when it was called has been
     * delivered, however long that takes; fails if no record is delivered for {@code stallTimeout},
     * or if the follower stops.
     */
    void start(RecordHandler handler, Duration stallTimeout);

    /** The follower's state; safe to call from any thread. */
    FollowerStatus status();

    /** Appends a record durably; completes with its offset, or exceptionally if it could not be written. */
    CompletableFuture<Long> append(String key, String value);

    /** A short description for logs and error messages, e.g. the topic and bootstrap servers. */
    String describe();

    @Override
    void close();
}
