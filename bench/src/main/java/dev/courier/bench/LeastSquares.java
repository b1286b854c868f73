package dev.courier.bench;

import java.util.List;

/** The slope of the least-squares line through (x, y) points. */
final class LeastSquares {

    private LeastSquares() {
    }

    /** The slope dy/dx; 0 with fewer than {@code minPoints} points or when every x is the same. */
    static double slope(List<double[]> points, int minPoints) {
        int n = points.size();
        if (n < Math.max(2, minPoints)) {
            return 0;
        }
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
            sxx += p[0] * p[0];
            sxy += p[0] * p[1];
        }
        double denominator = n * sxx - sx * sx;
        return denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
    }
}
