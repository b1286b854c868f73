package dev.courier.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keys of the tracker's time-ordered deadline index: an 8-byte big-endian deadline followed by the UTF-8
 * delivery key. Byte order is time order (deadlines are positive), so "everything due by now" is one
 * range scan from {@link #first()} to {@link #upTo(long)}, and a punctuation costs O(due), not O(pending).
 */
public final class DeadlineIndex {

    private DeadlineIndex() {
    }

    public static byte[] key(long deadline, String deliveryKey) {
        if (deadline < 0) {
            throw new IllegalArgumentException("deadline must be >= 0, got " + deadline);
        }
        byte[] id = deliveryKey.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Long.BYTES + id.length).putLong(deadline).put(id).array();
    }

    /** Lowest possible index key. */
    public static byte[] first() {
        return new byte[Long.BYTES];
    }

    /**
     * An inclusive upper bound above every key whose deadline is {@code <= now}: the bare deadline
     * {@code now + 1}, which sorts before every real key of that deadline (they are longer, with the same
     * prefix) and after every key of an earlier one.
     */
    public static byte[] upTo(long now) {
        return ByteBuffer.allocate(Long.BYTES).putLong(now + 1).array();
    }

    public static long deadline(byte[] key) {
        return ByteBuffer.wrap(key, 0, Long.BYTES).getLong();
    }

    public static String deliveryKey(byte[] key) {
        return new String(key, Long.BYTES, key.length - Long.BYTES, StandardCharsets.UTF_8);
    }
}
