package dev.courier.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a component's {@code /metrics} shows: Courier's meters under the names {@link CourierMeters} promises. */
class CourierMetricsTest {

    @Test
    void theScrapeShowsEachMeterUnderItsPrometheusNameWithTheComponentTag() {
        try (CourierMetrics metrics = new CourierMetrics("unit")) {
            Counter.builder(CourierMeters.PUBLISHED.name()).register(metrics.registry()).increment(3);
            Gauge.builder(CourierMeters.OLDEST_PENDING_AGE.name(), () -> 12.5)
                    .baseUnit(CourierMeters.OLDEST_PENDING_AGE.baseUnit()).register(metrics.registry());
            Timer.builder(CourierMeters.DELIVERY_LATENCY.name()).publishPercentileHistogram()
                    .register(metrics.registry()).record(Duration.ofMillis(40));

            String scrape = metrics.scrape();
            assertTrue(scrape.contains(CourierMeters.PUBLISHED.prometheusName() + "{component=\"unit\"} 3.0"), scrape);
            assertTrue(scrape.contains(CourierMeters.OLDEST_PENDING_AGE.prometheusName() + "{component=\"unit\"} 12.5"), scrape);
            assertTrue(scrape.contains(CourierMeters.DELIVERY_LATENCY.prometheusName() + "_bucket{component=\"unit\",le="), scrape);
            assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics are bound");
        }
    }

    @Test
    void aMetricsServerServesTheScrapeAndHealth() throws Exception {
        try (CourierMetrics metrics = new CourierMetrics("unit");
             MetricsServer server = new MetricsServer(0, metrics, () -> false)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("process_uptime_seconds{component=\"unit\"}"), scrape.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode(), "the supplier says unhealthy");
        }
    }
}
