package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.gateway.Gateway;
import dev.courier.gateway.GatewayConfig;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP gateway on real brokers: a 202 means every recipient's copy is on the send topic (and is delivered);
 * an Idempotency-Key publishes once across requests, gateway instances, restarts and a race; bad input and a
 * missing Kafka publish nothing.
 */
@ExtendWith(SharedCourier.class)
class GatewayIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void anAcceptedMessageIsOnTheSendTopicForEachRecipientAndDelivered() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("gateway-accept", 3);
        try (RecordingPipeline pipeline = new RecordingPipeline("gateway-accept", topics);
             Gateway gateway = new Gateway(config(topics, SharedCourier.bootstrapServers(), 30_000))) {
            pipeline.startConsumer("c1", 0.0);
            pipeline.awaitConsumersJoined(1);
            HttpResponse<String> response = post(gateway, body("alice", "hello"), null);
            assertEquals(202, response.statusCode(), response.body());
            JsonNode receipt = JSON.readTree(response.body());
            String messageId = receipt.path("messageId").asText();
            assertEquals(3, receipt.path("placements").size());

            List<SendEvent> sent = sendEvents(topics);
            assertEquals(Set.of("bob", "carol", "dave"), sent.stream()
                    .filter(e -> e.getMessageId().equals(messageId)).map(SendEvent::getRecipientId).collect(Collectors.toSet()));
            assertEquals("hello", java.nio.charset.StandardCharsets.UTF_8.decode(sent.get(0).getPayload().duplicate()).toString());
            Awaitility.await("message " + messageId + " delivered to its 3 recipients").atMost(Duration.ofMinutes(1))
                    .until(() -> List.of("bob", "carol", "dave").stream()
                            .allMatch(r -> pipeline.received.containsKey(CourierTopics.deliveryKey(messageId, r))));
        }
    }

    @Test
    void anIdempotencyKeyPublishesOnceAcrossRequestsInstancesAndRestarts() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("gateway-idem", 3);
        GatewayConfig config = config(topics, SharedCourier.bootstrapServers(), 30_000);
        try (Gateway second = new Gateway(config)) {
            String messageId;
            long published;
            try (Gateway first = new Gateway(config)) {
                HttpResponse<String> original = post(first, body("alice", "once"), "order-1");
                assertEquals(202, original.statusCode(), original.body());
                messageId = JSON.readTree(original.body()).path("messageId").asText();
                published = endOffsets(topics.send());
                assertEquals(3, published);

                assertReplayed(post(first, body("alice", "once"), "order-1"), messageId);
                assertReplayed(post(second, body("alice", "once"), "order-1"), messageId);
                HttpResponse<String> otherBody = post(second, body("alice", "twice"), "order-1");
                assertEquals(422, otherBody.statusCode(), otherBody.body());
            }
            try (Gateway restarted = new Gateway(config)) {
                assertReplayed(post(restarted, body("alice", "once"), "order-1"), messageId);
            }
            assertEquals(published, endOffsets(topics.send()), "no new send records for a repeated key");
            // the key is the sender's: another sender's same key is another message
            HttpResponse<String> bobs = post(second, body("bob", "once"), "order-1");
            assertEquals(202, bobs.statusCode(), bobs.body());
            assertEquals(published + 3, endOffsets(topics.send()));
        }
    }

    @Test
    void twoGatewaysRacingOnOneKeyPublishItOnce() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("gateway-race", 3);
        GatewayConfig config = config(topics, SharedCourier.bootstrapServers(), 30_000);
        try (Gateway a = new Gateway(config); Gateway b = new Gateway(config)) {
            int keys = 8;
            for (int k = 0; k < keys; k++) {
                String key = "race-" + k;
                List<CompletableFuture<HttpResponse<String>>> both = List.of(
                        postAsync(a, body("alice", "race"), key), postAsync(b, body("alice", "race"), key));
                Set<String> messageIds = new HashSet<>();
                for (CompletableFuture<HttpResponse<String>> answer : both) {
                    HttpResponse<String> response = answer.get();
                    if (response.statusCode() == 409) { // the other one was still publishing: retry as a client would
                        Awaitility.await(key + " published by the other gateway").atMost(Duration.ofSeconds(30))
                                .until(() -> post(a, body("alice", "race"), key).statusCode() == 200);
                        response = post(a, body("alice", "race"), key);
                    }
                    assertTrue(response.statusCode() == 202 || response.statusCode() == 200, response.body());
                    messageIds.add(JSON.readTree(response.body()).path("messageId").asText());
                }
                assertEquals(1, messageIds.size(), key + ": " + messageIds);
            }
            assertEquals(3L * keys, endOffsets(topics.send()), "each key's message published once, to 3 recipients");
        }
    }

    @Test
    void badInputGetsItsStatusAndPublishesNothing() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("gateway-bad", 3);
        Map<String, Object> props = props(topics, SharedCourier.bootstrapServers(), 30_000);
        props.put(CourierProducerConfig.MAX_PAYLOAD_BYTES_CONFIG, 1024);
        try (Gateway gateway = new Gateway(new GatewayConfig(props))) {
            assertStatus(400, "malformed_json", null, post(gateway, "{\"senderId\":", null));
            assertStatus(400, "invalid_field", "conversationId", post(gateway, body("alice", "x").replace("\"conversationId\":\"c1\",", ""), null));
            assertStatus(400, "invalid_field", "recipients", post(gateway, body("alice", "x").replace("[\"bob\",\"carol\",\"dave\"]", "[]"), null));
            assertStatus(413, "payload_too_large", "payload", post(gateway, body("alice", "x".repeat(1025)), null));
            assertStatus(413, "payload_too_large", null, post(gateway, body("alice", "x".repeat(1_000_000)), null));
            HttpResponse<String> text = http.send(HttpRequest.newBuilder(uri(gateway, "/v1/messages"))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body("alice", "x"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertStatus(415, "unsupported_media_type", "Content-Type", text);
            assertEquals(0, endOffsets(topics.send()));
            assertEquals(0, endOffsets(topics.idempotency()));
        }
    }

    @Test
    void withoutKafkaTheAnswerIs503WithRetryAfter() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("gateway-down", 3);
        int noBroker;
        try (ServerSocket socket = new ServerSocket(0)) {
            noBroker = socket.getLocalPort();
        }
        try (Gateway gateway = new Gateway(config(topics, "localhost:" + noBroker, 2_000))) {
            assertEquals(200, http.send(HttpRequest.newBuilder(uri(gateway, "/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            for (String key : new String[] {null, "down-1"}) {
                HttpResponse<String> response = post(gateway, body("alice", "x"), key);
                assertStatus(503, "kafka_unavailable", null, response);
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
            }
        }
        assertEquals(0, endOffsets(topics.send()));
    }

    private static GatewayConfig config(CourierTopics topics, String bootstrap, long timeoutMs) {
        return new GatewayConfig(props(topics, bootstrap, timeoutMs));
    }

    private static Map<String, Object> props(CourierTopics topics, String bootstrap, long timeoutMs) {
        Map<String, Object> props = new HashMap<>();
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, SharedCourier.registryUrl());
        props.put(CourierProducerConfig.TOPIC_PREFIX_CONFIG, SharedCourier.prefixOf(topics));
        props.put(GatewayConfig.PORT_CONFIG, 0);
        props.put(GatewayConfig.KAFKA_TIMEOUT_MS_CONFIG, timeoutMs);
        return props;
    }

    private static String body(String sender, String text) {
        return "{\"conversationId\":\"c1\",\"senderId\":\"" + sender + "\",\"recipients\":[\"bob\",\"carol\",\"dave\"],"
                + "\"payload\":\"" + text + "\",\"contentType\":\"text/plain\"}";
    }

    private HttpResponse<String> post(Gateway gateway, String body, String key) throws Exception {
        return http.send(request(gateway, body, key), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> postAsync(Gateway gateway, String body, String key) {
        return http.sendAsync(request(gateway, body, key), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(Gateway gateway, String body, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(gateway, "/v1/messages"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.build();
    }

    private static URI uri(Gateway gateway, String path) {
        return URI.create("http://localhost:" + gateway.port() + path);
    }

    private static void assertReplayed(HttpResponse<String> response, String messageId) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(messageId, JSON.readTree(response.body()).path("messageId").asText());
        assertEquals(3, JSON.readTree(response.body()).path("placements").size());
    }

    private static void assertStatus(int status, String error, String field, HttpResponse<String> response) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(error, body.path("error").asText(), response.body());
        assertEquals(field, body.path("field").isNull() ? null : body.path("field").asText(), response.body());
    }

    private static List<SendEvent> sendEvents(CourierTopics topics) throws Exception {
        try (SchemaRegistryClient registry = SchemaRegistryClients.fromUrl(SharedCourier.registryUrl())) {
            return new ArrayList<>(TopicReader.readAll(topics.send(), SendEvent.class, registry));
        }
    }

    /** The sum of the topic's end offsets: how many records were ever written to it. */
    private static long endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
