package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.SendEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The schema registry on the real 3-node cluster, spoken to over HTTP exactly as a Confluent client
 * would: ids survive a restart, two instances on the same topic agree, errors have Confluent's shape, a
 * bad record in the topic is skipped rather than stopping every instance.
 */
@ExtendWith(SharedCourier.class)
class RegistryIT {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void idsSurviveARestartAndTwoInstancesAgree() throws Exception {
        String topic = "_schemas-it-" + System.nanoTime();
        String v1 = "{\"type\":\"record\",\"name\":\"Thing\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
        String v2 = "{\"type\":\"record\",\"name\":\"Thing\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                + "{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}";
        int id1;
        int id2;
        try (SchemaRegistryServer first = start(topic)) {
            id1 = register(first.url(), "things-value", v1).get("id").asInt();
            id2 = register(first.url(), SendEvent.SCHEMA$.getFullName() + "-value", SendEvent.SCHEMA$.toString()).get("id").asInt();
            try (SchemaRegistryServer second = start(topic)) {
                assertEquals(id1, register(second.url(), "things-value", v1).get("id").asInt(),
                        "the second instance replayed the log and answers with the same id");
                int id3 = register(second.url(), "things-value", v2).get("id").asInt();
                JsonNode latest = get(first.url() + "/subjects/things-value/versions/latest");
                assertEquals(2, latest.get("version").asInt(), "a write through one instance is seen by the other");
                assertEquals(id3, latest.get("id").asInt());
            }
        }
        try (SchemaRegistryServer restarted = start(topic)) {
            assertEquals(v1.replace(" ", ""), get(restarted.url() + "/schemas/ids/" + id1).get("schema").asText().replace(" ", ""));
            assertEquals(id2, register(restarted.url(), SendEvent.SCHEMA$.getFullName() + "-value",
                    SendEvent.SCHEMA$.toString()).get("id").asInt(), "ids survive the restart");
        }
    }

    @Test
    void incompatibleSchemasAndUnknownSubjectsGetConfluentErrors() throws Exception {
        String topic = "_schemas-it-" + System.nanoTime();
        try (SchemaRegistryServer registry = start(topic)) {
            String v1 = "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
            String breaking = "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}";
            register(registry.url(), "t-value", v1);
            HttpResponse<String> refused = post(registry.url() + "/subjects/t-value/versions", Map.of("schema", breaking));
            assertEquals(409, refused.statusCode());
            assertEquals(409, JSON.readTree(refused.body()).get("error_code").asInt());

            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/nope/versions"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
            assertEquals(40401, JSON.readTree(missing.body()).get("error_code").asInt());
            assertTrue(missing.headers().firstValue("Content-Type").orElse("").startsWith(CONTENT_TYPE));
        }
    }

    @Test
    void aBadRecordInTheTopicIsSkippedByTheRunningAndARestartedInstanceAndShownByHealth() throws Exception {
        String topic = "_schemas-it-" + System.nanoTime();
        String v1 = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
        try (SchemaRegistryServer running = start(topic)) {
            register(running.url(), "b-value", v1);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, 0, "bad", "{\"type\":\"SET_CONFIG\",\"proposal\":\"x\","
                        + "\"subject\":null,\"compatibility\":\"SIDEWAYS\"}")).get();
            }
            assertEquals(2, register(running.url(), "c-value", v1.replace("\"B\"", "\"C\"")).get("id").asInt(),
                    "the follower lived past the bad record and applied the next write");
            try (SchemaRegistryServer restarted = start(topic)) {
                for (String url : List.of(running.url(), restarted.url())) {
                    JsonNode health = get(url + "/health");
                    assertEquals("FOLLOWING", health.get("follower").asText(), health.toString());
                    assertEquals(1, health.get("badRecords").asInt(), health.toString());
                }
                assertEquals(List.of("b-value", "c-value"), JSON.convertValue(get(restarted.url() + "/subjects"), List.class));
            }
        }
    }

    private static SchemaRegistryServer start(String topic) {
        SchemaRegistryServer server = SchemaRegistryServer.builder()
                .bootstrapServers(SharedCourier.bootstrapServers()).port(0).topic(topic).build();
        server.start();
        return server;
    }

    private JsonNode register(String url, String subject, String schema) throws Exception {
        HttpResponse<String> response = post(url + "/subjects/" + subject + "/versions", Map.of("schema", schema));
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> post(String url, Map<String, String> body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }
}
