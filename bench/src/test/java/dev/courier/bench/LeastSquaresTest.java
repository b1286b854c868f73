package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {

    @Test
    void theSlopeOfPointsOnALine() {
        assertEquals(2.0, LeastSquares.slope(List.of(new double[] {0, 1}, new double[] {1, 3}, new double[] {2, 5}), 2),
                1e-9);
    }

    @Test
    void theSlopeThroughNoiseIsTheBestFit() {
        List<double[]> points = List.of(new double[] {0, 0}, new double[] {1, 2}, new double[] {2, 1}, new double[] {3, 3});
        assertEquals(0.8, LeastSquares.slope(points, 2), 1e-9);
    }

    @Test
    void tooFewPointsOrOneXGiveNoSlope() {
        assertEquals(0, LeastSquares.slope(List.of(new double[] {0, 1}, new double[] {1, 3}), 3));
        assertEquals(0, LeastSquares.slope(List.of(new double[] {1, 1}, new double[] {1, 3}, new double[] {1, 9}), 2));
    }
}
