package dev.courier.bench;

import java.util.Collection;
import java.util.OptionalDouble;

/**
 * Recovery after a broker is killed under steady load, from what the consumers saw.
 *
 * <ul>
 *   <li>{@link #resumeSeconds}: for every partition the dead broker led, the first delivery of a message
 *       scheduled after the kill; the slowest partition decides. Empty if one never resumed.</li>
 *   <li>{@link #backTo90Seconds}: the first rate bucket, from the kill on, whose delivery rate is at least
 *       90% of the mean rate before the kill (after warm-up). Empty if it never came back.</li>
 * </ul>
 */
public final class RecoveryAnalysis {

    private RecoveryAnalysis() {
    }

    /** @param firstDeliveryAfterKillNanos per affected partition, 0 meaning "never" */
    public static OptionalDouble resumeSeconds(long killNanos, Collection<Long> firstDeliveryAfterKillNanos) {
        if (firstDeliveryAfterKillNanos.isEmpty()) {
            return OptionalDouble.empty();
        }
        long worst = 0;
        for (long t : firstDeliveryAfterKillNanos) {
            if (t == 0) {
                return OptionalDouble.empty();
            }
            worst = Math.max(worst, t - killNanos);
        }
        return OptionalDouble.of(worst / 1e9);
    }

    /**
     * @param rates deliveries per second per bucket from the phase start
     * @param firstSteadyBucket first bucket after warm-up
     * @param killBucket the bucket the kill happened in
     */
    public static OptionalDouble backTo90Seconds(double[] rates, double bucketSeconds, int firstSteadyBucket,
                                                 int killBucket, double killOffsetInBucketSeconds) {
        if (killBucket <= firstSteadyBucket || killBucket >= rates.length) {
            return OptionalDouble.empty();
        }
        double sum = 0;
        for (int i = firstSteadyBucket; i < killBucket; i++) {
            sum += rates[i];
        }
        double before = sum / (killBucket - firstSteadyBucket);
        // the kill bucket itself is partly before the kill; start from the first whole bucket after it
        for (int i = killBucket + 1; i < rates.length; i++) {
            if (rates[i] >= 0.9 * before) {
                return OptionalDouble.of(Math.max(0, (i - killBucket) * bucketSeconds - killOffsetInBucketSeconds));
            }
        }
        return OptionalDouble.empty();
    }
}
