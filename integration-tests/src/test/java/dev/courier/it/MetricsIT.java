package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.courier.gateway.Gateway;
import dev.courier.gateway.GatewayConfig;
import dev.courier.metrics.CourierMeters;
import dev.courier.metrics.CourierMetrics;
import dev.courier.metrics.MetricsServer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real Prometheus scrapes a running gateway, tracker, delivery consumer and registry every second: the
 * published count is what was sent, the delivered rate rises above zero, re-emits of dropped deliveries are
 * counted, and every component's target is up.
 */
@ExtendWith(SharedCourier.class)
class MetricsIT {

    private static final int MESSAGES = 50;
    private static final Map<String, String> ALL_UP =
            Map.of("gateway", "up", "tracker", "up", "consumer", "up", "registry", "up");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void prometheusScrapesEveryComponentAndSeesMessagesPublishedDeliveredAndReemitted() throws Exception {
        assumeTrue(Files.isExecutable(PrometheusProcess.BINARY), "Prometheus is not installed at " + PrometheusProcess.BINARY);
        CourierTopics topics = SharedCourier.freshTopics("metrics", 3);
        Path dir = Files.createTempDirectory("metrics-it-prometheus");
        try (RecordingPipeline pipeline = new RecordingPipeline("metrics", topics);
             CourierMetrics consumerMetrics = new CourierMetrics("consumer");
             Gateway gateway = new Gateway(gatewayConfig(topics))) {
            DeliveryTracker tracker = pipeline.startTracker(1_000, Map.of(TrackerConfig.HTTP_PORT_CONFIG, 0));
            pipeline.startConsumer("metrics-c1", 0.2, Map.of(), consumerMetrics.registry());
            MetricsServer consumerHttp = pipeline.track(new MetricsServer(0, consumerMetrics, () -> true));
            pipeline.awaitConsumersJoined(1);
            try (PrometheusProcess prometheus = new PrometheusProcess(dir, Map.of(
                    "gateway", "localhost:" + gateway.port(),
                    "tracker", "localhost:" + tracker.httpPort(),
                    "consumer", "localhost:" + consumerHttp.port(),
                    "registry", URI.create(SharedCourier.registryUrl()).getAuthority()))) {
                // Every target scraped once (its counters seen at 0) before anything is sent: a first scrape after
                // the deliveries would see their counter already at its final value and no rate.
                try {
                    Awaitility.await("Prometheus scrapes every component").atMost(Duration.ofMinutes(2))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> prometheus.targetHealth().equals(ALL_UP)
                                    && prometheus.query("sum(" + CourierMeters.DELIVERED.prometheusName() + ")").isPresent());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + " Targets: " + prometheus.describeTargets(), e);
                }
                for (int i = 0; i < MESSAGES; i++) {
                    HttpResponse<String> response = post(gateway, "r" + i, "hello " + i);
                    assertEquals(202, response.statusCode(), response.body());
                }
                String published = "sum(" + CourierMeters.PUBLISHED.prometheusName() + ")";
                // The highest delivered rate of the last 5 minutes (a subquery): deliveries may all be over before
                // Prometheus has seen the 50th publication.
                String deliveredRate = "max_over_time(sum(rate(" + CourierMeters.DELIVERED.prometheusName()
                        + "[10s]))[5m:1s])";
                String reemitted = "sum(" + CourierMeters.REEMITTED.prometheusName() + ")";
                Awaitility.await("Prometheus sees " + MESSAGES + " published and a delivered rate above 0")
                        .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> value(prometheus, published) == MESSAGES && value(prometheus, deliveredRate) > 0);
                Awaitility.await("Prometheus sees the tracker re-emit dropped deliveries")
                        .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> value(prometheus, reemitted) > 0);
                Awaitility.await("every delivery counted as delivered").atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> value(prometheus, "sum(" + CourierMeters.DELIVERED.prometheusName() + ")") >= MESSAGES);
                assertTrue(value(prometheus, "histogram_quantile(0.99, sum by (le) ("
                        + CourierMeters.DELIVERY_LATENCY.prometheusName() + "_bucket))") > 0, "a p99 send-to-delivered latency");
                assertTrue(value(prometheus, "sum(" + CourierMeters.REGISTRY_REQUESTS.prometheusName() + "_count)") > 0,
                        "registry requests counted");
                assertTrue(prometheus.query("max(" + CourierMeters.CONSUMER_LAG_MAX.prometheusName() + ")").isPresent(),
                        "the consumer's lag is exported");
                assertTrue(prometheus.query("max(" + CourierMeters.OLDEST_PENDING_AGE.prometheusName() + ")").isPresent(),
                        "the tracker's oldest pending age is exported");
                assertEquals(ALL_UP, prometheus.targetHealth());
            }
        }
    }

    private static double value(PrometheusProcess prometheus, String promql) throws Exception {
        OptionalDouble v = prometheus.query(promql);
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }

    private HttpResponse<String> post(Gateway gateway, String recipient, String text) throws Exception {
        return GatewayRequests.postText(http, gateway, "metrics-it", recipient, text);
    }

    static GatewayConfig gatewayConfig(CourierTopics topics) {
        Map<String, Object> props = new HashMap<>();
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers());
        props.put(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl());
        props.put(CourierProducerConfig.TOPIC_PREFIX_CONFIG, SharedCourier.prefixOf(topics));
        props.put(GatewayConfig.PORT_CONFIG, 0);
        return new GatewayConfig(props);
    }
}
