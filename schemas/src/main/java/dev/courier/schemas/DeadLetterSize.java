package dev.courier.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import dev.courier.schemas.serde.AvroTrust;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Keeps a dead letter for an input record small enough to be written: the decoded event, or the raw bytes when
 * the record did not decode, never both; and when even that would not fit the producer's {@code max.request.size},
 * neither (the original's coordinates stay, and the reason says what was left out). No Kafka types.
 */
public final class DeadLetterSize {

    /** Kafka's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
    /** Room left in a request for the record's key, headers, wire-format header and batch overhead. */
    static final int HEADROOM_BYTES = 16 * 1024;
    /** Longest reason text kept (exception messages can be long). */
    static final int MAX_REASON_CHARS = 4_000;

    static {
        AvroTrust.trustGeneratedClasses(); // the writer resolves the nested SendEvent class
    }

    private DeadLetterSize() {
    }

    /**
     * Sets the body of {@code letter}: {@code event} if it decoded, else {@code rawValue}; dropped if the encoded
     * letter would exceed {@code maxRequestBytes} less headroom. Sets the reason text (cut to
     * {@link #MAX_REASON_CHARS}) too, so call it after everything else and before {@code build()}.
     */
    public static DeadLetter fit(DeadLetter.Builder letter, SendEvent event, byte[] rawValue, String reasonText,
                                 int maxRequestBytes) {
        String reason = reasonText.length() <= MAX_REASON_CHARS
                ? reasonText : reasonText.substring(0, MAX_REASON_CHARS) + "...";
        letter.setEvent(event).setRawValue(event == null && rawValue != null ? ByteBuffer.wrap(rawValue) : null)
                .setReasonText(reason);
        DeadLetter full = letter.build();
        long bytes = encodedBytes(full);
        if (bytes <= maxRequestBytes - HEADROOM_BYTES) {
            return full;
        }
        return letter.setEvent(null).setRawValue(null)
                .setReasonText(reason + " [the " + (event != null ? "event" : "raw value") + " is not kept: the dead "
                        + "letter would take " + bytes + " bytes, over max.request.size " + maxRequestBytes
                        + "; read it at the original coordinates]")
                .build();
    }

    static long encodedBytes(DeadLetter letter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            new SpecificDatumWriter<>(DeadLetter.class).write(letter, encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.size();
    }
}
