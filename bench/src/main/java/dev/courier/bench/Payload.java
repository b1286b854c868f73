package dev.courier.bench;

import java.nio.ByteBuffer;

/**
 * A benchmark payload: {@code size} bytes whose first 8 carry the message's <em>scheduled</em> send time
 * ({@link System#nanoTime()} of this JVM). Producer and consumers run in the bench's JVM, so the consumer
 * can measure latency from the schedule without any lookup table.
 */
public final class Payload {

    public static final int MIN_SIZE = Long.BYTES;

    private Payload() {
    }

    public static byte[] create(int size, long scheduledNanos) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("payload size must be >= " + MIN_SIZE + ", got " + size);
        }
        byte[] bytes = new byte[size];
        ByteBuffer.wrap(bytes).putLong(scheduledNanos);
        for (int i = MIN_SIZE; i < size; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    public static long scheduledNanos(byte[] payload) {
        return ByteBuffer.wrap(payload, 0, Long.BYTES).getLong();
    }
}
