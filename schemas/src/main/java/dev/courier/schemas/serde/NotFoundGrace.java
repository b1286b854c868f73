package dev.courier.schemas.serde;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a schema id the registry says it does not know is retried before its records count as poison: a
 * registry instance that lags behind the one the writer registered with answers 404 for a valid id for a while.
 * Times are the caller's clock. No Kafka types; thread-safe.
 */
public final class NotFoundGrace {

    /** Default grace: far beyond a registry instance's replication lag, short enough not to stall a partition long. */
    public static final long DEFAULT_GRACE_MS = 30_000;

    /** Ids remembered at most; a flood of crafted ids starts their grace over instead of growing memory. */
    static final int MAX_IDS = 10_000;

    private final long graceMs;
    private final Map<Integer, Long> firstNotFoundAtMs = new ConcurrentHashMap<>();

    public NotFoundGrace(long graceMs) {
        if (graceMs < 0) {
            throw new IllegalArgumentException("grace must not be negative, got " + graceMs);
        }
        this.graceMs = graceMs;
    }

    public long graceMs() {
        return graceMs;
    }

    /**
     * The registry said {@code schemaId} is unknown at {@code nowMs}: whether to retry (within the grace since it
     * first said so) rather than treat the record as poison.
     */
    public boolean retry(int schemaId, long nowMs) {
        if (firstNotFoundAtMs.size() >= MAX_IDS && !firstNotFoundAtMs.containsKey(schemaId)) {
            firstNotFoundAtMs.clear();
        }
        long first = firstNotFoundAtMs.computeIfAbsent(schemaId, id -> nowMs);
        return nowMs - first < graceMs;
    }
}
