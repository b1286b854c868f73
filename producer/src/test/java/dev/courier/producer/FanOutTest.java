package dev.courier.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.schemas.SendEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanOutTest {

    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.678Z");

    @Test
    void oneEventPerRecipientSharingIdTimeAndContent() {
        OutgoingMessage m = OutgoingMessage.builder()
                .conversationId("conv").senderId("alice").recipients("bob", "carol", "dave")
                .payload("hi".getBytes(StandardCharsets.UTF_8)).contentType("text/markdown")
                .header("h", "v").seq(17).build();

        List<SendEvent> events = FanOut.events(m, "mid-1", NOW);

        assertEquals(List.of("bob", "carol", "dave"), events.stream().map(SendEvent::getRecipientId).toList());
        for (SendEvent e : events) {
            assertEquals("mid-1", e.getMessageId());
            assertEquals("conv", e.getConversationId());
            assertEquals("alice", e.getSenderId());
            assertEquals(NOW, e.getSentAt());
            assertEquals(1, e.getAttempt());
            assertEquals("text/markdown", e.getContentType());
            assertEquals(Map.of("h", "v"), e.getHeaders());
            assertEquals(17L, e.getSeq());
            assertEquals(ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)), e.getPayload());
        }
    }

    @Test
    void seqIsNullWhenNotGiven() {
        OutgoingMessage m = OutgoingMessage.builder()
                .conversationId("c").senderId("s").recipients("r").payload(new byte[0]).build();

        assertNull(FanOut.events(m, "id", NOW).get(0).getSeq());
    }
}
