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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes bad input around the Courier producer, the way a buggy or foreign client would: a wrong magic
 * byte, an unknown schema id, bytes that do not decode, an oversized payload, a send event with a missing
 * field, and an ack for a message that never existed. It remembers where each poison record landed, so
 * the reconciliation can check that every one was dead-lettered. Stray acks are only counted here
 * ({@code stray_acks}, what was written): the tracker keeps state only for deliveries a consumer reported
 * unsettled, so it ignores them and nothing downstream counts them.
 */
final class PoisonInjector implements AutoCloseable {

    /** The poison send records, each named by the reason it must be dead-lettered with, written in turn. */
    static final List<DeadLetterReason> SEND_POISON = List.of(DeadLetterReason.WRONG_MAGIC_BYTE,
            DeadLetterReason.UNKNOWN_SCHEMA_ID, DeadLetterReason.UNDECODABLE, DeadLetterReason.OVERSIZED_PAYLOAD,
            DeadLetterReason.INVALID_EVENT);

    private final CourierTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<SendEvent> sends;
    /** The ack topic's union serde: a lone DeliveryAck, as a third-party delivery consumer may write one. */
    private final Serializer<SpecificRecord> acks;
    private final Set<String> poisonOrigins = ConcurrentHashMap.newKeySet();
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

    /** Writes the next kind of poison in turn: each of {@link #SEND_POISON}, then a stray ack. */
    void inject() {
        int turn = (int) (next++ % (SEND_POISON.size() + 1));
        String recipient = "poison-" + (next % 7);
        if (turn == SEND_POISON.size()) {
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
        DeadLetterReason reason = SEND_POISON.get(turn);
        byte[] value = switch (reason) {
            case WRONG_MAGIC_BYTE -> "{\"messageId\":\"not avro\"}".getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_SCHEMA_ID -> new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 'x'};
            case UNDECODABLE -> undecodable();
            case OVERSIZED_PAYLOAD -> sends.serialize(topics.send(), event(recipient, new byte[300 * 1024]));
            case INVALID_EVENT -> sends.serialize(topics.send(), event("", new byte[] {1}));
            default -> throw new IllegalStateException("no poison written for " + reason);
        };
        producer.send(new ProducerRecord<>(topics.send(), recipient, value), (md, e) -> {
            if (e == null) {
                poisonOrigins.add(DeliveryObserver.origin(md.topic(), md.partition(), md.offset()));
                written.incrementAndGet();
            }
        });
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

    private static SendEvent event(String recipient, byte[] payload) {
        return SendEvent.newBuilder().setMessageId(UUID.randomUUID().toString()).setConversationId("poison")
                .setSenderId("poisoner").setRecipientId(recipient).setSentAt(Instant.now())
                .setPayload(ByteBuffer.wrap(payload)).setContentType("application/octet-stream").build();
    }

    /** Where each poison send record landed (topic/partition/offset). */
    Set<String> poisonOrigins() {
        return poisonOrigins;
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
