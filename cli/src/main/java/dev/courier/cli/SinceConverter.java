package dev.courier.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A point in time as operators write it: an ISO-8601 instant ({@code 2025-01-31T12:00:00Z}) or a duration ago ({@code 2h}). */
public final class SinceConverter implements ITypeConverter<Instant> {

    @Override
    public Instant convert(String value) {
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(DurationConverter.parse(value));
            } catch (TypeConversionException notADuration) {
                throw new TypeConversionException("'" + value + "' is neither an ISO-8601 instant (e.g. "
                        + "2025-01-31T12:00:00Z) nor a duration ago (e.g. 30m, 2h, 7d)");
            }
        }
    }
}
