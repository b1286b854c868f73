package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PayloadTest {

    @Test
    void carriesTheScheduledTimeInAPayloadOfTheAskedSize() {
        byte[] payload = Payload.create(300, 123_456_789_012L);
        assertEquals(300, payload.length);
        assertEquals(123_456_789_012L, Payload.scheduledNanos(payload));
    }

    @Test
    void refusesAPayloadTooSmallForTheTimestamp() {
        assertThrows(IllegalArgumentException.class, () -> Payload.create(7, 0));
    }
}
