package dev.courier.schemas.serde;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.AvroGenerated;
import org.apache.avro.util.ClassSecurityValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets Avro load Avro-generated classes by name. Since 1.12 Avro refuses to load any class named in a
 * schema unless trusted ({@link ClassSecurityValidator}), which breaks the specific reader and writer for
 * Courier's records, and the generated {@code newBuilder(other)} copies of records that nest records.
 * Courier trusts exactly the classes annotated {@link AvroGenerated}, on top of Avro's own trust list;
 * data classes with no behaviour, so a schema naming one is harmless.
 *
 * <p>The serde installs this when loaded. Code that copies records before any serde is loaded (tools,
 * tests) calls {@link #trustGeneratedClasses()} first. Idempotent.
 */
public final class AvroTrust {

    private static final Logger log = LoggerFactory.getLogger(AvroTrust.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private AvroTrust() {
    }

    public static void trustGeneratedClasses() {
        if (INSTALLED.compareAndSet(false, true)) {
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                    ClassSecurityValidator.getGlobal(), type -> type.isAnnotationPresent(AvroGenerated.class)));
            log.debug("Avro now trusts @AvroGenerated classes");
        }
    }
}
