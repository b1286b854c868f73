package dev.courier.schemas.serde;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.SystemLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the lengths Avro believes when decoding (the {@code org.apache.avro.limits.*} system properties) at the
 * size of the largest Kafka record, so a crafted length prefix is a {@link SystemLimitException} instead of an
 * allocation of gigabytes, while every value that fits in a record still decodes.
 *
 * <p>Avro reads these properties once, when {@link SystemLimitException} is initialised: at its first decode,
 * which can be a generated builder filling in a default. The serde installs them when loaded; if Avro has read
 * them already, its package-private {@code resetLimits()} (Avro 1.11.3+) makes it read them again. A property
 * already set (on the command line, e.g. for a cluster whose {@code message.max.bytes} was raised) is kept.
 * Idempotent.
 */
public final class AvroLimits {

    /**
     * The largest record Kafka stores by default (the broker's {@code message.max.bytes}, just over the producer's
     * 1 MiB {@code max.request.size}): no string, bytes value or collection inside a record can be longer (every
     * item of Courier's collections takes at least one byte).
     */
    public static final int MAX_RECORD_BYTES = 1_048_588;

    /** Avro's own property for the cumulative collection memory of one read (8 bytes per slot). */
    static final String MAX_COLLECTION_ALLOCATION_PROPERTY = "org.apache.avro.limits.collectionItems.maxAllocation";

    private static final Logger log = LoggerFactory.getLogger(AvroLimits.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private AvroLimits() {
    }

    public static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_RECORD_BYTES);
        setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_RECORD_BYTES);
        setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_RECORD_BYTES);
        setIfAbsent(MAX_COLLECTION_ALLOCATION_PROPERTY, 8L * MAX_RECORD_BYTES);
        if (!enforced()) {
            rereadLimits();
        }
        if (!enforced()) {
            log.warn("Avro read its decoding limits before Courier set them and cannot be made to read them again: "
                    + "a crafted length can exhaust the heap. Set -D{}={} (and the string and collection limits) at "
                    + "start", SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_RECORD_BYTES);
        }
    }

    private static void rereadLimits() {
        try {
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("Avro's SystemLimitException.resetLimits() is not callable: {}", e.toString());
        }
    }

    /** Whether Avro refuses a string longer than {@link #MAX_RECORD_BYTES} (or a lower limit set by hand). */
    static boolean enforced() {
        try {
            SystemLimitException.checkMaxStringLength(MAX_RECORD_BYTES + 1L);
            return false;
        } catch (SystemLimitException e) {
            return true;
        }
    }

    private static void setIfAbsent(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }
}
