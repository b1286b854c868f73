package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLetterViewTest {

    @Test
    void aTrackerDeadLetterShowsItsEventDecoded() {
        Map<String, Object> view = DeadLetterView.of(DeadLetters.tracker(2, 5, "MAX_ATTEMPTS", "m1", 9_000));

        assertEquals("2-5", view.get("id"));
        assertEquals(3, view.get("attempts"));
        assertEquals("1970-01-01T00:00:01Z", view.get("firstAttemptAt"));
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) view.get("event");
        assertEquals("hi", event.get("payload"));
        assertFalse(view.containsKey("rawValueHex"));
    }

    @Test
    void aPoisonRecordShowsItsRawBytesInHex() {
        Map<String, Object> view = DeadLetterView.of(DeadLetters.poison(0, 1, 9_000));

        assertEquals("0102ff", view.get("rawValueHex"));
        assertEquals(7L, view.get("originalOffset"));
        assertFalse(view.containsKey("event"));
    }
}
