package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SinceConverterTest {

    private final SinceConverter converter = new SinceConverter();

    @Test
    void anInstantIsTakenAsWritten() {
        assertEquals(Instant.parse("2025-01-31T12:00:00Z"), converter.convert("2025-01-31T12:00:00Z"));
    }

    @Test
    void aDurationMeansThatLongAgo() {
        Instant before = Instant.now().minus(Duration.ofHours(2));
        Instant since = converter.convert("2h");
        assertTrue(!since.isBefore(before) && since.isBefore(before.plusSeconds(5)), since.toString());
    }

    @Test
    void anythingElseIsAUsageError() {
        assertThrows(TypeConversionException.class, () -> converter.convert("yesterday"));
    }
}
