package dev.courier.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-batch protocol against Kafka's MockConsumer / MockProducer (transactions included). Rebalances,
 * broker failures and real commits are covered by the real-broker tests in integration-tests.
 */
class DeliveryConsumerTest {

    private static final String SEND = "courier.send";
    private static final String ACK = "courier.ack";
    private static final TopicPartition P2 = new TopicPartition(SEND, 2);

    private final FlakyRegistry registry = new FlakyRegistry();
    private final ReplayingConsumer consumer = new ReplayingConsumer();
    private final List<MockProducer<String, byte[]>> producers = new CopyOnWriteArrayList<>();
    private final List<Delivery> handed = new CopyOnWriteArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private DeliveryConsumer delivery;

    @AfterEach
    void tearDown() {
        if (delivery != null) {
            delivery.close();
        }
        thread.shutdownNow();
    }

    private void start(Deliverer deliverer, List<ConsumerRecord<String, byte[]>> records) {
        List<PartitionInfo> sendParts = new ArrayList<>();
        List<PartitionInfo> ackParts = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            sendParts.add(new PartitionInfo(SEND, p, Node.noNode(), new Node[0], new Node[0]));
            ackParts.add(new PartitionInfo(ACK, p, Node.noNode(), new Node[0], new Node[0]));
        }
        consumer.updatePartitions(SEND, sendParts);
        consumer.updatePartitions(ACK, ackParts);
        consumer.updateBeginningOffsets(Map.of(P2, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P2));
            records.forEach(consumer::append);
        });
        DeliveryConsumerConfig config = DeliveryConsumerConfig.builder().bootstrapServers("unused:9092")
                .schemaRegistryUrl("mem://unused").consumerId("test-1").set("retry.backoff.ms", 10L).build();
        delivery = new DeliveryConsumer(config, d -> {
            handed.add(d);
            return deliverer.deliver(d);
        }, registry, false, consumer, () -> {
            MockProducer<String, byte[]> p = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
            producers.add(p);
            return p;
        }, EmptyLedger::new, System::currentTimeMillis);
        thread.submit(delivery);
    }

    private ConsumerRecord<String, byte[]> send(long offset, String messageId, String recipient, int attempt) {
        SendEvent e = SendEvent.newBuilder().setMessageId(messageId).setConversationId("c").setSenderId("s")
                .setRecipientId(recipient).setSentAt(Instant.ofEpochMilli(1)).setPayload(ByteBuffer.wrap(new byte[] {7}))
                .setContentType("text/plain").setAttempt(attempt).build();
        byte[] value = CourierSerdes.value(SendEvent.class, registry.delegate).serializer().serialize(SEND, e);
        return new ConsumerRecord<>(SEND, 2, offset, recipient, value);
    }

    private List<DeliveryAck> acks(MockProducer<String, byte[]> p) {
        var de = CourierSerdes.value(DeliveryAck.class, registry.delegate).deserializer();
        List<DeliveryAck> out = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : p.history()) {
            if (r.topic().equals(ACK)) {
                assertEquals(2, r.partition(), "ack goes to the send record's partition number");
                assertEquals(r.key(), de.deserialize(ACK, r.value()).getRecipientId());
                out.add(de.deserialize(ACK, r.value()));
            }
        }
        return out;
    }

    private static long committedOffset(MockProducer<String, byte[]> p) {
        long offset = -1;
        for (Map<String, Map<TopicPartition, OffsetAndMetadata>> m : p.consumerGroupOffsetsHistory()) {
            for (Map<TopicPartition, OffsetAndMetadata> byPartition : m.values()) {
                OffsetAndMetadata o = byPartition.get(P2);
                if (o != null) {
                    offset = Math.max(offset, o.offset());
                }
            }
        }
        return offset;
    }

    @Test
    void oneBatchDeliversDedupesDeadLettersAndCommitsOffsetsInTheTransaction() {
        start(d -> switch (d.recipientId()) {
            case "away" -> DeliveryOutcome.RETRY;
            case "mallory" -> DeliveryOutcome.rejected("blocked");
            case "boom" -> throw new IllegalStateException("device exploded");
            default -> DeliveryOutcome.DELIVERED;
        }, List.of(
                send(0, "m1", "bob", 1),
                send(1, "m1", "bob", 2),            // re-emit in the same batch: suppressed, re-acked
                new ConsumerRecord<>(SEND, 2, 2, "bob", "garbage".getBytes()),
                send(3, "m2", "away", 1),
                send(4, "m3", "mallory", 1),
                send(5, "m4", "boom", 1),
                send(6, " ", "bob", 1)));           // blank messageId

        await("seven records committed").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().batches() == 1);

        MockProducer<String, byte[]> p = producers.get(0);
        assertTrue(p.transactionCommitted());
        assertEquals(7, committedOffset(p));
        List<DeliveryAck> acks = acks(p);
        assertEquals(List.of("m1", "m1", "m3"), acks.stream().map(DeliveryAck::getMessageId).toList());
        assertFalse(acks.get(0).getDuplicate());
        assertTrue(acks.get(1).getDuplicate());
        assertEquals(2, acks.get(1).getAttempt());
        assertEquals(AckStatus.REJECTED, acks.get(2).getStatus());
        assertEquals("blocked", acks.get(2).getReason());
        assertEquals("test-1", acks.get(0).getDeliveredBy());

        var dl = CourierSerdes.value(DeadLetter.class, registry.delegate).deserializer();
        List<DeadLetter> letters = p.history().stream().filter(r -> r.topic().equals("courier.dead-letter"))
                .map(r -> dl.deserialize(r.topic(), r.value())).toList();
        assertEquals(List.of("WRONG_MAGIC_BYTE", "INVALID_EVENT"), letters.stream().map(DeadLetter::getReasonCode).toList());
        assertEquals(2L, letters.get(0).getOriginalOffset());
        assertEquals(ByteBuffer.wrap("garbage".getBytes()), letters.get(0).getRawValue());

        DeliveryConsumerMetrics m = delivery.metrics();
        assertEquals(1, m.delivered());
        assertEquals(1, m.duplicatesSuppressed());
        assertEquals(2, m.retries(), "RETRY and the exception");
        assertEquals(1, m.rejected());
        assertEquals(2, m.deadLettered());
        assertEquals(List.of("m1", "m2", "m3", "m4"), handed.stream().map(Delivery::messageId).toList());
        assertTrue(handed.stream().allMatch(Delivery::possibleRedelivery), "first batch after assignment is flagged");
    }

    @Test
    void aPayloadOverTheLimitIsDeadLetteredNotDelivered() {
        SendEvent big = SendEvent.newBuilder().setMessageId("big").setConversationId("c").setSenderId("s")
                .setRecipientId("bob").setSentAt(Instant.ofEpochMilli(1))
                .setPayload(ByteBuffer.wrap(new byte[256 * 1024 + 1])).setContentType("text/plain").build();
        byte[] value = CourierSerdes.value(SendEvent.class, registry.delegate).serializer().serialize(SEND, big);
        start(d -> DeliveryOutcome.DELIVERED, List.of(new ConsumerRecord<>(SEND, 2, 0, "bob", value), send(1, "m1", "bob", 1)));

        await("both records committed").atMost(Duration.ofSeconds(10)).until(() -> delivery.metrics().batches() == 1);
        var dl = CourierSerdes.value(DeadLetter.class, registry.delegate).deserializer();
        List<DeadLetter> letters = producers.get(0).history().stream().filter(r -> r.topic().equals("courier.dead-letter"))
                .map(r -> dl.deserialize(r.topic(), r.value())).toList();
        assertEquals(1, letters.size());
        assertEquals(EventChecks.OVERSIZED_PAYLOAD, letters.get(0).getReasonCode());
        assertTrue(letters.get(0).getReasonText().contains("payload of 262145 bytes"), letters.get(0).getReasonText());
        assertEquals(List.of("m1"), handed.stream().map(Delivery::messageId).toList(), "the next record is delivered");
    }

    @Test
    void aFailedCommitAbortsRewindsAndRedeliversFlaggedWithoutKeepingTheAbortedAcks() {
        AtomicInteger calls = new AtomicInteger();
        start(d -> {
            if (calls.incrementAndGet() == 1) {
                producers.get(0).commitTransactionException = new KafkaException("broker said no");
            } else {
                producers.get(0).commitTransactionException = null;
            }
            return DeliveryOutcome.DELIVERED;
        }, List.of(send(0, "m1", "bob", 1)));

        await("the batch committed on the second try").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().batches() == 1);

        assertEquals(2, handed.size(), "handed again after the abort: the aborted ack never became visible");
        assertTrue(handed.get(1).possibleRedelivery());
        assertEquals(1, delivery.metrics().abortedBatches());
        assertEquals(1, delivery.metrics().delivered());
        assertEquals(0, delivery.metrics().duplicatesSuppressed(), "the aborted batch's dedupe entry was dropped");
        assertEquals(1, acks(producers.get(0)).size());
        assertEquals(1, committedOffset(producers.get(0)));
    }

    @Test
    void anUnreachableRegistryIsRetriedNotDeadLettered() {
        List<ConsumerRecord<String, byte[]>> records = List.of(send(0, "m1", "bob", 1));
        registry.failuresLeft.set(3);
        start(d -> DeliveryOutcome.DELIVERED, records);

        await("delivered once the registry answers").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().delivered() == 1);

        assertEquals(0, delivery.metrics().deadLettered());
        assertEquals(3, delivery.metrics().abortedBatches());
        assertEquals(1, handed.size(), "decode failed before delivery: nothing handed until it worked");
    }

    @Test
    void aFencedProducerIsReplacedAndTheBatchRedone() {
        AtomicInteger calls = new AtomicInteger();
        start(d -> {
            if (calls.incrementAndGet() == 1) {
                producers.get(0).fenceProducer();
            }
            return DeliveryOutcome.DELIVERED;
        }, List.of(send(0, "m1", "bob", 1)));

        await("committed by a new producer").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().batches() == 1);

        assertEquals(2, producers.size());
        assertEquals(1, acks(producers.get(1)).size());
        assertEquals(1, committedOffset(producers.get(1)));
        assertTrue(handed.get(1).possibleRedelivery());
    }

    /**
     * MockConsumer hands each added record out once; a real consumer re-reads after a seek. This one keeps
     * the log and re-adds what lies at or after the position sought.
     */
    static final class ReplayingConsumer extends MockConsumer<String, byte[]> {
        private final List<ConsumerRecord<String, byte[]>> log = new ArrayList<>();

        ReplayingConsumer() {
            super("earliest");
        }

        synchronized void append(ConsumerRecord<String, byte[]> rec) {
            log.add(rec);
            addRecord(rec);
        }

        @Override
        public synchronized void seek(TopicPartition tp, long offset) {
            super.seek(tp, offset);
            log.stream().filter(r -> r.partition() == tp.partition() && r.offset() >= offset).forEach(this::addRecord);
        }

        @Override
        public synchronized void seek(TopicPartition tp, OffsetAndMetadata offset) {
            seek(tp, offset.offset());
        }
    }

    /** A ledger reader whose ack partitions are empty (MockConsumer lacks offsetsForTimes). */
    static final class EmptyLedger extends MockConsumer<String, byte[]> {
        EmptyLedger() {
            super("earliest");
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                ends.put(new TopicPartition(ACK, p), 0L);
            }
            updateEndOffsets(ends);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query,
                                                                                    Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> none = new HashMap<>();
            query.keySet().forEach(tp -> none.put(tp, null));
            return none;
        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
            return endOffsets(partitions);
        }
    }

    /** An in-memory registry that fails its first lookups as if unreachable. */
    static final class FlakyRegistry implements SchemaRegistryClient {
        final InMemorySchemaRegistryClient delegate = new InMemorySchemaRegistryClient();
        final AtomicInteger failuresLeft = new AtomicInteger();

        @Override
        public int register(String subject, Schema schema) {
            return delegate.register(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SchemaRegistryException("connection refused", -1, -1, null);
            }
            return delegate.schemaById(id);
        }
    }
}
