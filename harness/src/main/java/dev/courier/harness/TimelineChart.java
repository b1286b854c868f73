package dev.courier.harness;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The run in one picture: delivered/s and re-emits/s (left axis), pending (right axis), faults shaded. */
final class TimelineChart {

    private TimelineChart() {
    }

    static void write(Timeline timeline, List<FaultLog.Entry> faults, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries delivered = new XYSeries("delivered/s");
        XYSeries reemits = new XYSeries("re-emits/s");
        XYSeries pending = new XYSeries("pending");
        List<Timeline.Sample> samples = timeline.samples();
        for (int i = 1; i < samples.size(); i++) {
            Timeline.Sample prev = samples.get(i - 1);
            Timeline.Sample s = samples.get(i);
            double dt = Math.max(0.001, s.atS() - prev.atS());
            delivered.add(s.atS(), (s.delivered() - prev.delivered()) / dt);
            reemits.add(s.atS(), (s.reemits() - prev.reemits()) / dt);
            pending.add(s.atS(), s.pending());
        }
        XYSeriesCollection rates = new XYSeriesCollection();
        rates.addSeries(delivered);
        rates.addSeries(reemits);
        JFreeChart chart = ChartFactory.createXYLineChart("Courier chaos run: deliveries, re-emits and backlog",
                "seconds since start", "messages per second", rates);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer rateRenderer = new XYLineAndShapeRenderer(true, false);
        rateRenderer.setSeriesPaint(0, new Color(0x2e7d32));
        rateRenderer.setSeriesPaint(1, new Color(0xef6c00));
        plot.setRenderer(0, rateRenderer);

        NumberAxis pendingAxis = new NumberAxis("pending messages");
        plot.setRangeAxis(1, pendingAxis);
        plot.setDataset(1, new XYSeriesCollection(pending));
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer pendingRenderer = new XYLineAndShapeRenderer(true, false);
        pendingRenderer.setSeriesPaint(0, new Color(0x1565c0));
        pendingRenderer.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND,
                1f, new float[] {4f, 3f}, 0f));
        plot.setRenderer(1, pendingRenderer);

        for (FaultLog.Entry f : faults) {
            double end = f.recoveredAtS != null ? f.recoveredAtS : f.atS + 1;
            IntervalMarker marker = new IntervalMarker(f.atS, end, new Color(0xc62828));
            marker.setAlpha(0.15f);
            marker.setLabel(f.type);
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker, Layer.BACKGROUND);
        }
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1400, 600);
    }
}
