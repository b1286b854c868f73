package dev.courier.operator;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to replay and how: the source topic (null: the send topic), the range, which records, the loop guard,
 * the pace (null: as fast as possible), whether to send at all (dry run otherwise), whether the delivery
 * consumers are asked to hand already delivered messages again, the checkpoint file (null: none), and how many
 * records to show as a sample.
 */
public record ReplayOptions(String sourceTopic, ReplayRange range, ReplayFilter filter, ReplayLoopGuard loopGuard,
                            Double ratePerSecond, boolean execute, boolean redeliver, Path checkpoint, int sampleSize) {

    public ReplayOptions {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(loopGuard, "loopGuard");
        if (ratePerSecond != null && !(ratePerSecond > 0)) {
            throw new IllegalArgumentException("--rate must be > 0, got " + ratePerSecond);
        }
        if (sampleSize < 0) {
            throw new IllegalArgumentException("sample size must be >= 0, got " + sampleSize);
        }
    }
}
