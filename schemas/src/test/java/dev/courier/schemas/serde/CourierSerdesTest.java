package dev.courier.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.HttpSchemaRegistryClient;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CourierSerdesTest {

    private static final String TOPIC = "courier.send";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Serde<SendEvent> sendSerde = CourierSerdes.value(SendEvent.class, registry);

    static Stream<SpecificRecord> everyRecordType() {
        return Stream.of(Records.sendEvent(), Records.deliveryAck(), Records.deliveryStatus(),
                Records.deadLetter(), Records.pendingDelivery());
    }

    @ParameterizedTest
    @MethodSource("everyRecordType")
    @SuppressWarnings("unchecked")
    <T extends SpecificRecord> void roundTripsEveryRecordTypeInConfluentWireFormat(T record) {
        Serde<T> serde = CourierSerdes.value((Class<T>) record.getClass(), registry);

        byte[] bytes = serde.serializer().serialize("topic-a", record);

        assertEquals(WireFormat.MAGIC_BYTE, bytes[0]);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertEquals(registry.idsOfSubject("topic-a-value"), List.of(id));
        assertEquals(record.getSchema(), registry.schemaById(id));
        assertEquals(record, serde.deserializer().deserialize("topic-a", bytes));
    }

    @Test
    void theAckTopicCarriesBatchesAndSingleAcksUnderOneUnionSchema() {
        Serde<SpecificRecord> acks = CourierSerdes.ackValue(registry);
        AckBatch batch = AckBatch.newBuilder().setSendPartition(3).setFirstOffset(10).setCommittedThrough(42)
                .setCommittedAt(Records.T0).setDeliveredBy("c-1").setAcks(List.of(Records.deliveryAck())).build();

        byte[] batchBytes = acks.serializer().serialize("courier.ack", batch);
        byte[] ackBytes = acks.serializer().serialize("courier.ack", Records.deliveryAck());

        assertEquals(List.of(ByteBuffer.wrap(batchBytes, 1, 4).getInt()), registry.idsOfSubject("courier.ack-value"));
        assertEquals(AckTopicValue.SCHEMA, registry.schemaById(ByteBuffer.wrap(ackBytes, 1, 4).getInt()));
        assertEquals(batch, acks.deserializer().deserialize("courier.ack", batchBytes));
        assertEquals(Records.deliveryAck(), acks.deserializer().deserialize("courier.ack", ackBytes));
        assertEquals(List.of(Records.deliveryAck()), AckTopicValue.acks(batch));
    }

    @Test
    void anAckWrittenBeforeBatchesExistedReadsThroughTheUnionAndTheUnionIsABackwardCompatibleEvolution() {
        byte[] old = CourierSerdes.value(DeliveryAck.class, registry).serializer().serialize("courier.ack",
                Records.deliveryAck());

        assertEquals(Records.deliveryAck(), CourierSerdes.ackValue(registry).deserializer().deserialize("courier.ack", old));
        // BACKWARD: the new schema (the union) reads data written with the old one (DeliveryAck)
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, SchemaCompatibility
                .checkReaderWriterCompatibility(AckTopicValue.SCHEMA, DeliveryAck.getClassSchema()).getType());
    }

    @Test
    void sameSchemaUnderTwoTopicsSharesOneIdUnderTwoSubjects() {
        byte[] a = sendSerde.serializer().serialize("a", Records.sendEvent());
        byte[] b = sendSerde.serializer().serialize("b", Records.sendEvent());

        assertArrayEquals(Arrays.copyOf(a, 5), Arrays.copyOf(b, 5));
        assertEquals(registry.idsOfSubject("a-value"), registry.idsOfSubject("b-value"));
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertNull(sendSerde.serializer().serialize(TOPIC, null));
        assertNull(sendSerde.deserializer().deserialize(TOPIC, null));
    }

    @Test
    void wrongMagicByteIsNamedWithTheByteFound() {
        byte[] json = "{\"messageId\":\"m1\"}".getBytes(StandardCharsets.UTF_8);

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, json));

        assertEquals(DeadLetterReason.WRONG_MAGIC_BYTE, e.reason());
        assertEquals(TOPIC, e.topic());
        assertTrue(e.getMessage().contains("magic byte 0x7b, expected 0x00"), e.getMessage());
        assertTrue(e.getMessage().contains(TOPIC), e.getMessage());
    }

    @Test
    void unknownSchemaIdIsAPoisonRecordNamingTheId() {
        byte[] bytes = {0, 0, 0, 0x30, 0x39, 2, 'x'};

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, bytes));

        assertEquals(DeadLetterReason.UNKNOWN_SCHEMA_ID, e.reason());
        assertEquals(12345, e.schemaId());
        assertTrue(e.getMessage().contains("schema id 12345"), e.getMessage());
    }

    @Test
    void aCraftedStringLengthIsRefusedBeforeAvroAllocatesIt() throws IOException {
        int schemaId = registry.register(TOPIC + "-value", SendEvent.getClassSchema());
        byte[] crafted = crafted(schemaId, encoder -> {
            encoder.writeLong(AvroLimits.MAX_RECORD_BYTES + 1L); // messageId "is" a string longer than any record
            encoder.writeFixed(new byte[16]);
        });

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, crafted));

        assertEquals(DeadLetterReason.LIMIT_EXCEEDED, e.reason(), e.getMessage());
        assertEquals(schemaId, e.schemaId());
    }

    @Test
    void aCraftedCollectionCountIsRefusedBeforeAvroAllocatesIt() throws IOException {
        Serde<SpecificRecord> acks = CourierSerdes.ackValue(registry);
        int schemaId = registry.register("courier.ack-value", AckTopicValue.SCHEMA);
        byte[] crafted = crafted(schemaId, encoder -> {
            encoder.writeIndex(1); // AckBatch
            encoder.writeInt(0);
            encoder.writeLong(10);
            encoder.writeLong(0);
            encoder.writeLong(Records.T0.toEpochMilli());
            encoder.writeString("c1");
            encoder.writeArrayStart();
            encoder.setItemCount(2_000_000_000L); // "acks": two billion of them, in a few bytes
            encoder.startItem();
        });

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> acks.deserializer().deserialize("courier.ack", crafted));

        assertEquals(DeadLetterReason.LIMIT_EXCEEDED, e.reason(), e.getMessage());
    }

    @Test
    void theLimitsLetTheLargestValueARecordCanHoldThrough() {
        SendEvent big = SendEvent.newBuilder(Records.sendEvent())
                .setPayload(ByteBuffer.wrap(new byte[AvroLimits.MAX_RECORD_BYTES - 1024])).build();
        byte[] bytes = sendSerde.serializer().serialize(TOPIC, big);

        assertEquals(big, sendSerde.deserializer().deserialize(TOPIC, bytes));
        assertTrue(AvroLimits.enforced(), "Avro read Courier's limits");
    }

    private interface Body {
        void write(BinaryEncoder encoder) throws IOException;
    }

    private static byte[] crafted(int schemaId, Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        body.write(encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void valuesShorterThanTheHeaderAreTooShort() {
        assertEquals(DeadLetterReason.TOO_SHORT, assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, new byte[0])).reason());
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, new byte[] {0, 0, 1}));
        assertEquals(DeadLetterReason.TOO_SHORT, e.reason());
        assertTrue(e.getMessage().contains("3 bytes"), e.getMessage());
    }

    @Test
    void truncatedBodyIsUndecodable() {
        byte[] whole = sendSerde.serializer().serialize(TOPIC, Records.sendEvent());
        byte[] truncated = Arrays.copyOf(whole, whole.length - 10);

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, truncated));

        assertEquals(DeadLetterReason.UNDECODABLE, e.reason());
        assertEquals(ByteBuffer.wrap(whole, 1, 4).getInt(), e.schemaId());
    }

    @Test
    void garbageBodyAndTrailingBytesAreUndecodable() {
        byte[] whole = sendSerde.serializer().serialize(TOPIC, Records.sendEvent());
        byte[] garbage = whole.clone();
        Arrays.fill(garbage, 5, garbage.length, (byte) 0xff);
        byte[] trailing = Arrays.copyOf(whole, whole.length + 3);

        assertEquals(DeadLetterReason.UNDECODABLE, assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, garbage)).reason());
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, trailing));
        assertEquals(DeadLetterReason.UNDECODABLE, e.reason());
        assertTrue(e.getMessage().contains("left over"), e.getMessage());
    }

    @Test
    void newerWriterWithAnExtraFieldReadsAsTheReaderClass() throws IOException {
        Schema newer = withExtraField(SendEvent.getClassSchema());
        SendEvent original = Records.sendEvent();
        GenericRecord written = copyInto(newer, original);
        written.put("priority", 9);
        int newerId = registry.register(TOPIC + "-value", newer);

        SendEvent read = sendSerde.deserializer().deserialize(TOPIC, confluentBytes(newerId, newer, written));

        assertEquals(original, read);
    }

    @Test
    void olderWriterWithoutADefaultedFieldReadsWithTheDefault() throws IOException {
        Schema older = withoutField(SendEvent.getClassSchema(), "seq");
        SendEvent original = Records.sendEvent();
        GenericRecord written = copyInto(older, original);
        int olderId = registry.register(TOPIC + "-value", older);

        SendEvent read = sendSerde.deserializer().deserialize(TOPIC, confluentBytes(olderId, older, written));

        assertNull(read.getSeq());
        assertEquals(original.getMessageId(), read.getMessageId());
    }

    @Test
    void writerLackingAFieldTheReaderNeedsIsUndecodable() throws IOException {
        Schema lacking = withoutField(SendEvent.getClassSchema(), "messageId");
        GenericRecord written = copyInto(lacking, Records.sendEvent());
        int id = registry.register(TOPIC + "-value", lacking);

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, confluentBytes(id, lacking, written)));

        assertEquals(DeadLetterReason.UNDECODABLE, e.reason());
        assertTrue(e.getMessage().contains("messageId"), e.getMessage());
    }

    @Test
    void registryIsCalledOncePerTopicAndOncePerSchemaId() {
        CountingClient counting = new CountingClient(registry);
        Serde<SendEvent> serde = CourierSerdes.value(SendEvent.class, counting);

        byte[] first = serde.serializer().serialize(TOPIC, Records.sendEvent());
        serde.serializer().serialize(TOPIC, Records.sendEvent());
        serde.deserializer().deserialize(TOPIC, first);
        serde.deserializer().deserialize(TOPIC, first);

        assertEquals(1, counting.registers.get());
        assertEquals(1, counting.lookups.get());

        serde.serializer().serialize("other-topic", Records.sendEvent());
        assertEquals(2, counting.registers.get());
    }

    @Test
    void unreachableRegistryIsTransientNotAPoisonRecord() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (HttpSchemaRegistryClient unreachable = new HttpSchemaRegistryClient("http://127.0.0.1:" + closedPort)) {
            Deserializer<SendEvent> deserializer = CourierSerdes.value(SendEvent.class, unreachable).deserializer();
            Serializer<SendEvent> serializer = CourierSerdes.value(SendEvent.class, unreachable).serializer();
            byte[] bytes = {0, 0, 0, 0, 1, 0};

            SchemaRegistryException read = assertThrows(SchemaRegistryException.class,
                    () -> deserializer.deserialize(TOPIC, bytes));
            SchemaRegistryException write = assertThrows(SchemaRegistryException.class,
                    () -> serializer.serialize(TOPIC, Records.sendEvent()));

            assertTrue(read.isTransient());
            assertEquals(-1, read.httpStatus());
            assertTrue(write.isTransient());
        }
    }

    @Test
    void configuredTheKafkaWayFromClientProperties() {
        Map<String, Object> configs = Map.of(
                CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://serdes-test-configured",
                CourierSerdeConfig.VALUE_TYPE_CONFIG, DeliveryAck.class.getName());
        try (CourierAvroSerializer<DeliveryAck> serializer = new CourierAvroSerializer<>();
             CourierAvroDeserializer<DeliveryAck> deserializer = new CourierAvroDeserializer<>();
             CourierAvroSerde<DeliveryAck> serde = new CourierAvroSerde<>()) {
            serializer.configure(configs, false);
            deserializer.configure(configs, false);
            serde.configure(configs, true);

            byte[] bytes = serializer.serialize("acks", Records.deliveryAck());

            assertEquals(Records.deliveryAck(), deserializer.deserialize("acks", bytes));
            assertEquals(Records.deliveryAck(), serde.deserializer().deserialize("acks", bytes));
            byte[] asKey = serde.serializer().serialize("acks", Records.deliveryAck());
            assertArrayEquals(bytes, asKey);
        }
    }

    @Test
    void deserializerConfigRejectsANonAvroValueType() {
        CourierAvroDeserializer<DeadLetter> deserializer = new CourierAvroDeserializer<>();
        Map<String, Object> configs = Map.of(
                CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://serdes-test-bad-type",
                CourierSerdeConfig.VALUE_TYPE_CONFIG, String.class.getName());

        Exception e = assertThrows(org.apache.kafka.common.config.ConfigException.class,
                () -> deserializer.configure(configs, false));

        assertTrue(e.getMessage().contains("SpecificRecord"), e.getMessage());
    }

    @Test
    void unconfiguredSerdeSaysHowToConfigureIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new CourierAvroSerde<DeliveryStatus>().serializer());

        assertTrue(e.getMessage().contains(CourierSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG), e.getMessage());
    }

    @Test
    void serializerReusesItsBufferWithoutMixingRecords() {
        Serde<PendingDelivery> serde = CourierSerdes.value(PendingDelivery.class, registry);
        PendingDelivery big = PendingDelivery.newBuilder(Records.pendingDelivery())
                .setEvent(SendEvent.newBuilder(Records.sendEvent()).setPayload(ByteBuffer.wrap(new byte[2 << 20])).build())
                .build();
        PendingDelivery small = PendingDelivery.newBuilder().setDeadline(1L).build();

        byte[] bigBytes = serde.serializer().serialize(TOPIC, big);
        byte[] smallBytes = serde.serializer().serialize(TOPIC, small);

        // the big one is over the largest Kafka record, so the deserializer refuses it (AvroLimits)
        assertTrue(bigBytes.length > 2 << 20);
        assertEquals(small, serde.deserializer().deserialize(TOPIC, smallBytes));
        assertFalse(smallBytes.length > 100, "small record kept the big record's bytes: " + smallBytes.length);
    }

    @Test
    void deserializerFailureIsASerializationExceptionForKafkaHandlers() {
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sendSerde.deserializer().deserialize(TOPIC, new byte[] {1}));

        assertInstanceOf(org.apache.kafka.common.errors.SerializationException.class, e);
    }

    private static Schema withExtraField(Schema base) {
        List<Schema.Field> fields = new java.util.ArrayList<>(copyFields(base, null));
        fields.add(new Schema.Field("priority", SchemaBuilder.builder().intType(), "added by a newer writer", 0));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static Schema withoutField(Schema base, String dropped) {
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, copyFields(base, dropped));
    }

    private static List<Schema.Field> copyFields(Schema base, String dropped) {
        return base.getFields().stream()
                .filter(f -> !f.name().equals(dropped))
                .map(f -> new Schema.Field(f, f.schema()))
                .toList();
    }

    /** The fields of {@code event} that {@code schema} has, as plain Avro data (no logical-type conversions). */
    private static GenericRecord copyInto(Schema schema, SendEvent event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SendEvent>(SendEvent.getClassSchema()).write(event, encoder);
        encoder.flush();
        GenericRecord plain = new GenericDatumReader<GenericRecord>(SendEvent.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        GenericRecord copy = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (SendEvent.getClassSchema().getField(field.name()) != null) {
                copy.put(field.name(), plain.get(field.name()));
            }
        }
        return copy;
    }

    private static byte[] confluentBytes(int schemaId, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
