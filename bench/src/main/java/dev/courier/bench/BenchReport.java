package dev.courier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's findings: the contract keys (a key that was not measured is null and listed under
 * {@code not_measured}; no number is ever made up), the phases in detail, and a terminal table.
 */
public final class BenchReport {

    /** Keys every report carries, in this order. */
    public static final List<String> KEYS = List.of("raw_per_s", "share_per_s", "courier_per_s", "courier_vs_raw",
            "courier_vs_share", "p50_ms", "p99_ms", "p999_ms", "p99_ms_at_80", "redelivery_lateness_p99_ms",
            "early_redeliveries", "reemits_of_unread", "records_per_message", "bytes_per_pending", "recovery_s");

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<PhaseResult> phases = new ArrayList<>();
    private final Map<String, Object> details = new LinkedHashMap<>();
    private Double killAtSeconds;

    public BenchReport() {
        KEYS.forEach(k -> values.put(k, null));
    }

    public void put(String key, Object value) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException("not a report key: " + key);
        }
        values.put(key, value instanceof Double d ? round(d) : value);
    }

    public void detail(String key, Object value) {
        details.put(key, value instanceof Double d ? round(d) : value);
    }

    public void phase(PhaseResult result) {
        phases.add(result);
    }

    public void killAtSeconds(double seconds) {
        this.killAtSeconds = seconds;
    }

    public Object get(String key) {
        return values.get(key);
    }

    public List<PhaseResult> phases() {
        return List.copyOf(phases);
    }

    public Double killAtSeconds() {
        return killAtSeconds;
    }

    public List<String> notMeasured() {
        return KEYS.stream().filter(k -> values.get(k) == null).toList();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>(values);
        out.put("not_measured", notMeasured());
        out.putAll(details);
        List<Map<String, Object>> list = new ArrayList<>();
        for (PhaseResult p : phases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.label());
            m.put("target_per_s", round(p.targetPerSecond()));
            m.put("delivered_per_s", round(p.deliveredPerSecond()));
            m.put("lag_growing", p.lagGrowing());
            m.put("downstream_lag_growing", p.downstreamLagGrowing());
            m.put("sent", p.sent());
            m.put("undelivered", p.undelivered());
            m.put("send_failures", p.sendFailures());
            m.put("latency_count", p.latency().count());
            m.put("p50_ms", p.latency().p50Ms());
            m.put("p99_ms", p.latency().p99Ms());
            m.put("p999_ms", p.latency().p999Ms());
            m.put("max_ms", p.latency().maxMs());
            list.add(m);
        }
        out.put("phases", list);
        return out;
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toMap());
    }

    public String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format("%-16s %10s %12s %9s %9s %9s %9s  %s%n", "phase", "target/s", "delivered/s",
                "p50 ms", "p99 ms", "p99.9 ms", "max ms", "notes"));
        for (PhaseResult p : phases) {
            String notes = (p.lagGrowing() ? "LAG GROWING " : "") + (p.downstreamLagGrowing() ? "TRACKER LAGGING " : "")
                    + (p.undelivered() > 0 ? p.undelivered() + " undelivered " : "")
                    + (p.sendFailures() > 0 ? p.sendFailures() + " send failures" : "");
            boolean max = p.targetPerSecond() == 0;
            t.append(String.format("%-16s %10s %12.0f %9s %9s %9s %9s  %s%n", p.label(),
                    max ? "max" : String.format("%.0f", p.targetPerSecond()), p.deliveredPerSecond(),
                    max ? "-" : fmt(p.latency().p50Ms()), max ? "-" : fmt(p.latency().p99Ms()),
                    max ? "-" : fmt(p.latency().p999Ms()), max ? "-" : fmt(p.latency().maxMs()), notes.trim()));
        }
        t.append('\n');
        values.forEach((k, v) -> t.append(String.format("  %-28s %s%n", k, v == null ? "null (not measured)" : v)));
        details.forEach((k, v) -> t.append(String.format("  %-28s %s%n", k, v)));
        return t.toString();
    }

    private static String fmt(double v) {
        return String.format("%.1f", v);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
