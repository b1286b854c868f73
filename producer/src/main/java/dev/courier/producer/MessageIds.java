package dev.courier.producer;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Generates time-ordered message ids: RFC 9562 UUID version 7, as canonical lower-case text.
 *
 * <p>Layout (128 bits): 48-bit Unix epoch milliseconds | version 7 | 12 bits | variant 10 | 62 bits. The 12
 * bits after the version and the top 30 bits of the last field form a 42-bit counter (RFC 9562 §6.2,
 * "fixed-length dedicated counter"); the remaining 32 bits are random. Within one millisecond the counter is
 * incremented, so ids from one generator are strictly increasing, both as 128-bit numbers and as strings
 * (the canonical text is fixed-width hex). A new millisecond re-seeds the counter with 41 random bits, which
 * leaves at least 2^41 increments of head-room. If the clock steps backwards, or the counter would overflow,
 * the generator keeps using (and, on overflow, advances) its last timestamp instead, so ordering holds.
 *
 * <p>Thread-safe: {@link #next()} is a short critical section. Uniqueness across processes rests on the 32
 * random bits plus the random counter seed (73 random bits per millisecond and generator).
 */
public final class MessageIds {

    private static final long COUNTER_BITS = 42;
    private static final long COUNTER_MAX = (1L << COUNTER_BITS) - 1;
    private static final long SEED_MASK = (1L << (COUNTER_BITS - 1)) - 1;
    private static final long TIMESTAMP_MAX = (1L << 48) - 1;

    private final LongSupplier clock;
    private final RandomGenerator random;
    private long lastMillis = -1;
    private long counter;

    private MessageIds(LongSupplier clock, RandomGenerator random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A generator on the system clock with a {@link SecureRandom}. */
    public static MessageIds create() {
        return new MessageIds(System::currentTimeMillis, new SecureRandom());
    }

    /** A generator on the given clock (epoch milliseconds) and random source; for tests. */
    public static MessageIds create(LongSupplier clockMillis, RandomGenerator random) {
        return new MessageIds(clockMillis, random);
    }

    /** The next id, strictly greater than every id this generator returned before. */
    public String next() {
        long millis;
        long count;
        long tail = random.nextLong() & 0xFFFF_FFFFL;
        synchronized (this) {
            long now = clock.getAsLong();
            if (now > lastMillis) {
                lastMillis = now;
                counter = random.nextLong() & SEED_MASK;
            } else if (counter == COUNTER_MAX) {
                lastMillis++; // borrow the next millisecond rather than wrap
                counter = random.nextLong() & SEED_MASK;
            } else {
                counter++;
            }
            millis = lastMillis;
            count = counter;
        }
        if (millis < 0 || millis > TIMESTAMP_MAX) {
            throw new IllegalStateException("clock out of UUIDv7 range: " + millis);
        }
        long randA = count >>> 30;                 // top 12 counter bits
        long randBHigh = count & ((1L << 30) - 1); // low 30 counter bits
        long msb = (millis << 16) | (0x7L << 12) | randA;
        long lsb = (0b10L << 62) | (randBHigh << 32) | tail;
        return new UUID(msb, lsb).toString();
    }

    /** The epoch milliseconds embedded in a UUIDv7 id. */
    public static long timestampOf(String id) {
        UUID uuid = UUID.fromString(id);
        if (uuid.version() != 7) {
            throw new IllegalArgumentException("not a UUIDv7: " + id);
        }
        return uuid.getMostSignificantBits() >>> 16;
    }
}
