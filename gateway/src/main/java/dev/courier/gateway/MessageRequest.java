package dev.courier.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.producer.InvalidMessageException;
import dev.courier.producer.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /v1/messages} parsed into an {@link OutgoingMessage}, or an {@link ApiError} naming the
 * field: 400 for malformed JSON, a missing, unknown or mistyped field; 413 for a payload over the limit. The
 * payload is either {@code payload} (text, sent as its UTF-8 bytes) or {@code payloadBase64} (bytes): exactly one.
 */
public final class MessageRequest {

    static final Set<String> FIELDS = Set.of("conversationId", "senderId", "recipients", "payload", "payloadBase64",
            "contentType", "seq", "headers");

    private MessageRequest() {
    }

    /** @throws ApiError.ApiException 400 or 413 */
    public static OutgoingMessage parse(byte[] body, int maxPayloadBytes) {
        JsonNode json;
        try {
            json = ApiError.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.malformedJson("the body is not valid JSON: " + e.getOriginalMessage()).exception();
        } catch (java.io.IOException e) {
            throw ApiError.malformedJson("the body could not be read: " + e.getMessage()).exception();
        }
        if (json == null || !json.isObject()) {
            throw ApiError.malformedJson("the body must be a JSON object").exception();
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiError.invalid(name, "unknown field; the fields are " + new java.util.TreeSet<>(FIELDS)).exception();
            }
        }
        OutgoingMessage.Builder message = OutgoingMessage.builder()
                .conversationId(requiredText(json, "conversationId"))
                .senderId(requiredText(json, "senderId"))
                .recipients(recipients(json))
                .payload(payload(json, maxPayloadBytes))
                .contentType(requiredText(json, "contentType"))
                .headers(headers(json));
        JsonNode seq = json.get("seq");
        if (seq != null && !seq.isNull()) {
            if (!seq.canConvertToExactIntegral() || !seq.canConvertToLong()) {
                throw ApiError.invalid("seq", "must be an integer, got " + seq).exception();
            }
            message.seq(seq.asLong());
        }
        try {
            return message.build();
        } catch (InvalidMessageException e) {
            throw ApiError.invalid(e.field(), e.getMessage()).exception();
        }
    }

    private static String requiredText(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw ApiError.invalid(field, "is required").exception();
        }
        if (!value.isTextual()) {
            throw ApiError.invalid(field, "must be a string, got " + value.getNodeType().name().toLowerCase()).exception();
        }
        return value.textValue();
    }

    private static List<String> recipients(JsonNode json) {
        JsonNode value = json.get("recipients");
        if (value == null || value.isNull()) {
            throw ApiError.invalid("recipients", "is required").exception();
        }
        if (!value.isArray()) {
            throw ApiError.invalid("recipients", "must be an array of strings").exception();
        }
        List<String> recipients = new ArrayList<>();
        for (JsonNode recipient : value) {
            if (!recipient.isTextual()) {
                throw ApiError.invalid("recipients", "must be an array of strings, found " + recipient).exception();
            }
            recipients.add(recipient.textValue());
        }
        return recipients; // empty, blank and duplicates: refused by OutgoingMessage, naming the field
    }

    private static byte[] payload(JsonNode json, int maxPayloadBytes) {
        boolean text = json.hasNonNull("payload");
        boolean base64 = json.hasNonNull("payloadBase64");
        if (text == base64) {
            throw ApiError.invalid("payload", "give exactly one of payload (text) and payloadBase64 (bytes)").exception();
        }
        String field = text ? "payload" : "payloadBase64";
        byte[] bytes;
        if (text) {
            bytes = requiredText(json, field).getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                bytes = Base64.getDecoder().decode(requiredText(json, field));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid(field, "is not valid base64: " + e.getMessage()).exception();
            }
        }
        if (bytes.length > maxPayloadBytes) {
            throw ApiError.tooLarge(field, "the payload is " + bytes.length + " bytes, over the limit of "
                    + maxPayloadBytes + " bytes (courier.max.payload.bytes)").exception();
        }
        return bytes;
    }

    private static Map<String, String> headers(JsonNode json) {
        JsonNode value = json.get("headers");
        Map<String, String> headers = new LinkedHashMap<>();
        if (value == null || value.isNull()) {
            return headers;
        }
        if (!value.isObject()) {
            throw ApiError.invalid("headers", "must be an object of string values").exception();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> header = it.next();
            if (!header.getValue().isTextual()) {
                throw ApiError.invalid("headers", "header '" + header.getKey() + "' must be a string").exception();
            }
            headers.put(header.getKey(), header.getValue().textValue());
        }
        return headers;
    }
}
