package dev.courier.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterSizeTest {

    private static final int MAX_REQUEST = DeadLetterSize.DEFAULT_MAX_REQUEST_BYTES;

    private static DeadLetter.Builder letter() {
        return DeadLetter.newBuilder().setReasonCode("OVERSIZED_PAYLOAD").setReasonText("")
                .setOriginalTopic("courier.send").setOriginalPartition(2).setOriginalOffset(7L)
                .setDeadLetteredAt(Instant.ofEpochMilli(1));
    }

    private static SendEvent event(int payloadBytes) {
        return SendEvent.newBuilder().setMessageId("m1").setConversationId("c").setSenderId("s").setRecipientId("bob")
                .setSentAt(Instant.ofEpochMilli(1)).setPayload(ByteBuffer.wrap(new byte[payloadBytes]))
                .setContentType("text/plain").build();
    }

    @Test
    void aDecodedEventIsKeptWithoutItsRawBytesSoTwiceItsSizeNeverGoesOut() {
        SendEvent event = event(600 * 1024);
        byte[] raw = new byte[600 * 1024 + 60];

        DeadLetter fitted = DeadLetterSize.fit(letter(), event, raw, "payload too large", MAX_REQUEST);

        assertEquals(event, fitted.getEvent());
        assertNull(fitted.getRawValue(), "never both");
        assertTrue(DeadLetterSize.encodedBytes(fitted) < MAX_REQUEST);
    }

    @Test
    void rawBytesAreKeptWhenNothingDecoded() {
        DeadLetter fitted = DeadLetterSize.fit(letter(), null, new byte[] {1, 2, 3}, "wrong magic byte", MAX_REQUEST);

        assertNull(fitted.getEvent());
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), fitted.getRawValue());
        assertEquals("wrong magic byte", fitted.getReasonText());
    }

    @Test
    void aBodyThatWouldNotFitMaxRequestSizeIsLeftOutAndTheReasonSaysSo() {
        DeadLetter fitted = DeadLetterSize.fit(letter(), null, new byte[MAX_REQUEST], "undecodable", MAX_REQUEST);

        assertNull(fitted.getRawValue());
        assertNull(fitted.getEvent());
        assertTrue(fitted.getReasonText().startsWith("undecodable [the raw value is not kept"), fitted.getReasonText());
        assertNotNull(fitted.getOriginalOffset(), "the original stays findable");
        assertTrue(DeadLetterSize.encodedBytes(fitted) < 10_000);
    }

    @Test
    void aVeryLongReasonIsCut() {
        DeadLetter fitted = DeadLetterSize.fit(letter(), null, null, "x".repeat(100_000), MAX_REQUEST);
        assertTrue(fitted.getReasonText().length() <= DeadLetterSize.MAX_REASON_CHARS + 3);
    }
}
