package dev.courier.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} over the Confluent Schema Registry REST API, using the JDK's
 * {@link HttpClient} and Jackson. Works against Courier's own registry and any Confluent-compatible one.
 *
 * <p>The base URL may list several instances separated by commas; a request that cannot reach one
 * instance (connect or I/O failure) is tried on the next, and the instance that answered is used first
 * next time. An answer from a registry, even an error, is final. When no instance answers, the
 * {@link SchemaRegistryException} has status -1 and {@link SchemaRegistryException#isTransient()} is true.
 *
 * <p>Both directions are cached for the life of the client: (subject, schema) to id, and id to schema.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUrls;
    private final Duration timeout;
    private final HttpClient http;
    /** {@code Authorization} header value sent with every request, or null. */
    private final String authorization;
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    /** Index into {@link #baseUrls} of the instance that answered last. */
    private volatile int preferred;

    private record SubjectSchema(String subject, Schema schema) {
    }

    /** @param urls one base URL, or several separated by commas, e.g. {@code http://r1:8081,http://r2:8081} */
    public HttpSchemaRegistryClient(String urls) {
        this(parseUrls(urls), DEFAULT_TIMEOUT);
    }

    /** With the credentials (basic auth) and trust store of {@code settings}. */
    public HttpSchemaRegistryClient(RegistryClientSettings settings) {
        this(parseUrls(settings.urls()), DEFAULT_TIMEOUT, settings);
    }

    /** @param timeout bounds both connecting and waiting for each answer */
    public HttpSchemaRegistryClient(List<URI> baseUrls, Duration timeout) {
        this(baseUrls, timeout, null);
    }

    private HttpSchemaRegistryClient(List<URI> baseUrls, Duration timeout, RegistryClientSettings settings) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry url is needed");
        }
        this.baseUrls = List.copyOf(baseUrls);
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        if (settings != null) {
            settings.sslContext().ifPresent(builder::sslContext);
        }
        this.http = builder.build();
        this.authorization = settings == null ? null : settings.authorizationHeader().orElse(null);
    }

    static List<URI> parseUrls(String urls) {
        List<URI> result = new ArrayList<>();
        for (String part : urls.split(",")) {
            String url = part.trim();
            if (url.isEmpty()) {
                continue;
            }
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("schema registry url must start with http:// or https://, got '" + url + "'");
            }
            result.add(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url));
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("no schema registry url in '" + urls + "'");
        }
        return result;
    }

    public List<URI> baseUrls() {
        return baseUrls;
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", body.toString());
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException("registry answered registration under subject '" + subject
                    + "' without an id: " + answer, 200, -1, null);
        }
        int schemaId = id.intValue();
        idsBySubjectSchema.put(key, schemaId);
        schemasById.putIfAbsent(schemaId, schema);
        return schemaId;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        JsonNode text = answer.get("schema");
        String type = answer.path("schemaType").asText("AVRO");
        if (text == null || !text.isTextual() || !"AVRO".equals(type)) {
            throw new SchemaRegistryException("schema id " + id + " is not an Avro schema (schemaType "
                    + type + ")", 200, -1, null);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("schema id " + id + " from the registry does not parse: "
                    + e.getMessage(), 200, -1, e);
        }
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    private JsonNode send(String method, String path, String body) {
        int start = preferred;
        IOException lastFailure = null;
        for (int i = 0; i < baseUrls.size(); i++) {
            int index = (start + i) % baseUrls.size();
            URI uri = URI.create(baseUrls.get(index) + path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                log.warn("Schema registry {} unreachable for {} {}: {}", baseUrls.get(index), method, path, e.toString());
                lastFailure = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted while calling schema registry " + uri, -1, -1, e);
            }
            preferred = index;
            return interpret(method, uri, response);
        }
        throw new SchemaRegistryException("schema registry unreachable at " + baseUrls + " for " + method + " "
                + path + ": " + lastFailure, -1, -1, lastFailure);
    }

    private static JsonNode interpret(String method, URI uri, HttpResponse<String> response) {
        int status = response.statusCode();
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (status / 100 == 2) {
            if (json == null || !json.isObject()) {
                throw new SchemaRegistryException(method + " " + uri + " answered " + status
                        + " with a body that is not a JSON object: " + abbreviate(response.body()), status, -1, null);
            }
            return json;
        }
        if (json != null && json.has("error_code")) {
            int errorCode = json.get("error_code").asInt(status);
            String message = json.path("message").asText("");
            throw new SchemaRegistryException(method + " " + uri + " failed: " + status + " error_code " + errorCode
                    + ": " + message, status, errorCode, null);
        }
        throw new SchemaRegistryException(method + " " + uri + " failed: " + status + " " + abbreviate(response.body()),
                status, status, null);
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
