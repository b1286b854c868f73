package dev.courier.harness;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes bad input around the Courier producer, the way a buggy or foreign client would: a wrong magic
 * byte, an unknown schema id, bytes that do not decode, an oversized payload (300 KiB, and 600 KiB: a
 * decodable record whose dead letter once could not commit), a send event with a missing field, a crafted Avro
 * length prefix claiming more than any record holds, and an ack for a message that never existed (and, for
 * {@link SlowDelivery}, a record it writes itself). It
 * remembers where each poison record landed and the reason it must be dead-lettered with, so the
 * reconciliation can check that every one was dead-lettered, with that reason. Stray acks are only counted
 * here ({@code stray_acks}, what was written): the tracker keeps state only for deliveries a consumer reported
 * unsettled, so it ignores them and nothing downstream counts them.
 */
final class PoisonInjector implements AutoCloseable {

    /** The poison send records, written in turn, each with the reason it must be dead-lettered with. */
    enum SendPoison {
        WRONG_MAGIC(DeadLetterReason.WRONG_MAGIC_BYTE),
        UNKNOWN_ID(DeadLetterReason.UNKNOWN_SCHEMA_ID),
        UNDECODABLE(DeadLetterReason.UNDECODABLE),
        OVERSIZED_300_KIB(DeadLetterReason.OVERSIZED_PAYLOAD),
        INVALID(DeadLetterReason.INVALID_EVENT),
        OVERSIZED_600_KIB(DeadLetterReason.OVERSIZED_PAYLOAD),
        LENGTH_PREFIX(DeadLetterReason.LIMIT_EXCEEDED);

        final DeadLetterReason reason;

        SendPoison(DeadLetterReason reason) {
            this.reason = reason;
        }
    }

    /** The length the crafted prefix claims for the first string: far over any Kafka record. */
    static final int CRAFTED_LENGTH = 1_500_000_000;

    private final CourierTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<SendEvent> sends;
    /** The ack topic's union serde: a lone DeliveryAck, as a third-party delivery consumer may write one. */
    private final Serializer<SpecificRecord> acks;
    /** topic/partition/offset of each poison send record -> the reason it must be dead-lettered with. */
    private final Map<String, DeadLetterReason> poisonOrigins = new ConcurrentHashMap<>();
    private final Map<SendPoison, AtomicLong> writtenByKind = new ConcurrentHashMap<>();
    private final AtomicLong strayAcks = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private long next;

    PoisonInjector(String bootstrapServers, SchemaRegistryClient registry, CourierTopics topics) {
        this.topics = topics;
        this.sends = CourierSerdes.value(SendEvent.class, registry).serializer();
        this.acks = CourierSerdes.ackValue(registry).serializer();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Writes the next kind of poison in turn: each of {@link SendPoison}, then a stray ack. */
    void inject() {
        SendPoison[] kinds = SendPoison.values();
        int turn = (int) (next++ % (kinds.length + 1));
        String recipient = "poison-" + (next % 7);
        if (turn == kinds.length) {
            DeliveryAck ack = DeliveryAck.newBuilder().setMessageId(UUID.randomUUID().toString()).setRecipientId(recipient)
                    .setStatus(AckStatus.DELIVERED).setAckedAt(Instant.now()).setDeliveredBy("nobody").build();
            producer.send(new ProducerRecord<>(topics.ack(), recipient, acks.serialize(topics.ack(), ack)),
                    (md, e) -> {
                        if (e == null) {
                            strayAcks.incrementAndGet();
                        }
                    });
            return;
        }
        SendPoison kind = kinds[turn];
        producer.send(new ProducerRecord<>(topics.send(), recipient, value(kind, recipient)), (md, e) -> {
            if (e == null) {
                written(kind, md);
            }
        });
    }

    /** A poison send record of {@code kind} (for {@code recipient} where it names one), for a writer of its own. */
    byte[] value(SendPoison kind, String recipient) {
        return switch (kind) {
            case WRONG_MAGIC -> "{\"messageId\":\"not avro\"}".getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_ID -> new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 'x'};
            case UNDECODABLE -> undecodable();
            case OVERSIZED_300_KIB -> sends.serialize(topics.send(), event(recipient, new byte[300 * 1024]));
            case INVALID -> sends.serialize(topics.send(), event("", new byte[] {1}));
            case OVERSIZED_600_KIB -> sends.serialize(topics.send(), event(recipient, new byte[600 * 1024]));
            case LENGTH_PREFIX -> craftedLengthPrefix();
        };
    }

    /** A poison record of {@code kind} landed at {@code md}: to be dead-lettered with its kind's reason. */
    void written(SendPoison kind, RecordMetadata md) {
        poisonOrigins.put(DeliveryObserver.origin(md.topic(), md.partition(), md.offset()), kind.reason);
        writtenByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        written.incrementAndGet();
    }

    private byte[] craftedLengthPrefix() {
        return craftedLengthPrefix(sends.serialize(topics.send(), event("x", new byte[] {1})));
    }

    /**
     * The header of {@code validSendEvent} (magic byte, a real SendEvent schema id), then a first field
     * (messageId, a string) whose Avro length prefix claims {@link #CRAFTED_LENGTH} bytes, then 4 bytes: a decoder
     * without limits allocates the claimed length before reading.
     */
    static byte[] craftedLengthPrefix(byte[] validSendEvent) {
        ByteBuffer out = ByteBuffer.allocate(5 + 10 + 4);
        out.put(validSendEvent, 0, 5);
        long zigzag = (long) CRAFTED_LENGTH << 1;
        while ((zigzag & ~0x7FL) != 0) {
            out.put((byte) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        out.put((byte) zigzag);
        out.put(new byte[] {'a', 'b', 'c', 'd'});
        return Arrays.copyOf(out.array(), out.position());
    }

    /** A valid header (magic byte, a real SendEvent schema id) followed by a body that is not a SendEvent. */
    private byte[] undecodable() {
        byte[] valid = sends.serialize(topics.send(), event("x", new byte[] {1}));
        byte[] out = new byte[5 + 3];
        System.arraycopy(valid, 0, out, 0, 5);
        out[5] = (byte) 0xff;
        out[6] = (byte) 0xff;
        out[7] = (byte) 0xff;
        return out;
    }

    static SendEvent event(String recipient, byte[] payload) {
        return SendEvent.newBuilder().setMessageId(UUID.randomUUID().toString()).setConversationId("poison")
                .setSenderId("poisoner").setRecipientId(recipient).setSentAt(Instant.now())
                .setPayload(ByteBuffer.wrap(payload)).setContentType("application/octet-stream").build();
    }

    /** Where each poison send record landed (topic/partition/offset). */
    Set<String> poisonOrigins() {
        return poisonOrigins.keySet();
    }

    /** Where each poison send record landed (topic/partition/offset), with the reason it must be dead-lettered with. */
    Map<String, DeadLetterReason> expectedReasons() {
        return poisonOrigins;
    }

    /** Poison send records written, by kind. */
    Map<String, Long> writtenByKind() {
        Map<String, Long> out = new TreeMap<>();
        writtenByKind.forEach((kind, n) -> out.put(kind.name(), n.get()));
        return out;
    }

    long written() {
        return written.get();
    }

    long strayAcks() {
        return strayAcks.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
