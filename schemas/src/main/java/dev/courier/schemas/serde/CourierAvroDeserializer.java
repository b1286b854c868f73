package dev.courier.schemas.serde;

import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-wire-format Avro ({@link WireFormat}) into the specific record class {@code T}: the
 * writer schema is fetched from the registry by the id in the header (once per id) and resolved to
 * {@code T}'s schema, so records written with older or newer compatible schemas read fine.
 *
 * <p>A value that cannot be read is a {@link WireFormatException} whose {@link WireFormatException#reason()}
 * says why (a poison record: dead-letter it; a length over {@link AvroLimits} is refused before Avro allocates it). A registry that cannot be reached is a transient
 * {@link SchemaRegistryException}, rethrown as is: retry, do not dead-letter. A null value (tombstone)
 * reads as null.
 *
 * <p>Build it with the class and a client, or with the no-arg constructor and {@link #configure} from
 * client configs ({@link CourierSerdeConfig}). Thread-safe.
 */
public class CourierAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    /** Per-thread decoder, re-pointed at each value. */
    private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

    static {
        AvroTrust.trustGeneratedClasses();
        AvroLimits.install();
    }

    private final ConcurrentMap<Integer, DatumReader<T>> readersBySchemaId = new ConcurrentHashMap<>();
    private Schema readerSchema;
    private SchemaRegistryClient client;
    private boolean ownsClient;

    /** Unconfigured; {@link #configure} supplies the registry and the value type. */
    public CourierAvroDeserializer() {
    }

    /** Reads into {@code type} using {@code client}, which stays the caller's to close. */
    public CourierAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this(SpecificData.get().getSchema(type), client);
    }

    /**
     * Reads with {@code readerSchema}, e.g. a union of the record types sharing one topic, each decoded into
     * its generated class; {@code client} stays the caller's to close.
     */
    public CourierAvroDeserializer(Schema readerSchema, SchemaRegistryClient client) {
        this.readerSchema = readerSchema;
        this.client = client;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (client == null) {
            CourierSerdeConfig config = new CourierSerdeConfig(configs);
            readerSchema = SpecificData.get().getSchema(config.valueType());
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length == 0) {
            throw new WireFormatException(DeadLetterReason.TOO_SHORT, topic, -1,
                    "topic '" + topic + "': empty value, expected a 5-byte header and an Avro body", null);
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new WireFormatException(DeadLetterReason.WRONG_MAGIC_BYTE, topic, -1, String.format(
                    "topic '%s': magic byte 0x%02x, expected 0x00 (value of %d bytes, not Confluent wire format)",
                    topic, data[0] & 0xff, data.length), null);
        }
        if (data.length < WireFormat.HEADER_LENGTH) {
            throw new WireFormatException(DeadLetterReason.TOO_SHORT, topic, -1, "topic '" + topic + "': value of "
                    + data.length + " bytes, shorter than the 5-byte header", null);
        }
        int schemaId = WireFormat.readSchemaId(data);
        DatumReader<T> reader = readersBySchemaId.get(schemaId);
        if (reader == null) {
            reader = readerFor(topic, schemaId);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                data, WireFormat.HEADER_LENGTH, data.length - WireFormat.HEADER_LENGTH, DECODERS.get());
        DECODERS.set(decoder);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (SystemLimitException e) {
            throw new WireFormatException(DeadLetterReason.LIMIT_EXCEEDED, topic, schemaId, "topic '" + topic
                    + "': value of " + data.length + " bytes with writer schema id " + schemaId
                    + " declares a length over Avro's limits (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException(DeadLetterReason.UNDECODABLE, topic, schemaId, "topic '" + topic
                    + "': cannot decode value of " + data.length + " bytes with writer schema id " + schemaId
                    + " as " + readerName() + ": " + e, e);
        }
        if (!isEnd(decoder)) {
            throw new WireFormatException(DeadLetterReason.UNDECODABLE, topic, schemaId, "topic '" + topic
                    + "': bytes left over after decoding a " + readerName() + " with writer schema id "
                    + schemaId + " (value of " + data.length + " bytes)", null);
        }
        return value;
    }

    private String readerName() {
        return readerSchema.getType() == Schema.Type.UNION ? readerSchema.toString() : readerSchema.getFullName();
    }

    private static boolean isEnd(BinaryDecoder decoder) {
        try {
            return decoder.isEnd();
        } catch (IOException e) {
            return false;
        }
    }

    private DatumReader<T> readerFor(String topic, int schemaId) {
        if (client == null) {
            throw new IllegalStateException("deserializer not configured: pass a SchemaRegistryClient or call configure() with "
                    + CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG + " and " + CourierSerdeConfig.VALUE_TYPE_CONFIG);
        }
        Schema writerSchema;
        try {
            writerSchema = client.schemaById(schemaId);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new WireFormatException(DeadLetterReason.UNKNOWN_SCHEMA_ID, topic, schemaId, "topic '" + topic
                        + "': schema id " + schemaId + " in the header is unknown to the schema registry", e);
            }
            throw e;
        }
        DatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema);
        DatumReader<T> raced = readersBySchemaId.putIfAbsent(schemaId, reader);
        return raced != null ? raced : reader;
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
