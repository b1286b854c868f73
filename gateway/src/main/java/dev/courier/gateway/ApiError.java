package dev.courier.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Why the gateway refused a request: the HTTP status and the body {@code {"error":code,"field":..,"message":..}}
 * ({@code field} null when no single field is to blame). Thrown as an {@link ApiException}.
 */
public record ApiError(int status, String code, String field, String message) {

    static final ObjectMapper JSON = new ObjectMapper();

    public ApiError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    static ApiError malformedJson(String why) {
        return new ApiError(400, "malformed_json", null, why);
    }

    static ApiError invalid(String field, String why) {
        return new ApiError(400, "invalid_field", field, why);
    }

    static ApiError tooLarge(String field, String why) {
        return new ApiError(413, "payload_too_large", field, why);
    }

    static ApiError unsupportedMediaType(String given) {
        return new ApiError(415, "unsupported_media_type", "Content-Type",
                "the body must be application/json, got " + (given == null ? "no Content-Type" : "'" + given + "'"));
    }

    static ApiError keyInProgress(String why) {
        return new ApiError(409, "idempotency_key_in_progress", "Idempotency-Key", why);
    }

    static ApiError keyReused(String why) {
        return new ApiError(422, "idempotency_key_reused", "Idempotency-Key", why);
    }

    static ApiError kafkaUnavailable(String why) {
        return new ApiError(503, "kafka_unavailable", null, why);
    }

    /** Something the gateway needs (Prometheus, a tracker) did not answer. */
    static ApiError unavailable(String why) {
        return new ApiError(503, "unavailable", null, why);
    }

    static ApiError notFound(String why) {
        return new ApiError(404, "not_found", null, why);
    }

    /** A bug or an unforeseen failure; the gateway's log has the stack trace. */
    static ApiError internal(Exception e) {
        return new ApiError(500, "internal_error", null, "the gateway failed: " + e + " (details in its log)");
    }

    /** 409 and 503 are worth retrying: their responses carry {@code Retry-After}. */
    boolean retryable() {
        return status == 409 || status == 503;
    }

    String toJson() {
        ObjectNode body = JSON.createObjectNode().put("error", code);
        if (field == null) {
            body.putNull("field");
        } else {
            body.put("field", field);
        }
        return body.put("message", message).toString();
    }

    ApiException exception() {
        return new ApiException(this);
    }

    /** An {@link ApiError} on its way to the HTTP layer. */
    static final class ApiException extends RuntimeException {
        private final ApiError error;

        ApiException(ApiError error) {
            super(error.code() + ": " + error.message());
            this.error = error;
        }

        ApiError error() {
            return error;
        }
    }
}
