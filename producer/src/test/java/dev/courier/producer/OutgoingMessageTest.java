package dev.courier.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutgoingMessageTest {

    static OutgoingMessage.Builder valid() {
        return OutgoingMessage.builder()
                .conversationId("conv-1")
                .senderId("alice")
                .recipients("bob", "carol")
                .payload("hello".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aValidMessageKeepsItsFieldsAndDefaultsTheContentType() {
        OutgoingMessage m = valid().header("trace", "t1").seq(3).build();

        assertEquals("conv-1", m.conversationId());
        assertEquals(List.of("bob", "carol"), m.recipients());
        assertEquals("text/plain", m.contentType());
        assertEquals(3L, m.seq().getAsLong());
        assertEquals("t1", m.headers().get("trace"));
        assertTrue(m.messageId().isEmpty());
    }

    @Test
    void withMessageIdChangesOnlyTheMessageId() {
        OutgoingMessage m = valid().header("trace", "t1").seq(3).build();
        String id = "01a22df5-b512-748d-8cbc-79e3def8bffb";
        OutgoingMessage retry = m.withMessageId(id);
        assertEquals(java.util.Optional.of(id), retry.messageId());
        assertEquals(m, retry.withMessageId(null));
        assertThrows(InvalidMessageException.class, () -> m.withMessageId("not-a-uuid"));
    }

    @Test
    void thePayloadIsCopiedInAndOut() {
        byte[] payload = {1, 2, 3};
        OutgoingMessage m = valid().payload(payload).build();
        payload[0] = 9;
        m.payload()[1] = 9;

        assertArrayEquals(new byte[] {1, 2, 3}, m.payload());
    }

    @Test
    void toStringNeverShowsThePayload() {
        OutgoingMessage m = valid().payload("secret-body".getBytes(StandardCharsets.UTF_8)).build();

        assertFalse(m.toString().contains("secret-body"));
        assertTrue(m.toString().contains("payloadBytes=11"));
    }

    @Test
    void missingOrBlankFieldsAreRefusedNamingTheField() {
        assertField("conversationId", () -> valid().conversationId(null).build());
        assertField("conversationId", () -> valid().conversationId("  ").build());
        assertField("senderId", () -> valid().senderId("").build());
        assertField("payload", () -> valid().payload(null).build());
        assertField("contentType", () -> valid().contentType(" ").build());
    }

    @Test
    void recipientsMustBeNonEmptyNonBlankAndDistinct() {
        assertField("recipients", () -> valid().recipients(List.of()).build());
        assertField("recipients", () -> valid().recipients("bob", " ").build());
        InvalidMessageException dup = assertField("recipients", () -> valid().recipients("bob", "carol", "bob").build());
        assertTrue(dup.getMessage().contains("duplicate recipient 'bob'"), dup.getMessage());
    }

    @Test
    void seqHeadersAndMessageIdAreChecked() {
        assertField("seq", () -> valid().seq(-1).build());
        assertField("headers", () -> valid().header("k", null).build());
        assertField("messageId", () -> valid().messageId("not-a-uuid").build());
        assertField("messageId", () -> valid().messageId("0190A0B0-0000-7000-8000-000000000000").build());

        String id = MessageIds.create().next();
        assertEquals(id, valid().messageId(id).build().messageId().orElseThrow());
    }

    @Test
    void anEmptyPayloadIsAllowed() {
        assertEquals(0, valid().payload(new byte[0]).build().payloadSize());
    }

    private static InvalidMessageException assertField(String field, org.junit.jupiter.api.function.Executable build) {
        InvalidMessageException e = assertThrows(InvalidMessageException.class, build);
        assertEquals(field, e.field());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        return e;
    }
}
