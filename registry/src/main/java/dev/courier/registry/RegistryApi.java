package dev.courier.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.registry.RegistryCommand.DeleteConfig;
import dev.courier.registry.RegistryCommand.DeleteSubject;
import dev.courier.registry.RegistryCommand.DeleteVersion;
import dev.courier.registry.RegistryCommand.Register;
import dev.courier.registry.RegistryCommand.Registration;
import dev.courier.registry.RegistryCommand.SetConfig;
import dev.courier.registry.RegistryState.SubjectVersion;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The Confluent Schema Registry REST API as a function from request to response: routing, parameter and
 * body parsing, JSON answers, plus {@code GET /health}. No HTTP server types, so it is tested directly.
 */
final class RegistryApi {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Longer subject names are refused (42208); a Kafka topic name (249) plus a suffix fits with room. */
    static final int MAX_SUBJECT_LENGTH = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request: method, path split into decoded segments, decoded query parameters, body text. */
    record Request(String method, List<String> path, Map<String, String> query, String body) {
        boolean flag(String name) {
            return Boolean.parseBoolean(query.getOrDefault(name, "false"));
        }
    }

    /** A response: status and JSON body text. */
    record Response(int status, String body) {
        static Response ok(Object json) {
            try {
                return new Response(200, json instanceof String text ? text : JSON.writeValueAsString(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render " + json, e);
            }
        }

        static Response error(int status, int errorCode, String message) {
            return new Response(status, JSON.createObjectNode().put("error_code", errorCode).put("message", message).toString());
        }

        static Response error(RegistryError e) {
            return error(e.httpStatus(), e.errorCode(), e.getMessage());
        }
    }

    private final SchemaStore store;

    RegistryApi(SchemaStore store) {
        this.store = store;
    }

    /** Whether a request path is {@code /health}, which answers without credentials (probes). */
    static boolean isHealth(List<String> path) {
        return path.equals(List.of("health"));
    }

    Response handle(Request request) {
        if (isHealth(request.path())) {
            return health();
        }
        if (!store.health().replayed()) {
            return Response.error(503, 503, "HTTP 503 Service Unavailable: the registry is replaying its log");
        }
        try {
            return route(request);
        } catch (RegistryError e) {
            return Response.error(e);
        }
    }

    /** 200 while the follower applies the log, 503 while it replays at start or once it has stopped. */
    private Response health() {
        SchemaStore.Health health = store.health();
        ObjectNode body = JSON.createObjectNode()
                .put("status", health.healthy() ? "UP" : "DOWN")
                .put("follower", health.state())
                .put("lastOffset", health.lastOffset())
                .put("endOffset", health.follower().endOffset())
                .put("badRecords", health.badRecords());
        if (health.follower().failure() != null) {
            body.put("failure", health.follower().failure());
        }
        return new Response(health.healthy() ? 200 : 503, body.toString());
    }

    private Response route(Request r) {
        List<String> p = r.path();
        String method = r.method();
        if (p.isEmpty()) {
            return method.equals("GET") ? Response.ok(JSON.createObjectNode()) : notAllowed(r);
        }
        switch (p.get(0)) {
            case "subjects":
                return subjects(r, p, method);
            case "schemas":
                return schemas(r, p, method);
            case "compatibility":
                if (method.equals("POST") && p.size() >= 4 && p.size() <= 5 && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
                    return compatibility(r, subject(p.get(2)), p.size() == 5 ? parseVersion(p.get(4)) : -1);
                }
                return notFound(r);
            case "config":
                return config(r, p, method);
            default:
                return notFound(r);
        }
    }

    private Response subjects(Request r, List<String> p, String method) {
        RegistryState state = store.state();
        if (p.size() == 1) {
            return method.equals("GET") ? Response.ok(state.subjects(r.flag("deleted"))) : notAllowed(r);
        }
        String subject = subject(p.get(1));
        if (p.size() == 2) {
            return switch (method) {
                case "POST" -> lookup(r, subject);
                case "DELETE" -> Response.ok(store.submit(new DeleteSubject(subject, r.flag("permanent"))));
                default -> notAllowed(r);
            };
        }
        if (!p.get(2).equals("versions") || p.size() > 5) {
            return notFound(r);
        }
        if (p.size() == 3) {
            return switch (method) {
                case "GET" -> Response.ok(state.versions(subject, r.flag("deleted")).stream().map(SubjectVersion::version).toList());
                case "POST" -> Response.ok(JSON.createObjectNode().put("id", register(subject, r.body()).id()));
                default -> notAllowed(r);
            };
        }
        int version = parseVersion(p.get(3));
        if (p.size() == 5) {
            if (!p.get(4).equals("schema")) {
                return notFound(r);
            }
            return method.equals("GET") ? Response.ok(state.version(subject, version, r.flag("deleted")).schema().toString()) : notAllowed(r);
        }
        return switch (method) {
            case "GET" -> Response.ok(describe(state.version(subject, version, r.flag("deleted"))));
            case "DELETE" -> {
                boolean permanent = r.flag("permanent");
                int resolved = version == -1 ? state.version(subject, -1, permanent).version() : version;
                yield Response.ok(store.submit(new DeleteVersion(subject, resolved, permanent)));
            }
            default -> notAllowed(r);
        };
    }

    private Registration register(String subject, String body) {
        Schema schema = schemaOf(body);
        Optional<SubjectVersion> known = store.state().find(subject, schema, false);
        if (known.isPresent()) {
            return new Registration(known.get().id(), known.get().version());
        }
        return store.submit(new Register(subject, schema.toString()));
    }

    private Response lookup(Request r, String subject) {
        Schema schema = schemaOf(r.body());
        RegistryState state = store.state();
        state.versions(subject, r.flag("deleted"));
        SubjectVersion found = state.find(subject, schema, r.flag("deleted"))
                .orElseThrow(() -> RegistryError.schemaNotFound("no version of subject '" + subject + "' has this schema"));
        return Response.ok(describe(found));
    }

    private Response schemas(Request r, List<String> p, String method) {
        if (!method.equals("GET")) {
            return notAllowed(r);
        }
        if (p.size() == 2 && p.get(1).equals("types")) {
            return Response.ok(List.of("AVRO"));
        }
        if (p.size() < 3 || p.size() > 4 || !p.get(1).equals("ids")) {
            return notFound(r);
        }
        int id;
        try {
            id = Integer.parseInt(p.get(2));
        } catch (NumberFormatException e) {
            throw RegistryError.schemaNotFound("'" + p.get(2) + "' is not a schema id");
        }
        RegistryState state = store.state();
        Schema schema = state.schemaById(id).orElseThrow(() -> RegistryError.schemaNotFound("no schema with id " + id));
        if (p.size() == 3) {
            return Response.ok(JSON.createObjectNode().put("schema", schema.toString()));
        }
        return switch (p.get(3)) {
            case "schema" -> Response.ok(schema.toString());
            case "versions" -> {
                ArrayNode versions = JSON.createArrayNode();
                state.subjectVersionsOfId(id).stream()
                        .filter(v -> r.flag("deleted") || !v.deleted())
                        .forEach(v -> versions.addObject().put("subject", v.subject()).put("version", v.version()));
                yield Response.ok(versions);
            }
            default -> notFound(r);
        };
    }

    private Response compatibility(Request r, String subject, int version) {
        Schema candidate = schemaOf(r.body());
        List<String> problems = store.state().checkCompatibility(subject, version, candidate);
        ObjectNode answer = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
        if (r.flag("verbose")) {
            ArrayNode messages = answer.putArray("messages");
            problems.forEach(messages::add);
        }
        return Response.ok(answer);
    }

    private Response config(Request r, List<String> p, String method) {
        if (p.size() > 2) {
            return notFound(r);
        }
        String subject = p.size() == 2 ? subject(p.get(1)) : null;
        RegistryState state = store.state();
        return switch (method) {
            case "GET" -> {
                CompatibilityLevel level = subject == null ? state.globalLevel()
                        : r.flag("defaultToGlobal") ? state.level(subject) : state.subjectLevel(subject);
                yield Response.ok(JSON.createObjectNode().put("compatibilityLevel", level.name()));
            }
            case "PUT" -> {
                JsonNode body = json(r.body());
                CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").asText(null));
                CompatibilityLevel set = store.submit(new SetConfig(subject, level));
                yield Response.ok(JSON.createObjectNode().put("compatibility", set.name()));
            }
            case "DELETE" -> {
                if (subject == null) {
                    yield notAllowed(r);
                }
                CompatibilityLevel removed = store.submit(new DeleteConfig(subject));
                yield Response.ok(JSON.createObjectNode().put("compatibilityLevel", removed.name()));
            }
            default -> notAllowed(r);
        };
    }

    private static ObjectNode describe(SubjectVersion v) {
        return JSON.createObjectNode().put("subject", v.subject()).put("version", v.version())
                .put("id", v.id()).put("schema", v.schema().toString());
    }

    /** The Avro schema in a registration / lookup / compatibility body; 42201 if missing, invalid or not Avro. */
    private static Schema schemaOf(String body) {
        JsonNode json = json(body);
        String type = json.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw RegistryError.invalidSchema("schemaType " + type + " is not supported; this registry stores AVRO only");
        }
        if (json.path("references").size() > 0) {
            throw RegistryError.invalidSchema("schema references are not supported");
        }
        JsonNode schema = json.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryError.invalidSchema("the request body needs a \"schema\" field holding the schema as a string");
        }
        return RegistryState.parse(schema.asText());
    }

