package dev.courier.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a scripted fake registry on the JDK's HTTP server. */
class HttpSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("name").endRecord();

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private String url;

    @BeforeEach
    void startFakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (path.equals("/subjects/my%20topic-value/versions")) {
            JsonNode request = JSON.readTree(body);
            new Schema.Parser().parse(request.get("schema").asText());
            reply(exchange, 200, "{\"id\":7}");
        } else if (path.equals("/subjects/incompatible-value/versions")) {
            reply(exchange, 409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}");
        } else if (path.equals("/schemas/ids/7")) {
            reply(exchange, 200, JSON.createObjectNode().put("schema", SCHEMA.toString()).toString());
        } else if (path.equals("/schemas/ids/500")) {
            reply(exchange, 500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");
        } else if (path.equals("/schemas/ids/502")) {
            reply(exchange, 502, "<html>Bad Gateway</html>");
        } else {
            reply(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema 9 not found\"}");
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", HttpSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void registersOnceAndCachesTheIdAndTheSchema() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url);

        assertEquals(7, client.register("my topic-value", SCHEMA));
        assertEquals(7, client.register("my topic-value", SCHEMA));
        assertSame(SCHEMA, client.schemaById(7));

        assertEquals(List.of("POST /subjects/my%20topic-value/versions"), requests);
        assertEquals(HttpSchemaRegistryClient.CONTENT_TYPE, contentTypes.get(0));
    }

    @Test
    void fetchesASchemaByIdOnce() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url + "/");

        Schema first = client.schemaById(7);

        assertEquals(SCHEMA, first);
        assertSame(first, client.schemaById(7));
        assertEquals(List.of("GET /schemas/ids/7"), requests);
    }

    @Test
    void confluentErrorBodiesBecomeExceptionsWithStatusAndCode() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url);

        SchemaRegistryException notFound = assertThrows(SchemaRegistryException.class, () -> client.schemaById(9));
        SchemaRegistryException incompatible = assertThrows(SchemaRegistryException.class,
                () -> client.register("incompatible-value", SCHEMA));
        SchemaRegistryException storeError = assertThrows(SchemaRegistryException.class, () -> client.schemaById(500));
        SchemaRegistryException gateway = assertThrows(SchemaRegistryException.class, () -> client.schemaById(502));

        assertEquals(404, notFound.httpStatus());
        assertEquals(40403, notFound.errorCode());
        assertFalse(notFound.isTransient());
        assertEquals(409, incompatible.errorCode());
        assertTrue(incompatible.getMessage().contains("incompatible"), incompatible.getMessage());
        assertTrue(storeError.isTransient());
        assertEquals(50001, storeError.errorCode());
        assertTrue(gateway.isTransient());
        assertTrue(gateway.getMessage().contains("Bad Gateway"), gateway.getMessage());
    }

    @Test
    void failsOverToTheNextUrlAndKeepsUsingTheOneThatAnswered() throws IOException {
        String dead = "http://127.0.0.1:" + closedPort();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(dead + ", " + url);

        assertEquals(SCHEMA, client.schemaById(7));
        assertEquals(7, client.register("my topic-value", SCHEMA));

        assertEquals(List.of("GET /schemas/ids/7", "POST /subjects/my%20topic-value/versions"), requests);
        assertEquals(2, client.baseUrls().size());
    }

    @Test
    void noReachableInstanceIsTransientWithStatusMinusOne() throws IOException {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient("http://127.0.0.1:" + closedPort());

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.schemaById(1));

        assertEquals(-1, e.httpStatus());
        assertTrue(e.isTransient());
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void rejectsUrlsThatAreNotHttp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HttpSchemaRegistryClient("localhost:8081"));

        assertTrue(e.getMessage().contains("localhost:8081"), e.getMessage());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
