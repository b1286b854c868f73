package dev.courier.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one bench run. {@link #quick} and {@link #full} give the two standard shapes; the rest is
 * validated here.
 *
 * @param bootstrapServers an existing cluster, or null to start a local 3-node one under {@code workDir}
 * @param window closed-loop window of the max-rate phases (messages between send and delivery)
 */
public record BenchOptions(String bootstrapServers, Path workDir, int partitions, int payloadBytes, int consumers,
                           Duration warmup, Duration maxPhase, Duration fixedPhase, Duration recoveryPhase,
                           Duration redeliveryPhase, double dropFraction, long ackTimeoutMs, int window,
                           boolean quick) {

    public BenchOptions {
        Objects.requireNonNull(workDir, "workDir");
        if (partitions < 1 || consumers < 1) {
            throw new IllegalArgumentException("partitions and consumers must be >= 1");
        }
        if (payloadBytes < Payload.MIN_SIZE) {
            throw new IllegalArgumentException("payload must be >= " + Payload.MIN_SIZE + " bytes, got " + payloadBytes);
        }
        if (!(dropFraction > 0 && dropFraction < 1)) {
            throw new IllegalArgumentException("drop fraction must be within (0, 1), got " + dropFraction);
        }
        if (warmup.compareTo(fixedPhase) >= 0 || warmup.compareTo(maxPhase) >= 0) {
            throw new IllegalArgumentException("warm-up must be shorter than every phase");
        }
    }

    /** Under 3 minutes on a 2-core machine. */
    public static BenchOptions quick(String bootstrapServers, Path workDir, int partitions, int payloadBytes, int consumers) {
        return new BenchOptions(bootstrapServers, workDir, partitions, payloadBytes, consumers, Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(7), Duration.ofSeconds(18), Duration.ofSeconds(4), 0.05,
                5000, 1000, true);
    }

    /** Under 15 minutes. */
    public static BenchOptions full(String bootstrapServers, Path workDir, int partitions, int payloadBytes, int consumers) {
        return new BenchOptions(bootstrapServers, workDir, partitions, payloadBytes, consumers, Duration.ofSeconds(5),
                Duration.ofSeconds(60), Duration.ofSeconds(45), Duration.ofSeconds(60), Duration.ofSeconds(20), 0.05,
                5000, 1000, false);
    }
}
