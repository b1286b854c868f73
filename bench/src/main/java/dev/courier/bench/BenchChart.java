package dev.courier.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report as one PNG: delivery rate over time for every phase (the broker kill marked), and latency
 * percentiles per fixed-rate phase. Rendered headless.
 */
public final class BenchChart {

    private static final int WIDTH = 1200;
    private static final int HEIGHT = 500;

    private BenchChart() {
    }

    public static void write(BenchReport report, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, 2 * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        rates(report).draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        latencies(report).draw(g, new Rectangle2D.Double(0, HEIGHT, WIDTH, HEIGHT));
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static JFreeChart rates(BenchReport report) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (PhaseResult p : report.phases()) {
            XYSeries s = new XYSeries(p.label());
            double[] r = p.rates();
            for (int i = 0; i < r.length; i++) {
                s.add(i * p.rateBucketSeconds(), r[i]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Delivered messages per second, per phase",
                "seconds since phase start", "messages / s", data, PlotOrientation.VERTICAL, true, false, false);
        if (report.killAtSeconds() != null) {
            ValueMarker kill = new ValueMarker(report.killAtSeconds(), Color.RED, new BasicStroke(2f));
            kill.setLabel("broker kill -9 (courier kill phase)");
            ((XYPlot) chart.getPlot()).addDomainMarker(kill);
        }
        return chart;
    }

    private static JFreeChart latencies(BenchReport report) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (PhaseResult p : report.phases()) {
            if (p.targetPerSecond() > 0) {
                data.addValue(p.latency().p50Ms(), "p50", p.label());
                data.addValue(p.latency().p99Ms(), "p99", p.label());
                data.addValue(p.latency().p999Ms(), "p99.9", p.label());
            }
        }
        return ChartFactory.createBarChart("Latency from scheduled send to delivery (coordinated omission corrected)",
                "phase", "ms", data, PlotOrientation.VERTICAL, true, false, false);
    }
}
