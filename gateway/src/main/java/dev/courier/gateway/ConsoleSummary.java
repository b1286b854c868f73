package dev.courier.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.metrics.CourierMeters;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator console's numbers: Courier's meters ({@link CourierMeters}) summed over every instance by the
 * Prometheus that scrapes them, read with instant queries. No second count: the gateway only asks.
 *
 * <pre>
 * {"at":"...","published":N,"delivered":N,"reemitted":N,"deadLettered":N,"pending":N,"oldestPendingAgeSeconds":S,
 *  "perSecond":{"published":R,"delivered":R,"reemitted":R,"deadLettered":R},"rateWindowSeconds":W}
 * </pre>
 * Totals are the counters' current sums (since the components started); a series Prometheus does not have yet is 0.
 */
final class ConsoleSummary {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final URI prometheus;
    private final Duration rateWindow;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** @param prometheus the Prometheus server's base URL */
    ConsoleSummary(URI prometheus, Duration rateWindow) {
        this.prometheus = prometheus;
        this.rateWindow = rateWindow;
    }

    /** @throws IOException Prometheus did not answer, or answered an error */
    ObjectNode read() throws IOException, InterruptedException {
        Map<String, CourierMeters.Def> counters = new LinkedHashMap<>();
        counters.put("published", CourierMeters.PUBLISHED);
        counters.put("delivered", CourierMeters.DELIVERED);
        counters.put("reemitted", CourierMeters.REEMITTED);
        counters.put("deadLettered", CourierMeters.DEAD_LETTERED);
        ObjectNode summary = ApiError.JSON.createObjectNode().put("at", Instant.now().toString());
        for (var counter : counters.entrySet()) {
            summary.put(counter.getKey(), Math.round(query("sum(" + counter.getValue().prometheusName() + ")")));
        }
        summary.put("pending", Math.round(query("sum(" + CourierMeters.PENDING.prometheusName() + ")")));
        summary.put("oldestPendingAgeSeconds", query("max(" + CourierMeters.OLDEST_PENDING_AGE.prometheusName() + ")"));
        ObjectNode perSecond = summary.putObject("perSecond");
        String window = "[" + rateWindow.toSeconds() + "s]";
        for (var counter : counters.entrySet()) {
            perSecond.put(counter.getKey(), query("sum(rate(" + counter.getValue().prometheusName() + window + "))"));
        }
        summary.put("rateWindowSeconds", rateWindow.toSeconds());
        return summary;
    }

    /** The single value of an instant query; 0 when it returns no series. */
    private double query(String promql) throws IOException, InterruptedException {
        URI uri = prometheus.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Prometheus at " + prometheus + " answered " + response.statusCode() + " to " + promql);
        }
        JsonNode result = ApiError.JSON.readTree(response.body()).path("data").path("result");
        if (result.isEmpty()) {
            return 0;
        }
        double value = Double.parseDouble(result.get(0).path("value").get(1).asText());
        return Double.isFinite(value) ? value : 0;
    }
}
