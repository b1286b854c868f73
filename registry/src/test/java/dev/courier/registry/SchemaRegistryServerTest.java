package dev.courier.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.HttpSchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST API over real HTTP, on an in-memory log. */
class SchemaRegistryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final InMemorySchemaLog.Topic topic = new InMemorySchemaLog.Topic();
    private SchemaRegistryServer server;

    @BeforeEach
    void start() {
        server = inMemoryServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SchemaRegistryServer inMemoryServer() {
        return SchemaRegistryServer.builder().port(0).schemaLog(() -> new InMemorySchemaLog(topic)).build().start();
    }

    private record Answer(int status, JsonNode json, String contentType) {
    }

    private Answer call(SchemaRegistryServer target, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.url() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return answer(request);
    }

    private Answer answer(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()),
                response.headers().firstValue("Content-Type").orElse(""));
    }

    private Answer uncheckedCall(SchemaRegistryServer target, String method, String path, String body) {
        try {
            return call(target, method, path, body);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private Answer call(String method, String path, String body) throws IOException, InterruptedException {
        return call(server, method, path, body);
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).put("schemaType", "AVRO").toString();
    }

    private static void assertError(Answer answer, int status, int errorCode) {
        assertEquals(status, answer.status(), answer.json().toString());
        assertEquals(errorCode, answer.json().get("error_code").asInt(), answer.json().toString());
        assertTrue(answer.json().get("message").asText().length() > 10, answer.json().toString());
    }

    @Test
    void registerFetchAndLookUpLikeConfluent() throws Exception {
        Answer registered = call("POST", "/subjects/users-value/versions", schemaBody(Schemas.V1));
        Answer again = call("POST", "/subjects/users-value/versions", schemaBody(Schemas.V1));
        call("POST", "/subjects/users-value/versions", schemaBody(Schemas.V2));

        assertEquals(200, registered.status());
        assertEquals("application/vnd.schemaregistry.v1+json", registered.contentType());
        assertEquals(1, registered.json().get("id").asInt());
        assertEquals(1, again.json().get("id").asInt());
        assertEquals("[\"users-value\"]", call("GET", "/subjects", null).json().toString());
        assertEquals("[1,2]", call("GET", "/subjects/users-value/versions", null).json().toString());
        JsonNode latest = call("GET", "/subjects/users-value/versions/latest", null).json();
        assertEquals(2, latest.get("version").asInt());
        assertEquals(2, latest.get("id").asInt());
        assertEquals(Schemas.V2, new Schema.Parser().parse(latest.get("schema").asText()));
        assertEquals(Schemas.V1, new Schema.Parser().parse(call("GET", "/subjects/users-value/versions/1/schema", null).json().toString()));
        assertEquals(Schemas.V1, new Schema.Parser().parse(call("GET", "/schemas/ids/1", null).json().get("schema").asText()));
        assertEquals(Schemas.V1, new Schema.Parser().parse(call("GET", "/schemas/ids/1/schema", null).json().toString()));
        assertEquals("[{\"subject\":\"users-value\",\"version\":1}]", call("GET", "/schemas/ids/1/versions", null).json().toString());
        assertEquals("[\"AVRO\"]", call("GET", "/schemas/types", null).json().toString());
        assertEquals("{}", call("GET", "/", null).json().toString());
        JsonNode found = call("POST", "/subjects/users-value", schemaBody(Schemas.V1)).json();
        assertEquals(1, found.get("version").asInt());
        assertEquals("users-value", found.get("subject").asText());
    }

    @Test
    void errorsCarryConfluentCodes() throws Exception {
        call("POST", "/subjects/users-value/versions", schemaBody(Schemas.V1));

        assertError(call("GET", "/subjects/nobody/versions", null), 404, 40401);
        assertError(call("GET", "/subjects/users-value/versions/9", null), 404, 40402);
        assertError(call("POST", "/subjects/users-value", schemaBody(Schemas.OTHER)), 404, 40403);
        assertError(call("GET", "/schemas/ids/77", null), 404, 40403);
        assertError(call("POST", "/subjects/users-value/versions", schemaBody(Schemas.NEEDS_EMAIL)), 409, 409);
        assertError(call("POST", "/subjects/users-value/versions", "{\"schema\":\"{\\\"type\\\":\\\"recrd\\\"}\"}"), 422, 42201);
        assertError(call("POST", "/subjects/users-value/versions", "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(call("GET", "/subjects/users-value/versions/zero", null), 422, 42202);
        assertError(call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(call("GET", "/config/users-value", null), 404, 40408);
        assertError(call("GET", "/nothing/here", null), 404, 404);
    }

    @Test
    void softThenPermanentDeletes() throws Exception {
        call("POST", "/subjects/s/versions", schemaBody(Schemas.V1));
        call("POST", "/subjects/s/versions", schemaBody(Schemas.V2));

        assertError(call("DELETE", "/subjects/s/versions/1?permanent=true", null), 404, 40407);
        assertEquals("1", call("DELETE", "/subjects/s/versions/1", null).json().toString());
        assertError(call("DELETE", "/subjects/s/versions/1", null), 404, 40406);
        assertEquals("[2]", call("GET", "/subjects/s/versions", null).json().toString());
        assertEquals("[1,2]", call("GET", "/subjects/s/versions?deleted=true", null).json().toString());
        assertError(call("DELETE", "/subjects/s?permanent=true", null), 404, 40405);
        assertEquals("[2]", call("DELETE", "/subjects/s", null).json().toString());
        assertError(call("DELETE", "/subjects/s", null), 404, 40404);
        assertEquals("[]", call("GET", "/subjects", null).json().toString());
        assertEquals("[\"s\"]", call("GET", "/subjects?deleted=true", null).json().toString());
        assertEquals("[1,2]", call("DELETE", "/subjects/s?permanent=true", null).json().toString());
        assertEquals("[]", call("GET", "/subjects?deleted=true", null).json().toString());
    }

    @Test
    void compatibilityAndConfigEndpoints() throws Exception {
        call("POST", "/subjects/s/versions", schemaBody(Schemas.V1));

        assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", call("GET", "/config", null).json().toString());
        JsonNode refused = call("POST", "/compatibility/subjects/s/versions/latest?verbose=true", schemaBody(Schemas.NEEDS_EMAIL)).json();
        assertEquals(false, refused.get("is_compatible").asBoolean());
        assertTrue(refused.get("messages").get(0).asText().contains("email"), refused.toString());
        assertEquals("{\"is_compatible\":true}", call("POST", "/compatibility/subjects/s/versions/1", schemaBody(Schemas.V2)).json().toString());

        assertEquals("{\"compatibility\":\"NONE\"}", call("PUT", "/config/s", "{\"compatibility\":\"none\"}").json().toString());
        assertEquals("{\"compatibilityLevel\":\"NONE\"}", call("GET", "/config/s", null).json().toString());
        assertEquals(2, call("POST", "/subjects/s/versions", schemaBody(Schemas.NEEDS_EMAIL)).json().get("id").asInt());
        assertEquals("{\"compatibilityLevel\":\"NONE\"}", call("DELETE", "/config/s", null).json().toString());
        assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", call("GET", "/config/s?defaultToGlobal=true", null).json().toString());
        assertEquals("{\"compatibility\":\"FULL\"}", call("PUT", "/config", "{\"compatibility\":\"FULL\"}").json().toString());
    }

    @Test
    void subjectNamesWithSlashesAndSpacesSurviveEncoding() throws Exception {
        call("POST", "/subjects/a%2Fb%20c/versions", schemaBody(Schemas.V1));

        assertEquals("[\"a/b c\"]", call("GET", "/subjects", null).json().toString());
    }

    @Test
    void twoInstancesOnOneLogAgreeAndARestartedOneReplaysTheSameState() throws Exception {
        try (SchemaRegistryServer second = inMemoryServer()) {
            int first = call(server, "POST", "/subjects/a/versions", schemaBody(Schemas.V1)).json().get("id").asInt();
            int other = call(second, "POST", "/subjects/b/versions", schemaBody(Schemas.OTHER)).json().get("id").asInt();
            int reused = call(second, "POST", "/subjects/c/versions", schemaBody(Schemas.V1)).json().get("id").asInt();

            assertEquals(1, first);
            assertEquals(2, other);
            assertEquals(1, reused);
            assertEquals(call(server, "GET", "/subjects", null).json(), call(second, "GET", "/subjects", null).json());
        }
        server.close();
        server = inMemoryServer();

        assertEquals("[\"a\",\"b\",\"c\"]", call("GET", "/subjects", null).json().toString());
        assertEquals(Schemas.OTHER, new Schema.Parser().parse(call("GET", "/schemas/ids/2", null).json().get("schema").asText()));
    }

    @Test
    void aLogThatCannotBeWrittenIsAStoreErrorWhoseDetailsStayInTheLog() throws Exception {
        topic.failAppends = new IllegalStateException("broker down at kafka-0:9092");

        Answer answer = call("POST", "/subjects/a/versions", schemaBody(Schemas.V1));

        assertError(answer, 500, 50001);
        assertEquals("Error in the backend data store", answer.json().get("message").asText());
    }

    @Test
    void anUnexpectedFailureIsAGeneric500() throws Exception {
        topic.throwOnAppend = new IllegalStateException("secret internals");

        Answer answer = call("POST", "/subjects/a/versions", schemaBody(Schemas.V1));

        assertError(answer, 500, 500);
        assertEquals("Internal Server Error", answer.json().get("message").asText());
    }

    @Test
    void badRecordsInTheLogAreSkippedAndCountedByTheRunningAndARestartedInstance() throws Exception {
        InMemorySchemaLog writer = new InMemorySchemaLog(topic);
        writer.append("k1", "{\"type\":\"SET_CONFIG\",\"proposal\":\"p1\",\"subject\":null,\"compatibility\":\"SIDEWAYS\"}");
        writer.append("k2", "{not json");
        writer.append("k3", "{\"type\":\"MERGE\",\"proposal\":\"p3\",\"subject\":\"s\"}");
        call("POST", "/subjects/after-the-bad-ones/versions", schemaBody(Schemas.V1));

        Answer running = call("GET", "/health", null);
        server.close();
        server = inMemoryServer();
        Answer restarted = call("GET", "/health", null);

        for (Answer health : List.of(running, restarted)) {
            assertEquals(200, health.status(), health.json().toString());
            assertEquals("UP", health.json().get("status").asText());
            assertEquals("FOLLOWING", health.json().get("follower").asText());
            assertEquals(3, health.json().get("badRecords").asInt());
            assertEquals(3, health.json().get("lastOffset").asInt());
        }
        assertEquals("[\"after-the-bad-ones\"]", call("GET", "/subjects", null).json().toString());
    }

    @Test
    void requestBodiesOverTheLimitAreRefusedWith413DeclaredOrStreamed() throws Exception {
        try (SchemaRegistryServer small = SchemaRegistryServer.builder().port(0).maxRequestBytes(1024)
                .schemaLog(() -> new InMemorySchemaLog(topic)).build().start()) {
            byte[] big = ("{\"schema\":\"" + "x".repeat(4096) + "\"}").getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(small.url() + "/subjects/s/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json");

            Answer declared = answer(post.POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
            Answer streamed = answer(post.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build());

            assertError(declared, 413, 413);
            assertError(streamed, 413, 413);
            assertEquals(200, call(small, "POST", "/subjects/s/versions", schemaBody(Schemas.V1)).status());
        }
    }

    @Test
    void oversizedHeadersAreRefusedByJettyInConfluentShape() throws Exception {
        Answer answer = answer(HttpRequest.newBuilder(URI.create(server.url() + "/subjects"))
                .header("X-Padding", "x".repeat(16 * 1024)).build());

        assertError(answer, 431, 431);
        assertEquals("application/vnd.schemaregistry.v1+json", answer.contentType());
    }

    @Test
    void aSaturatedServerAnswers503AtOnceInConfluentShape() throws Exception {
        try (SchemaRegistryServer one = SchemaRegistryServer.builder().port(0).threads(1).queue(0)
                .requestTimeout(Duration.ofSeconds(2)).schemaLog(() -> new InMemorySchemaLog(topic)).build().start()) {
            topic.holdAppends = true;
            CompletableFuture<Answer> stuck = CompletableFuture.supplyAsync(() -> uncheckedCall(one, "POST", "/subjects/s/versions", schemaBody(Schemas.V1)));
            await("the only thread is busy with a write").atMost(Duration.ofSeconds(10)).until(() -> !topic.held.isEmpty());

            assertError(call(one, "GET", "/subjects", null), 503, 503);
            assertError(stuck.join(), 500, 50002);
            assertEquals(200, call(one, "GET", "/subjects", null).status());
        }
    }

    @Test
    void invalidSubjectNamesAreRefusedWith42208() throws Exception {
        assertError(call("POST", "/subjects/%20/versions", schemaBody(Schemas.V1)), 422, 42208);
        assertError(call("GET", "/subjects/a%01b/versions", null), 422, 42208);
        assertError(call("GET", "/subjects/" + "x".repeat(1025) + "/versions/latest", null), 422, 42208);
        assertError(call("PUT", "/config/%7F", "{\"compatibility\":\"NONE\"}"), 422, 42208);
        assertError(call("POST", "/compatibility/subjects/%09/versions/latest", schemaBody(Schemas.V1)), 422, 42208);
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (SchemaRegistryServer idle = SchemaRegistryServer.builder().port(0).idleTimeout(Duration.ofMillis(300))
                .schemaLog(() -> new InMemorySchemaLog(topic)).build().start();
             Socket socket = new Socket("localhost", idle.port())) {
            socket.setSoTimeout(10_000);
            long connected = System.nanoTime();

            assertEquals(-1, socket.getInputStream().read(), "closed by the server");
            assertTrue(System.nanoTime() - connected < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void courierSerdeRoundTripsThroughTheServer() {
        SendEvent event = SendEvent.newBuilder().setMessageId("m").setConversationId("c").setSenderId("s")
                .setRecipientId("r").setSentAt(Instant.ofEpochMilli(1000)).setPayload(ByteBuffer.wrap(new byte[] {1}))
                .setContentType("text/plain").setHeaders(Map.of()).build();
        try (HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(server.url())) {
            Serde<SendEvent> serde = CourierSerdes.value(SendEvent.class, client);

            byte[] bytes = serde.serializer().serialize("courier.send", event);

            assertEquals(event, serde.deserializer().deserialize("courier.send", bytes));
            assertEquals(SendEvent.getClassSchema(), client.schemaById(1));
        }
    }
}