    private static JsonNode json(String body) {
        try {
            JsonNode json = JSON.readTree(body == null ? "" : body);
            if (json == null || !json.isObject()) {
                throw new RegistryError(422, "Unprocessable entity: the request body must be a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new RegistryError(422, "Unprocessable entity: the request body is not JSON: " + e.getOriginalMessage());
        }
    }

    /** {@code name} if it may name a subject: not blank, no control characters, at most {@link #MAX_SUBJECT_LENGTH}; 42208 otherwise. */
    static String subject(String name) {
        if (name.isBlank() || name.length() > MAX_SUBJECT_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
            String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
            throw new RegistryError(RegistryError.INVALID_SUBJECT, "The specified subject '"
                    + shown.replaceAll("\\p{Cc}", "?") + "' is not valid: subjects are 1 to " + MAX_SUBJECT_LENGTH
                    + " characters, not blank, without control characters.");
        }
        return name;
    }

    /** "latest" or -1 -> -1; 1..2^31-1 -> itself; 42202 otherwise. */
    static int parseVersion(String text) {
        if (text.equals("latest") || text.equals("-1")) {
            return -1;
        }
        try {
            int version = Integer.parseInt(text);
            if (version >= 1) {
                return version;
            }
        } catch (NumberFormatException e) {
            // refused below with the allowed values
        }
        throw RegistryError.invalidVersion(text);
    }

    private static Response notFound(Request r) {
        return Response.error(404, 404, "HTTP 404 Not Found: no such resource " + r.method() + " /" + String.join("/", r.path()));
    }

    private static Response notAllowed(Request r) {
        return Response.error(405, 405, "HTTP 405 Method Not Allowed: " + r.method() + " /" + String.join("/", r.path()));
    }
}
