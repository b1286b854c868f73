package dev.courier.bench;

/**
 * The outcome of one phase.
 *
 * @param label e.g. "courier max", "raw @50%"
 * @param targetPerSecond the fixed rate asked for; 0 for a max-rate phase
 * @param deliveredPerSecond deliveries per second over the measured window (after warm-up)
 * @param lagGrowing whether end-to-end lag (sent - delivered) grew over the measured window
 * @param downstreamLagGrowing whether a later stage (Courier's tracker) fell behind; false if none
 * @param downstreamGrowthPerSecond how fast that stage's lag grew, in its input records per second
 *        (least squares over the measured window; 0 if none)
 * @param undelivered messages sent but not delivered when the phase's drain timed out
 * @param rates deliveries per second, per bucket of {@code rateBucketSeconds}, from the phase start
 */
public record PhaseResult(String label, double targetPerSecond, double deliveredPerSecond, boolean lagGrowing,
                          boolean downstreamLagGrowing, double downstreamGrowthPerSecond, long sent, long undelivered, long sendFailures,
                          LatencyStats.Snapshot latency, double[] rates, double rateBucketSeconds) {

    /**
     * Messages delivered: sent, less send failures and those still undelivered when the drain ended (so a
     * message handed over twice does not count twice, unless another was never delivered).
     */
    public long delivered() {
        return sent - sendFailures - undelivered;
    }
}
