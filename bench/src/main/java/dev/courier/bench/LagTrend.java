package dev.courier.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Is consumer lag growing? Samples (time, lag) are fitted with a least-squares line; lag is growing when
 * the slope exceeds {@code tolerance} of the delivery rate (e.g. 0.02 = lag grows by more than 2% of a
 * second's deliveries per second) and the lag at the end is above a floor (a few batches in flight is not
 * growth).
 */
public final class LagTrend {

    private final double tolerance;
    private final long floor;
    private final List<double[]> samples = new ArrayList<>();

    public LagTrend(double tolerance, long floor) {
        this.tolerance = tolerance;
        this.floor = floor;
    }

    public synchronized void add(long timeMs, long lag) {
        samples.add(new double[] {timeMs / 1000.0, lag});
    }

    /** Lag growth in messages per second (least squares), 0 with fewer than 3 samples. */
    public synchronized double slopePerSecond() {
        return LeastSquares.slope(samples, 3);
    }

    public synchronized long lastLag() {
        return samples.isEmpty() ? 0 : (long) samples.get(samples.size() - 1)[1];
    }

    public boolean growing(double deliveryRatePerSecond) {
        return growing(deliveryRatePerSecond, 0);
    }

    /**
     * Growing, judged against the rate of the stage's own input: the slope exceeds the tolerance of
     * {@code inputRatePerSecond}, and the lag at the end is above the floor and above {@code floorSeconds}
     * of input (a stage that commits every so often is always that far behind). For a stage whose records
     * are not messages, e.g. Courier's tracker reading one AckBatch per consumer transaction and partition.
     */
    public boolean growing(double inputRatePerSecond, double floorSeconds) {
        double rate = Math.max(1, inputRatePerSecond);
        return slopePerSecond() > tolerance * rate && lastLag() > Math.max(floor, floorSeconds * rate);
    }
}
