package dev.courier.operator;

/**
 * Stops replay loops: a message may be replayed at most {@code maxReplays} times in a chain, so a record
 * whose {@code courier.replay.count} is already {@code maxReplays} (or more) is not replayed again.
 */
public record ReplayLoopGuard(int maxReplays) {

    public ReplayLoopGuard {
        if (maxReplays < 1) {
            throw new IllegalArgumentException("--max-replays must be at least 1, got " + maxReplays);
        }
    }

    /** Whether a record replayed {@code count} times so far (0 for an original) may be replayed once more. */
    public boolean allows(int count) {
        return count < maxReplays;
    }
}
