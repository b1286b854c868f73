package dev.courier.schemas.serde;

import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in the Confluent wire format ({@link WireFormat}). The subject is the
 * TopicNameStrategy's {@code <topic>-value} ({@code <topic>-key} when configured as a key serializer).
 * The record's schema is registered on the first record per topic and its id cached, so the registry is
 * called once per topic and schema, not per record.
 *
 * <p>Registry failures surface as {@link dev.courier.schemas.registry.SchemaRegistryException} (transient
 * when unreachable, 409 when incompatible); a record Avro cannot encode as a {@link SerializationException}.
 *
 * <p>Build it with a client, or with the no-arg constructor and {@link #configure} from client configs
 * ({@link CourierSerdeConfig#SCHEMA_REGISTRY_URL_CONFIG}). Thread-safe.
 */
public class CourierAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    /** Per-thread output buffer and encoder, reused across records and serializers. */
    private static final ThreadLocal<EncodingBuffer> BUFFERS = ThreadLocal.withInitial(EncodingBuffer::new);

    static {
        AvroTrust.trustGeneratedClasses();
    }

    private final ConcurrentMap<String, TopicSchema> schemasByTopic = new ConcurrentHashMap<>();
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private String subjectSuffix = "-value";
    private final Schema writerSchema;

    private record TopicSchema(Schema schema, int id, DatumWriter<Object> writer) {
    }

    /** Unconfigured; {@link #configure} supplies the registry. */
    public CourierAvroSerializer() {
        this.writerSchema = null;
    }

    /** Uses {@code client}, which stays the caller's to close. */
    public CourierAvroSerializer(SchemaRegistryClient client) {
        this(client, null);
    }

    /**
     * Writes every record with {@code writerSchema} (e.g. a union of record types sharing one topic) instead of
     * the record's own schema; null means the record's own. {@code client} stays the caller's to close.
     */
    public CourierAvroSerializer(SchemaRegistryClient client, Schema writerSchema) {
        this.client = client;
        this.writerSchema = writerSchema;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        subjectSuffix = isKey ? "-key" : "-value";
        if (client == null) {
            new CourierSerdeConfig(configs); // validates the url
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        Schema schema = writerSchema != null ? writerSchema : data.getSchema();
        TopicSchema target = schemasByTopic.get(topic);
        if (target == null || target.schema() != schema) {
            target = register(topic, schema);
        }
        EncodingBuffer buffer = BUFFERS.get();
        try {
            return buffer.encode(target.id(), target.writer(), data);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("topic '" + topic + "': cannot encode " + schema.getFullName()
                    + " with schema id " + target.id() + ": " + e.getMessage(), e);
        }
    }

    private TopicSchema register(String topic, Schema schema) {
        if (client == null) {
            throw new IllegalStateException("serializer not configured: pass a SchemaRegistryClient or call configure() with "
                    + CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
        }
        int id = client.register(topic + subjectSuffix, schema);
        TopicSchema registered = new TopicSchema(schema, id, new SpecificDatumWriter<>(schema));
        schemasByTopic.put(topic, registered);
        return registered;
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    /** A growable buffer whose first {@link WireFormat#HEADER_LENGTH} bytes are the header. */
    private static final class EncodingBuffer extends ByteArrayOutputStream {
        /** Beyond this, a buffer grown by one large record is dropped rather than kept for the thread's life. */
        private static final int RETAINED_CAPACITY = 1 << 20;
        private final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(this, null);

        EncodingBuffer() {
            super(256);
        }

        byte[] encode(int schemaId, DatumWriter<Object> writer, Object datum) throws IOException {
            reset();
            count = WireFormat.HEADER_LENGTH;
            try {
                writer.write(datum, encoder);
                encoder.flush();
                byte[] result = toByteArray();
                WireFormat.writeHeader(result, schemaId);
                return result;
            } finally {
                if (buf.length > RETAINED_CAPACITY) {
                    buf = new byte[256];
                }
                reset();
            }
        }
    }
}
