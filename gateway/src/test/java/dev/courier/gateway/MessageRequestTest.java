package dev.courier.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.producer.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageRequestTest {

    private static final int LIMIT = 16;

    @Test
    void aTextPayloadIsPublishedAsItsUtf8Bytes() {
        OutgoingMessage message = parse("""
                {"conversationId":"c1","senderId":"alice","recipients":["bob","carol"],"payload":"hé",
                 "contentType":"text/plain","seq":7,"headers":{"trace":"t1"}}""");
        assertEquals("c1", message.conversationId());
        assertEquals("alice", message.senderId());
        assertEquals(List.of("bob", "carol"), message.recipients());
        assertArrayEquals("hé".getBytes(StandardCharsets.UTF_8), message.payload());
        assertEquals(7, message.seq().getAsLong());
        assertEquals(Map.of("trace", "t1"), message.headers());
    }

    @Test
    void aBase64PayloadIsPublishedAsTheBytesItEncodes() {
        OutgoingMessage message = parse("""
                {"conversationId":"c1","senderId":"alice","recipients":["bob"],"payloadBase64":"AAEC/w==",
                 "contentType":"application/octet-stream"}""");
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, message.payload());
        assertEquals(Map.of(), message.headers());
    }

    @Test
    void malformedJsonIsRefusedAsSuch() {
        assertError(400, "malformed_json", null, "{\"conversationId\":");
        assertError(400, "malformed_json", null, "[1,2]");
    }

    @Test
    void eachMissingRequiredFieldIsNamed() {
        assertError(400, "invalid_field", "conversationId",
                "{\"senderId\":\"a\",\"recipients\":[\"b\"],\"payload\":\"x\",\"contentType\":\"text/plain\"}");
        assertError(400, "invalid_field", "senderId",
                "{\"conversationId\":\"c\",\"recipients\":[\"b\"],\"payload\":\"x\",\"contentType\":\"text/plain\"}");
        assertError(400, "invalid_field", "recipients",
                "{\"conversationId\":\"c\",\"senderId\":\"a\",\"payload\":\"x\",\"contentType\":\"text/plain\"}");
        assertError(400, "invalid_field", "contentType",
                "{\"conversationId\":\"c\",\"senderId\":\"a\",\"recipients\":[\"b\"],\"payload\":\"x\"}");
        assertError(400, "invalid_field", "payload",
                "{\"conversationId\":\"c\",\"senderId\":\"a\",\"recipients\":[\"b\"],\"contentType\":\"text/plain\"}");
    }

    @Test
    void recipientsMustBeANonEmptyArrayOfDistinctStrings() {
        assertError(400, "invalid_field", "recipients", body("\"recipients\":[]"));
        assertError(400, "invalid_field", "recipients", body("\"recipients\":\"bob\""));
        assertError(400, "invalid_field", "recipients", body("\"recipients\":[\"bob\",1]"));
        assertError(400, "invalid_field", "recipients", body("\"recipients\":[\"bob\",\"bob\"]"));
        assertError(400, "invalid_field", "recipients", body("\"recipients\":[\" \"]"));
    }

    @Test
    void wrongTypesAndUnknownFieldsAreNamed() {
        assertError(400, "invalid_field", "senderId",
                "{\"conversationId\":\"c\",\"senderId\":5,\"recipients\":[\"b\"],\"payload\":\"x\",\"contentType\":\"t\"}");
        assertError(400, "invalid_field", "seq", body("\"recipients\":[\"b\"],\"seq\":\"one\""));
        assertError(400, "invalid_field", "seq", body("\"recipients\":[\"b\"],\"seq\":-1"));
        assertError(400, "invalid_field", "headers", body("\"recipients\":[\"b\"],\"headers\":{\"a\":1}"));
        assertError(400, "invalid_field", "recipient", body("\"recipients\":[\"b\"],\"recipient\":\"b\""));
    }

    @Test
    void thePayloadIsTextOrBase64NeverBoth() {
        assertError(400, "invalid_field", "payload", body("\"recipients\":[\"b\"],\"payloadBase64\":\"AA==\""));
        assertError(400, "invalid_field", "payloadBase64",
                "{\"conversationId\":\"c\",\"senderId\":\"a\",\"recipients\":[\"b\"],\"payloadBase64\":\"***\",\"contentType\":\"t\"}");
    }

    @Test
    void aPayloadOverTheLimitIs413NamingIt() {
        assertError(413, "payload_too_large", "payload",
                "{\"conversationId\":\"c\",\"senderId\":\"a\",\"recipients\":[\"b\"],\"payload\":\"" + "x".repeat(LIMIT + 1)
                        + "\",\"contentType\":\"t\"}");
        parse("{\"conversationId\":\"c\",\"senderId\":\"a\",\"recipients\":[\"b\"],\"payload\":\"" + "x".repeat(LIMIT)
                + "\",\"contentType\":\"t\"}");
    }

    /** A valid body with {@code fields} added; the fields given twice are the last one's. */
    private static String body(String fields) {
        return "{\"conversationId\":\"c\",\"senderId\":\"a\",\"payload\":\"x\",\"contentType\":\"t\"," + fields + "}";
    }

    private static OutgoingMessage parse(String json) {
        return MessageRequest.parse(json.getBytes(StandardCharsets.UTF_8), LIMIT);
    }

    private static void assertError(int status, String code, String field, String json) {
        ApiError error = assertThrows(ApiError.ApiException.class, () -> parse(json), json).error();
        assertEquals(status, error.status(), error.toString());
        assertEquals(code, error.code(), error.toString());
        assertEquals(field, error.field(), error.toString());
    }
}
