package dev.courier.bench;

/**
 * The outcome of one phase.
 *
 * @param label e.g. "courier max", "raw @50%"
 * @param targetPerSecond the fixed rate asked for; 0 for a max-rate phase
 * @param deliveredPerSecond deliveries (hand-offs to the application) per second over the measured window (after warm-up)
 * @param lagGrowing whether end-to-end lag (sent - delivered) grew over the measured window
 * @param downstreamLagGrowing whether a later stage (Courier's tracker, on the ack topic) fell behind its own
 *        input; false if none
 * @param downstreamGrowthPerSecond how fast that stage's lag grew, in its input records per second
 *        (least squares over the measured window; 0 if none)
 * @param committedPerSecond messages the consumers committed per second over the measured window (least
 *        squares; Courier: send records committed with their acks); -1 where not measured
 * @param undelivered messages sent but not delivered when the phase's drain timed out
 * @param rates deliveries per second, per bucket of {@code rateBucketSeconds}, from the phase start
 */
public record PhaseResult(String label, double targetPerSecond, double deliveredPerSecond, boolean lagGrowing,
                          boolean downstreamLagGrowing, double downstreamGrowthPerSecond, double committedPerSecond, long sent, long undelivered, long sendFailures,
                          LatencyStats.Snapshot latency, double[] rates, double rateBucketSeconds) {

    /**
     * Messages delivered: sent, less send failures and those still undelivered when the drain ended (so a
     * message handed over twice does not count twice, unless another was never delivered).
     */
    public long delivered() {
        return sent - sendFailures - undelivered;
    }
}
