package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The status lookup on real brokers: two tracker instances share the partitions, and either answers for a
 * message whose copies live on both, settled or pending; `courier status` finds them from the cluster alone.
 */
@ExtendWith(SharedCourier.class)
class StatusIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void eitherTrackerInstanceAnswersForEveryRecipientSettledOrPending() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("status", 6);
        try (RecordingPipeline pipeline = new RecordingPipeline("status", topics)) {
            List<DeliveryTracker> trackers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                DeliveryTracker tracker = pipeline.track(new DeliveryTracker(pipeline.trackerConfig(1_000, Map.of(
                        TrackerConfig.HTTP_PORT_CONFIG, 0, TrackerConfig.MAX_ATTEMPTS_CONFIG, 1_000))));
                tracker.start();
                trackers.add(tracker);
            }
            for (DeliveryTracker tracker : trackers) {
                tracker.awaitRunning(Duration.ofMinutes(2));
            }
            DeliveryConsumer delivering = pipeline.startConsumer("c1", 0.0);
            pipeline.awaitConsumersJoined(1);
            CourierProducer producer = pipeline.producer();
            // Six recipients: their copies spread over the partitions of both instances.
            String[] recipients = {"r1", "r2", "r3", "r4", "r5", "r6"};
            String settled = producer.send(message(recipients)).get(1, TimeUnit.MINUTES).messageId();
            awaitStatuses(trackers.get(0), settled, "DELIVERED", recipients.length);

            delivering.close();
            pipeline.startConsumer("offline", 1.0); // every device offline: RETRY, re-emit, RETRY...
            pipeline.awaitConsumersJoined(1);
            String pending = producer.send(message(recipients)).get(1, TimeUnit.MINUTES).messageId();
            awaitStatuses(trackers.get(1), pending, "RETRYING|IN_DELIVERY", recipients.length);

            // The same recipients from either instance (statuses of the pending one may move between two reads).
            assertEquals(summary(lookup(trackers.get(0), settled)), summary(lookup(trackers.get(1), settled)));
            assertEquals(summary(lookup(trackers.get(0), pending)).keySet(), summary(lookup(trackers.get(1), pending)).keySet());
            JsonNode one = lookup(trackers.get(1), settled).path("recipients").get(0);
            assertEquals(List.of("published", "delivered"), events(one));

            HttpResponse<String> unknown = get(trackers.get(0), "no-such-message");
            assertEquals(404, unknown.statusCode());
            assertEquals("not_found", JSON.readTree(unknown.body()).path("error").asText());

            // The command finds a tracker in <prefix>.trackers by itself.
            String[] connection = {"--bootstrap-servers", SharedCourier.bootstrapServers(),
                    "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", SharedCourier.prefixOf(topics)};
            StringWriter out = new StringWriter();
            int code = run(out, connection, "status", settled, "--json");
            assertEquals(0, code, out.toString());
            assertEquals(recipients.length, JSON.readTree(out.toString()).path("recipients").size());
            out = new StringWriter();
            assertEquals(3, run(out, connection, "status", "no-such-message", "--json"));
            assertEquals("not_found", JSON.readTree(out.toString()).path("error").asText());
            out = new StringWriter();
            assertEquals(0, run(out, connection, "status", pending));
            assertTrue(out.toString().contains("timeline of r1"), out.toString());
        }
    }

    private static OutgoingMessage message(String... recipients) {
        return OutgoingMessage.builder().senderId("ops").conversationId("ops-check").recipients(recipients)
                .payload("where am I".getBytes(StandardCharsets.UTF_8)).build();
    }

    private static int run(StringWriter out, String[] connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(connection));
        CommandLine cli = Courier.commandLine();
        cli.setOut(new PrintWriter(out, true));
        return cli.execute(all.toArray(String[]::new));
    }

    private void awaitStatuses(DeliveryTracker tracker, String messageId, String statuses, int recipients) {
        Awaitility.await(messageId + " " + statuses + " for " + recipients + " recipients")
                .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> {
                    JsonNode answer = lookup(tracker, messageId).path("recipients");
                    int matching = 0;
                    for (JsonNode recipient : answer) {
                        matching += recipient.path("status").asText().matches(statuses) ? 1 : 0;
                    }
                    return matching == recipients;
                });
    }

    private JsonNode lookup(DeliveryTracker tracker, String messageId) throws Exception {
        HttpResponse<String> response = get(tracker, messageId);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(DeliveryTracker tracker, String messageId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + tracker.httpPort() + "/v1/messages/" + messageId))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> summary(JsonNode answer) {
        Map<String, String> statuses = new TreeMap<>();
        answer.path("recipients").forEach(r -> statuses.put(r.path("recipientId").asText(), r.path("status").asText()));
        return statuses;
    }

    private static List<String> events(JsonNode recipient) {
        List<String> events = new ArrayList<>();
        recipient.path("timeline").forEach(step -> events.add(step.path("event").asText()));
        return events;
    }
}
