package dev.courier.streams;

import java.nio.ByteBuffer;

/**
 * How far the delivery consumers have read one send partition, as the latest {@code AckBatch} said: every send
 * record below {@code committedThrough} was handled in a transaction committed at {@code committedAt}. A
 * delivery below it with no settling ack was tried and not delivered; one at or above it is only queued.
 * Stored per task (one partition) in the tracker's progress store, as 16 bytes.
 */
record ConsumerProgress(long committedThrough, long committedAt) {

    /** Before any consumer reported: nothing read. */
    static final ConsumerProgress NONE = new ConsumerProgress(0, 0);

    /** Whether a consumer has committed past the send record at {@code offset}. */
    boolean read(long offset) {
        return offset >= 0 && offset < committedThrough;
    }

    byte[] toBytes() {
        return ByteBuffer.allocate(2 * Long.BYTES).putLong(committedThrough).putLong(committedAt).array();
    }

    static ConsumerProgress fromBytes(byte[] bytes) {
        if (bytes == null) {
            return NONE;
        }
        if (bytes.length != 2 * Long.BYTES) {
            throw new IllegalStateException("consumer progress of " + bytes.length + " bytes, expected 16");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new ConsumerProgress(b.getLong(), b.getLong());
    }
}
