package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer over a stand-in {@link Publisher}; every exchange is checked against {@code /openapi.json}. */
class GatewayHttpApiTest {

    private static final int LIMIT = 1024;
    private static final String VALID = """
            {"conversationId":"c1","senderId":"alice","recipients":["bob","carol"],"payload":"hi","contentType":"text/plain"}""";
    private static final List<String[]> EXCHANGED = new ArrayList<>(); // method, path, status

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicReference<Publisher> behaviour = new AtomicReference<>();
    private final List<OutgoingMessage> published = new ArrayList<>();
    private GatewayHttpApi api;

    @BeforeEach
    void start() {
        behaviour.set((message, key, fingerprint) -> {
            published.add(message);
            return new Publisher.Published(new SendReceipt("m-1", message.recipients().stream()
                    .map(r -> new SendReceipt.Placement(r, 0, published.size())).toList()), false);
        });
        api = new GatewayHttpApi(0, LIMIT, new dev.courier.metrics.CourierMetrics("gateway-test"), null, (message, key, fingerprint) -> behaviour.get().publish(message, key, fingerprint));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aValidMessageIsAcceptedWithItsReceipt() throws Exception {
        HttpResponse<String> response = post(VALID, "application/json; charset=utf-8", null);
        assertEquals(202, response.statusCode(), response.body());
        JsonNode receipt = ApiError.JSON.readTree(response.body());
        assertEquals("m-1", receipt.path("messageId").asText());
        assertEquals("carol", receipt.path("placements").get(1).path("recipientId").asText());
        assertEquals(List.of("bob", "carol"), published.get(0).recipients());
    }

    @Test
    void aReplayIs200WithTheOriginalReceiptAndTheKeyIsScopedBySender() throws Exception {
        AtomicReference<String> keySeen = new AtomicReference<>();
        behaviour.set((message, key, fingerprint) -> {
            keySeen.set(key);
            return new Publisher.Published(new SendReceipt("m-0", List.of()), true);
        });
        HttpResponse<String> response = post(VALID, "application/json", "order-17");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("true", response.headers().firstValue(GatewayHttpApi.REPLAYED).orElse(null));
        assertEquals("alice/order-17", keySeen.get());
        assertError(post(VALID, "application/json", "a/b"), 400, "invalid_field");
    }

    @Test
    void badInputIsRefusedWithItsStatusAndNothingIsPublished() throws Exception {
        assertError(post("{\"conversationId\":", "application/json", null), 400, "malformed_json");
        assertError(post(VALID.replace("\"senderId\":\"alice\",", ""), "application/json", null), 400, "invalid_field");
        assertError(post(VALID.replace("[\"bob\",\"carol\"]", "[]"), "application/json", null), 400, "invalid_field");
        assertError(post(VALID.replace("\"hi\"", "\"" + "x".repeat(LIMIT + 1) + "\""), "application/json", null),
                413, "payload_too_large");
        assertError(post(VALID.replace("\"hi\"", "\"" + "x".repeat(200 * LIMIT) + "\""), "application/json", null),
                413, "payload_too_large");
        assertError(post(VALID, "text/plain", null), 415, "unsupported_media_type");
        assertTrue(published.isEmpty(), published.toString());
    }

    @Test
    void kafkaTroubleAndKeyConflictsCarryRetryAfterWhenRetrying() throws Exception {
        for (ApiError error : List.of(ApiError.kafkaUnavailable("down"), ApiError.keyInProgress("busy"),
                ApiError.keyReused("other body"))) {
            behaviour.set((message, key, fingerprint) -> {
                throw error.exception();
            });
            HttpResponse<String> response = post(VALID, "application/json", "k1");
            assertError(response, error.status(), error.code());
            assertEquals(error.retryable(), response.headers().firstValue("Retry-After").isPresent(), error.code());
        }
    }

    @Test
    void anUnforeseenFailureIs500WithAnErrorBody() throws Exception {
        behaviour.set((message, key, fingerprint) -> {
            throw new IllegalStateException("broken invariant");
        });
        assertError(post(VALID, "application/json", null), 500, "internal_error");
    }

    @Test
    void healthAndTheContractAreServed() throws Exception {
        assertEquals(200, get("/health").statusCode());
        HttpResponse<String> contract = get("/openapi.json");
        assertEquals(200, contract.statusCode());
        assertEquals("3.0.3", ApiError.JSON.readTree(contract.body()).path("openapi").asText());
    }

    /** Runs last: every exchange the tests made is declared (path, method, status) in a valid OpenAPI document. */
    @AfterAll
    static void everyExchangeIsDeclaredInTheOpenApiDocument() throws Exception {
        String document;
        try (var in = GatewayHttpApi.class.getResourceAsStream("openapi.json")) {
            document = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(document, null, null);
        assertTrue(parsed.getMessages() == null || parsed.getMessages().isEmpty(), String.valueOf(parsed.getMessages()));
        OpenAPI openApi = parsed.getOpenAPI();
        assertTrue(EXCHANGED.size() >= 10, "exchanges seen: " + EXCHANGED.size());
        for (String[] exchange : EXCHANGED) {
            PathItem path = openApi.getPaths().get(exchange[1]);
            assertNotNull(path, "path " + exchange[1] + " not declared");
            Operation operation = path.readOperationsMap().get(PathItem.HttpMethod.valueOf(exchange[0]));
            assertNotNull(operation, exchange[0] + " " + exchange[1] + " not declared");
            assertNotNull(operation.getResponses().get(exchange[2]),
                    exchange[0] + " " + exchange[1] + " does not declare status " + exchange[2]);
        }
    }

    private HttpResponse<String> post(String body, String contentType, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/messages"))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header(GatewayHttpApi.IDEMPOTENCY_KEY, idempotencyKey);
        }
        return record("POST", "/v1/messages", http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return record("GET", path, http.send(HttpRequest.newBuilder(uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    private static HttpResponse<String> record(String method, String path, HttpResponse<String> response) {
        EXCHANGED.add(new String[] {method, path, String.valueOf(response.statusCode())});
        return response;
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + api.port() + path);
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = ApiError.JSON.readTree(response.body());
        assertEquals(code, body.path("error").asText(), response.body());
        assertTrue(body.has("field") && body.has("message"), response.body());
    }
}
