package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.gateway.Gateway;
import dev.courier.gateway.GatewayConfig;
import dev.courier.metrics.CourierMetrics;
import dev.courier.metrics.MetricsServer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator console in a real headless Chromium against a running pipeline (gateway, tracker, delivery consumer,
 * registry, and the Prometheus that scrapes them): the page loads, its numbers move while messages flow, and the
 * lookup box finds a message. Leaves a screenshot in {@code target/console.png}.
 */
@ExtendWith(SharedCourier.class)
class ConsoleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theConsoleShowsNumbersThatMoveWhileMessagesFlowAndFindsAMessage() throws Exception {
        assumeTrue(Files.isExecutable(HeadlessChromium.BINARY), "Chromium is not installed at " + HeadlessChromium.BINARY);
        assumeTrue(Files.isExecutable(PrometheusProcess.BINARY), "Prometheus is not installed at " + PrometheusProcess.BINARY);
        CourierTopics topics = SharedCourier.freshTopics("console", 3);
        Path dir = Files.createTempDirectory("console-it");
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        try (RecordingPipeline pipeline = new RecordingPipeline("console", topics);
             CourierMetrics consumerMetrics = new CourierMetrics("consumer")) {
            DeliveryTracker tracker = pipeline.startTracker(1_000, Map.of(TrackerConfig.HTTP_PORT_CONFIG, 0));
            pipeline.startConsumer("console-c1", 0.1, Map.of(), consumerMetrics.registry());
            MetricsServer consumerHttp = pipeline.track(new MetricsServer(0, consumerMetrics, () -> true));
            pipeline.awaitConsumersJoined(1);
            // Prometheus first (the gateway is told where it is), scraping a gateway port reserved now.
            int gatewayPort = PrometheusProcess.freePort();
            try (PrometheusProcess prometheus = new PrometheusProcess(dir, Map.of(
                         "gateway", "localhost:" + gatewayPort,
                         "tracker", "localhost:" + tracker.httpPort(),
                         "consumer", "localhost:" + consumerHttp.port(),
                         "registry", URI.create(SharedCourier.registryUrl()).getAuthority()));
                 Gateway gateway = new Gateway(gatewayConfig(topics, gatewayPort, prometheus.url()));
                 HeadlessChromium chromium = new HeadlessChromium(dir)) {
                chromium.navigate("http://localhost:" + gateway.port() + "/console");
                Awaitility.await("the console shows its first numbers").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> chromium.text("updated").startsWith("updated"));
                long deliveredBefore = number(chromium.text("delivered"));

                List<String> messageIds = new CopyOnWriteArrayList<>();
                AtomicInteger sent = new AtomicInteger();
                load.scheduleAtFixedRate(() -> {
                    try {
                        int n = sent.incrementAndGet();
                        HttpResponse<String> accepted = post(gateway, "console-r" + (n % 20), "message " + n);
                        if (accepted.statusCode() == 202) {
                            messageIds.add(JSON.readTree(accepted.body()).path("messageId").asText());
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, 0, 50, TimeUnit.MILLISECONDS);

                Awaitility.await("the console's delivered count and rate move while messages flow")
                        .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> number(chromium.text("delivered")) > deliveredBefore
                                && rate(chromium.text("delivered-rate")) > 0
                                && number(chromium.text("published")) > 0);
                long deliveredThen = number(chromium.text("delivered"));
                Awaitility.await("the delivered count keeps moving").atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> number(chromium.text("delivered")) > deliveredThen);

                String messageId = messageIds.get(0);
                Awaitility.await("the lookup box finds message " + messageId + " delivered").atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> lookUp(chromium, messageId), shown -> shown.contains("DELIVERED"));
                assertTrue(chromium.text("lookup-result").contains("message " + messageId));
                assertTrue(chromium.text("lookup-result").contains("console-r1"), "the recipient is shown");
                chromium.screenshot(Path.of("target", "console.png"));

                HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(
                        "http://localhost:" + gateway.port() + "/v1/messages/no-such-message")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(404, unknown.statusCode(), unknown.body());
            } finally {
                load.shutdownNow();
            }
        }
    }

    /** Types {@code messageId} in the lookup box, clicks, and answers what the page shows once it has an answer. */
    private static String lookUp(HeadlessChromium chromium, String messageId) throws Exception {
        return chromium.evaluate("""
                (async () => {
                  const out = document.getElementById('lookup-result');
                  document.getElementById('message-id').value = '%s';
                  document.getElementById('lookup').click();
                  for (let i = 0; i < 200 && out.textContent.startsWith('looking up'); i++) {
                    await new Promise(r => setTimeout(r, 100));
                  }
                  return out.textContent;
                })()""".formatted(messageId)).asText();
    }

    private static long number(String shown) {
        return Long.parseLong(shown.replace(",", "").trim());
    }

    private static double rate(String shown) {
        return Double.parseDouble(shown.replace("/s", "").trim());
    }

    private HttpResponse<String> post(Gateway gateway, String recipient, String text) throws Exception {
        return GatewayRequests.postText(http, gateway, "console-it", recipient, text);
    }

    private static GatewayConfig gatewayConfig(CourierTopics topics, int port, String prometheusUrl) {
        Map<String, Object> props = new HashMap<>();
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers());
        props.put(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl());
        props.put(CourierProducerConfig.TOPIC_PREFIX_CONFIG, SharedCourier.prefixOf(topics));
        props.put(GatewayConfig.PORT_CONFIG, port);
        props.put(GatewayConfig.CONSOLE_PROMETHEUS_URL_CONFIG, prometheusUrl);
        props.put(GatewayConfig.CONSOLE_RATE_WINDOW_S_CONFIG, 5);
        return new GatewayConfig(props);
    }
}
