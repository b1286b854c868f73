package dev.courier.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A picture of the Grafana dashboard ({@code deploy/grafana/courier-dashboard.json}) without Grafana: every panel's
 * PromQL is asked of a real Prometheus ({@code /api/v1/query_range}, {@code /api/v1/query} for stat panels) and drawn
 * where the dashboard's grid puts it. For the README, where Grafana itself is not installable.
 *
 * <p>{@code java dev.courier.harness.DashboardSnapshot DASHBOARD.json PROMETHEUS_URL MINUTES OUT.png}
 */
public final class DashboardSnapshot {

    private static final int COLUMN_PX = 70;   // Grafana's grid is 24 columns wide
    private static final int ROW_PX = 34;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

    /** One line of a panel: its legend and points (epoch seconds, value). */
    record Series(String legend, List<double[]> points) {
    }

    private final URI prometheus;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public DashboardSnapshot(URI prometheus) {
        this.prometheus = prometheus;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: DashboardSnapshot DASHBOARD.json PROMETHEUS_URL MINUTES OUT.png");
            System.exit(2);
        }
        Instant end = Instant.now();
        new DashboardSnapshot(URI.create(args[1])).render(Path.of(args[0]), end.minus(Duration.ofMinutes(Long.parseLong(args[2]))),
                end, Path.of(args[3]));
        System.out.println("wrote " + args[3]);
    }

    public void render(Path dashboardJson, Instant from, Instant to, Path png) throws IOException, InterruptedException {
        System.setProperty("java.awt.headless", "true");
        JsonNode dashboard = JSON.readTree(dashboardJson.toFile());
        int rows = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            rows = Math.max(rows, panel.path("gridPos").path("y").asInt() + panel.path("gridPos").path("h").asInt());
        }
        BufferedImage image = new BufferedImage(24 * COLUMN_PX, rows * ROW_PX + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(0xf4f5f5));
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(dashboard.path("title").asText() + "  (" + from + " to " + to + ", from Prometheus)", 10, 26);
        for (JsonNode panel : dashboard.path("panels")) {
            JsonNode pos = panel.path("gridPos");
            Rectangle2D area = new Rectangle2D.Double(pos.path("x").asInt() * COLUMN_PX + 4, 40 + pos.path("y").asInt() * ROW_PX + 4,
                    pos.path("w").asInt() * COLUMN_PX - 8, pos.path("h").asInt() * ROW_PX - 8);
            String unit = panel.path("fieldConfig").path("defaults").path("unit").asText("");
            List<Series> lines = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                lines.addAll(queryRange(target.path("expr").asText(), target.path("legendFormat").asText(""), from, to));
            }
            if ("stat".equals(panel.path("type").asText())) {
                drawStat(g, area, panel.path("title").asText(), lines, unit);
            } else {
                drawTimeseries(g, area, panel.path("title").asText(), lines, unit, from);
            }
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(image, "png", png.toFile());
    }

    List<Series> queryRange(String expr, String legendFormat, Instant from, Instant to) throws IOException, InterruptedException {
        long step = Math.max(1, Duration.between(from, to).toSeconds() / 240);
        String query = "query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8) + "&start=" + from.getEpochSecond()
                + "&end=" + to.getEpochSecond() + "&step=" + step;
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(prometheus.resolve("/api/v1/query_range?" + query))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Prometheus answered " + response.statusCode() + " to " + expr + ": " + response.body());
        }
        return parseMatrix(JSON.readTree(response.body()), legendFormat, expr);
    }

    /** The series of a {@code query_range} answer, each named by the panel's legend format. */
    static List<Series> parseMatrix(JsonNode answer, String legendFormat, String expr) {
        List<Series> series = new ArrayList<>();
        for (JsonNode result : answer.path("data").path("result")) {
            List<double[]> points = new ArrayList<>();
            for (JsonNode value : result.path("values")) {
                double v = Double.parseDouble(value.get(1).asText());
                if (Double.isFinite(v)) {
                    points.add(new double[] {value.get(0).asDouble(), v});
                }
            }
            series.add(new Series(legend(legendFormat, JSON.convertValue(result.path("metric"), Map.class), expr), points));
        }
        return series;
    }

    static String legend(String format, Map<?, ?> labels, String expr) {
        if (format.isEmpty()) {
            return expr;
        }
        Matcher m = LABEL.matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = labels.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value.toString()));
        }
        return m.appendTail(out).toString();
    }

    private static void drawStat(Graphics2D g, Rectangle2D area, String title, List<Series> lines, String unit) {
        g.setColor(Color.WHITE);
        g.fill(area);
        g.setColor(Color.GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(title, (int) area.getX() + 10, (int) area.getY() + 20);
        String value = lines.isEmpty() || lines.get(0).points().isEmpty() ? "no data"
                : format(lines.get(0).points().get(lines.get(0).points().size() - 1)[1], unit);
        g.setColor(new Color(0x2e7d32));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 34));
        g.drawString(value, (int) area.getX() + 10, (int) (area.getY() + area.getHeight() - 22));
    }

    static String format(double value, String unit) {
        String number = Math.abs(value) >= 100 || value == Math.rint(value) ? String.format("%,.0f", value) : String.format("%.2f", value);
        return switch (unit) {
            case "ops" -> number + " /s";
            case "reqps" -> number + " req/s";
            case "s" -> number + " s";
            default -> number;
        };
    }

    private static void drawTimeseries(Graphics2D g, Rectangle2D area, String title, List<Series> lines, String unit, Instant from) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series line : lines) {
            XYSeries s = new XYSeries(line.legend(), false, true);
            for (double[] p : line.points()) {
                s.add(p[0] - from.getEpochSecond(), p[1]);
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds", unit, data);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRenderer(new XYLineAndShapeRenderer(true, false));
        chart.draw(g, area);
    }
}
