package dev.courier.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.NotFoundGrace;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
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
    private static final TopicPartition P1 = new TopicPartition(SEND, 1);
    private static final TopicPartition P2 = new TopicPartition(SEND, 2);
    /** When the test messages were sent: within message.ttl.ms of every clock below (system or hand-driven). */
    private static final Instant SENT_AT = Instant.now();

    private final FlakyRegistry registry = new FlakyRegistry();
    private final ReplayingConsumer consumer = new ReplayingConsumer();
    private final List<MockProducer<String, byte[]>> producers = new CopyOnWriteArrayList<>();
    private final List<Delivery> handed = new CopyOnWriteArrayList<>();
    /** Makes each transactional producer the consumer asks for. */
    private Supplier<MockProducer<String, byte[]>> producerMaker =
            () -> new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
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
        start(deliverer, records, System::currentTimeMillis, Map.of());
    }

    private void start(Deliverer deliverer, List<ConsumerRecord<String, byte[]>> records, LongSupplier clock,
                       Map<String, Object> settings) {
        start(deliverer, records, clock, settings, EmptyLedger::new);
    }

    private void start(Deliverer deliverer, List<ConsumerRecord<String, byte[]>> records, LongSupplier clock,
                       Map<String, Object> settings, Supplier<Consumer<String, byte[]>> ledger) {
        List<PartitionInfo> sendParts = new ArrayList<>();
        List<PartitionInfo> ackParts = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            sendParts.add(new PartitionInfo(SEND, p, Node.noNode(), new Node[0], new Node[0]));
            ackParts.add(new PartitionInfo(ACK, p, Node.noNode(), new Node[0], new Node[0]));
        }
        consumer.updatePartitions(SEND, sendParts);
        consumer.updatePartitions(ACK, ackParts);
        consumer.updateBeginningOffsets(Map.of(P1, 0L, P2, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P1, P2));
            records.forEach(consumer::append);
        });
        DeliveryConsumerConfig.Builder builder = DeliveryConsumerConfig.builder().bootstrapServers("unused:9092")
                .schemaRegistryUrl("mem://unused").consumerId("test-1").set("retry.backoff.ms", 10L)
                .set("order.hold.enabled", true); // the default, said here because these tests rely on it
        settings.forEach(builder::set);
        DeliveryConsumerConfig config = builder.build();
        delivery = new DeliveryConsumer(config, d -> {
            handed.add(d);
            return deliverer.deliver(d);
        }, registry, false, consumer, () -> {
            MockProducer<String, byte[]> p = producerMaker.get();
            producers.add(p);
            return p;
        }, ledger, clock);
        thread.submit(delivery);
    }

    private ConsumerRecord<String, byte[]> send(long offset, String messageId, String recipient, int attempt) {
        return send(offset, messageId, recipient, "c", null, attempt);
    }

    private ConsumerRecord<String, byte[]> send(long offset, String messageId, String recipient, String conversation,
                                                Long seq, int attempt) {
        return send(2, offset, messageId, recipient, conversation, seq, attempt);
    }

    private ConsumerRecord<String, byte[]> send(int partition, long offset, String messageId, String recipient,
                                                String conversation, Long seq, int attempt) {
        return send(partition, offset, messageId, recipient, conversation, seq, attempt, SENT_AT);
    }

    private ConsumerRecord<String, byte[]> send(int partition, long offset, String messageId, String recipient,
                                                String conversation, Long seq, int attempt, Instant sentAt) {
        SendEvent e = SendEvent.newBuilder().setMessageId(messageId).setConversationId(conversation).setSenderId("s")
                .setRecipientId(recipient).setSentAt(sentAt).setPayload(ByteBuffer.wrap(new byte[] {7}))
                .setContentType("text/plain").setAttempt(attempt).setSeq(seq).build();
        byte[] value = CourierSerdes.value(SendEvent.class, registry.delegate).serializer().serialize(SEND, e);
        return new ConsumerRecord<>(SEND, partition, offset, recipient, value);
    }

    /**
     * The committed ack-topic records, decoded with the topic's union serde: every one an AckBatch, keyless,
     * in the ack partition numbered like the send partition it covers.
     */
    private List<AckBatch> ackBatches(MockProducer<String, byte[]> p) {
        var de = CourierSerdes.ackValue(registry.delegate).deserializer();
        List<AckBatch> out = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : p.history()) {
            if (r.topic().equals(ACK)) {
                SpecificRecord value = de.deserialize(ACK, r.value());
                assertTrue(value instanceof AckBatch, "the consumer writes AckBatches only: " + value);
                AckBatch batch = (AckBatch) value;
                assertEquals(batch.getSendPartition(), r.partition(), "ack batch goes to the send partition's number");
                assertNull(r.key(), "the partition is explicit: no key");
                out.add(batch);
            }
        }
        return out;
    }

    /** The acks of every committed AckBatch, in the order written. */
    private List<DeliveryAck> acks(MockProducer<String, byte[]> p) {
        return ackBatches(p).stream().flatMap(b -> b.getAcks().stream()).toList();
    }

    private static List<String> idsAndStatuses(AckBatch batch) {
        return batch.getAcks().stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList();
    }

    private static long committedOffset(MockProducer<String, byte[]> p) {
        return committedOffset(p, P2);
    }

    private static long committedOffset(MockProducer<String, byte[]> p, TopicPartition tp) {
        long offset = -1;
        for (Map<String, Map<TopicPartition, OffsetAndMetadata>> m : p.consumerGroupOffsetsHistory()) {
            for (Map<TopicPartition, OffsetAndMetadata> byPartition : m.values()) {
                OffsetAndMetadata o = byPartition.get(tp);
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
        assertEquals(List.of("m1 DELIVERED", "m1 DELIVERED", "m2 RETRY", "m3 REJECTED", "m4 RETRY"),
                acks.stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        assertFalse(acks.get(0).getDuplicate());
        assertTrue(acks.get(1).getDuplicate());
        assertEquals(2, acks.get(1).getAttempt());
        assertEquals("blocked", acks.get(3).getReason());
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
        assertEquals(DeadLetterReason.OVERSIZED_PAYLOAD.name(), letters.get(0).getReasonCode());
        assertTrue(letters.get(0).getReasonText().contains("payload of 262145 bytes"), letters.get(0).getReasonText());
        assertEquals(List.of("m1"), handed.stream().map(Delivery::messageId).toList(), "the next record is delivered");
    }

    private List<DeadLetter> deadLetters() {
        var dl = CourierSerdes.value(DeadLetter.class, registry.delegate).deserializer();
        return producers.stream().flatMap(p -> p.history().stream()).filter(r -> r.topic().equals("courier.dead-letter"))
                .map(r -> dl.deserialize(r.topic(), r.value())).toList();
    }

    @Test
    void aDecodableSendOverHalfAMebibyteIsDeadLetteredWithItsEventOnlyAndTheLetterFitsARequest() {
        SendEvent big = SendEvent.newBuilder().setMessageId("big").setConversationId("c").setSenderId("s")
                .setRecipientId("bob").setSentAt(SENT_AT)
                .setPayload(ByteBuffer.wrap(new byte[600 * 1024])).setContentType("text/plain").build();
        byte[] value = CourierSerdes.value(SendEvent.class, registry.delegate).serializer().serialize(SEND, big);
        start(d -> DeliveryOutcome.DELIVERED, List.of(new ConsumerRecord<>(SEND, 2, 0, "bob", value)));

        await("committed").atMost(Duration.ofSeconds(10)).until(() -> delivery.metrics().batches() == 1);
        DeadLetter letter = deadLetters().get(0);
        assertEquals(DeadLetterReason.OVERSIZED_PAYLOAD.name(), letter.getReasonCode());
        assertEquals(big, letter.getEvent());
        assertNull(letter.getRawValue(), "the event decoded: its raw bytes would double the letter");
        byte[] written = producers.get(0).history().stream().filter(r -> r.topic().equals("courier.dead-letter"))
                .findFirst().orElseThrow().value();
        assertTrue(written.length < 1024 * 1024 - 16 * 1024, "fits max.request.size: " + written.length);
    }

    /** Producers whose commit or offsets failure, set during a transaction, is that transaction's alone. */
    private void commitFailuresLastOneTransaction() {
        producerMaker = () -> new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized void beginTransaction() {
                super.beginTransaction();
                commitTransactionException = null;
                sendOffsetsToTransactionException = null;
            }
        };
    }

    /**
     * Producers whose transaction the coordinator aborts once it has been open longer than {@code timeoutMs} on
     * {@code clock}, counted as Kafka counts {@code transaction.timeout.ms}: from the transaction's first write (the
     * first partition added to it), not from {@code beginTransaction()}, which asks the coordinator nothing. The
     * commit then fails as a real one does once the coordinator has aborted and bumped the epoch.
     */
    private void transactionsTimeOutAfter(long timeoutMs, LongSupplier clock) {
        producerMaker = () -> new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            private long firstWriteMs = -1;

            @Override
            public synchronized void beginTransaction() {
                super.beginTransaction();
                firstWriteMs = -1;
            }

            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                if (firstWriteMs < 0) {
                    firstWriteMs = clock.getAsLong();
                }
                return super.send(record, callback);
            }

            @Override
            public void commitTransaction() {
                if (firstWriteMs >= 0 && clock.getAsLong() - firstWriteMs > timeoutMs) {
                    throw new InvalidProducerEpochException("Producer attempted to produce with an old epoch: the "
                            + "coordinator aborted the transaction, open longer than transaction.timeout.ms");
                }
                super.commitTransaction();
            }
        };
    }

    @Test
    void aRecordThatKeepsItsBatchFromCommittingIsIsolatedAndDeadLetteredAndTheOthersAreDelivered() {
        commitFailuresLastOneTransaction();
        List<ConsumerRecord<String, byte[]>> records = List.of(send(0, "m1", "bob", 1), send(1, "m2", "bob", 1),
                send(2, "poison", "bob", 1), send(3, "m3", "bob", 1));
        start(d -> {
            if (d.messageId().equals("poison")) {
                producers.get(producers.size() - 1).commitTransactionException = new KafkaException(
                        "Cannot execute transactional method because we are in an error state",
                        new RecordTooLargeException("The message is 2097240 bytes when serialized which is larger "
                                + "than 1048576, which is the value of the max.request.size configuration."));
            }
            return DeliveryOutcome.DELIVERED;
        }, records);

        await("every record committed").atMost(Duration.ofSeconds(20))
                .until(() -> committedOffset(producers.get(producers.size() - 1)) == 4);

        List<DeadLetter> letters = deadLetters();
        assertEquals(1, letters.size(), letters.toString());
        assertEquals(DeadLetterReason.UNCOMMITTABLE.name(), letters.get(0).getReasonCode());
        assertEquals("poison", letters.get(0).getEvent().getMessageId());
        assertNull(letters.get(0).getRawValue());
        assertEquals(2L, letters.get(0).getOriginalOffset());
        assertTrue(letters.get(0).getReasonText().contains("RecordTooLargeException"), letters.get(0).getReasonText());
        assertEquals(3, delivery.metrics().delivered());
        assertEquals(List.of("m1", "m2", "m3"), acks(producers.get(0)).stream()
                .map(DeliveryAck::getMessageId).filter(id -> !id.equals("poison")).distinct().sorted().toList());
    }

    @Test
    void aDeliverySlowerThanTheTransactionTimeoutIsHandedOnceAndCommittedThoughADeadLetterPrecedesItInItsBatch() {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        long timeoutMs = 30_000; // transaction.timeout.ms, the default
        transactionsTimeOutAfter(timeoutMs, clock::get);
        start(d -> {
            if (d.messageId().equals("slow")) {
                clock.addAndGet(timeoutMs + 10_000); // past the timeout and the coordinator's next check for it
            }
            return DeliveryOutcome.DELIVERED;
        }, List.of(new ConsumerRecord<>(SEND, 2, 0, "bob", "garbage".getBytes()), // dead-lettered before "slow" is handed
                send(1, "slow", "bob", 1), send(2, "m1", "bob", 1)), clock::get, Map.of());

        await("the batch committed").atMost(Duration.ofSeconds(20))
                .until(() -> committedOffset(producers.get(producers.size() - 1)) == 3);

        assertEquals(List.of("slow", "m1"), handedIds(), "handed once each: no transaction was open while the Deliverer worked");
        assertEquals(0, delivery.metrics().abortedBatches());
        assertEquals(1, delivery.metrics().batches());
        assertEquals(2, delivery.metrics().delivered());
        assertEquals(List.of(DeadLetterReason.WRONG_MAGIC_BYTE.name()),
                deadLetters().stream().map(DeadLetter::getReasonCode).toList());
    }

    @Test
    void aDelivererSlowerThanMaxPollIntervalLosesItsCommitAFewTimesThenItsRecordIsDeadLettered() {
        // Past max.poll.interval.ms the member has left the group: the transaction's offsets are refused (the producer
        // reports the group coordinator's UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION as CommitFailedException), every time.
        commitFailuresLastOneTransaction();
        start(d -> {
            if (d.messageId().equals("slow")) {
                producers.get(producers.size() - 1).sendOffsetsToTransactionException = new CommitFailedException(
                        "Transaction offset Commit failed due to consumer group metadata mismatch: The coordinator is "
                                + "not aware of this member.");
            }
            return DeliveryOutcome.DELIVERED;
        }, List.of(send(0, "slow", "bob", 1), send(1, "m1", "bob", 1)));

        await("both records committed").atMost(Duration.ofSeconds(20))
                .until(() -> committedOffset(producers.get(producers.size() - 1)) == 2);

        assertEquals(List.of("slow"), deadLetters().stream().map(l -> l.getEvent().getMessageId()).toList());
        assertEquals(DeadLetterReason.UNCOMMITTABLE.name(), deadLetters().get(0).getReasonCode());
        assertTrue(deadLetters().get(0).getReasonText().contains("CommitFailedException"), deadLetters().get(0).getReasonText());
        assertEquals(1, delivery.metrics().delivered(), "m1");
        assertEquals(PoisonIsolation.FAILURES_TO_ISOLATE + PoisonIsolation.FAILURES_ALONE,
                handed.stream().filter(d -> d.messageId().equals("slow")).count(),
                "handed twice in its batch, three times alone, then dead-lettered: not forever");
        assertTrue(handed.stream().filter(d -> d.messageId().equals("slow")).skip(1).allMatch(Delivery::possibleRedelivery),
                "every repeat flagged");
    }

    @Test
    void aSchemaIdTheRegistryDoesNotKnowYetIsRetriedNotDeadLettered() {
        List<ConsumerRecord<String, byte[]>> records = List.of(send(0, "m1", "bob", 1));
        registry.notFoundLeft.set(3); // a lagging registry instance
        start(d -> DeliveryOutcome.DELIVERED, records);

        await("delivered once the registry knows the id").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().delivered() == 1);

        assertEquals(0, delivery.metrics().deadLettered());
        assertEquals(3, delivery.metrics().abortedBatches());
    }

    @Test
    void aSchemaIdStillUnknownAfterTheGraceIsDeadLettered() {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        registry.notFoundLeft.set(Integer.MAX_VALUE);
        start(d -> DeliveryOutcome.DELIVERED, List.of(send(0, "m1", "bob", 1)), clock::get, Map.of());

        await("retried while within the grace").atMost(Duration.ofSeconds(10))
                .until(() -> delivery.metrics().abortedBatches() >= 1);
        assertEquals(0, delivery.metrics().deadLettered());
        clock.addAndGet(NotFoundGrace.DEFAULT_GRACE_MS);

        await("dead-lettered past the grace").atMost(Duration.ofSeconds(20))
                .until(() -> delivery.metrics().deadLettered() == 1);
        assertEquals("UNKNOWN_SCHEMA_ID", deadLetters().get(0).getReasonCode());
        assertTrue(handed.isEmpty());
    }

    @Test
    void aRegistryRefusingTheConsumersCredentialsStopsItInsteadOfRetryingForever() throws Exception {
        registry.refuse.set(true);
        start(d -> DeliveryOutcome.DELIVERED, List.of(send(0, "m1", "bob", 1)));

        await("the consumer stopped").atMost(Duration.ofSeconds(10)).until(consumer::closed);
        assertEquals(0, delivery.metrics().deadLettered());
        assertTrue(handed.isEmpty());
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

    // --- AckBatch: one per (transaction, partition), the acks and the progress report --------------------

    @Test
    void eachCommittedTransactionWritesOneAckBatchPerPartitionWithItsAcksInHandlingOrder() {
        AtomicLong clock = new AtomicLong(1_000_000);
        start(d -> {
            if (d.messageId().equals("a1") && d.attempt() == 1) {
                return DeliveryOutcome.RETRY;
            }
            return d.recipientId().equals("mallory") ? DeliveryOutcome.rejected("blocked") : DeliveryOutcome.DELIVERED;
        }, List.of(
                a(10, 1, 1),                                   // RETRY with a seq: a RETRY ack
                a(11, 2, 1),                                   // held behind a1: a HELD ack
                send(12, "m3", "mallory", 1),                  // REJECTED
                send(1, 3, "k1", "carol", "K", null, 1),       // partition 1
                send(1, 4, "k2", "carol", "K", null, 1)),
                clock::get, Map.of(), EmptyLedger::new);
        awaitBatches("the first transaction committed", 1);

        clock.addAndGet(1_000);
        consumer.append(a(13, 1, 2));                         // a1 delivered, then a2 released from memory
        awaitBatches("the second transaction committed", 2);

        MockProducer<String, byte[]> p = producers.get(0);
        List<AckBatch> batches = ackBatches(p);
        assertEquals(3, batches.size(), "two partitions in the first transaction, one in the second");
        AckBatch first2 = batches.stream().limit(2).filter(b -> b.getSendPartition() == 2).findFirst().orElseThrow();
        AckBatch first1 = batches.stream().limit(2).filter(b -> b.getSendPartition() == 1).findFirst().orElseThrow();
        AckBatch second2 = batches.get(2);

        assertEquals(List.of("a1 RETRY", "a2 HELD", "m3 REJECTED"), idsAndStatuses(first2));
        assertEquals(10, first2.getFirstOffset());
        assertEquals(13, first2.getCommittedThrough(), "the offset committed for partition 2: last offset + 1");
        assertEquals(List.of("k1 DELIVERED", "k2 DELIVERED"), idsAndStatuses(first1));
        assertEquals(3, first1.getFirstOffset());
        assertEquals(5, first1.getCommittedThrough());
        assertEquals(Instant.ofEpochMilli(1_000_000), first1.getCommittedAt());
        assertEquals("test-1", first1.getDeliveredBy());

        assertEquals(2, second2.getSendPartition());
        assertEquals(List.of("a1 DELIVERED", "a2 DELIVERED"), idsAndStatuses(second2),
                "the released message's ack follows its blocker's, in its partition's batch");
        assertEquals(13, second2.getFirstOffset());
        assertEquals(14, second2.getCommittedThrough());
        assertEquals(Instant.ofEpochMilli(1_001_000), second2.getCommittedAt());
        assertEquals(14, committedOffset(p, P2));
        assertEquals(5, committedOffset(p, P1));
    }

    @Test
    void aPartitionWhoseRecordsWereAllDeadLetteredStillGetsItsAckBatchAsAProgressReport() {
        start(d -> DeliveryOutcome.DELIVERED, List.of(
                new ConsumerRecord<>(SEND, 2, 0, "away", "garbage".getBytes()),
                send(1, " ", "away", 1)));                     // blank messageId

        awaitBatches("the batch committed", 1);

        List<AckBatch> batches = ackBatches(producers.get(0));
        assertEquals(1, batches.size());
        assertEquals(List.of(), batches.get(0).getAcks());
        assertEquals(0, batches.get(0).getFirstOffset());
        assertEquals(2, batches.get(0).getCommittedThrough(), "past the records the tracker may now call late");
        assertEquals(2, delivery.metrics().deadLettered());
    }

    // --- every unsettled outcome is reported, with the send event it concerns ------------------------

    /** The send event as the consumer decoded it from {@code rec}. */
    private SendEvent decoded(ConsumerRecord<String, byte[]> rec) {
        return CourierSerdes.value(SendEvent.class, registry.delegate).deserializer().deserialize(SEND, rec.value());
    }

    @Test
    void everyDeliveryNotSettledIsAckedRetryWithTheSendEventItRead() {
        List<ConsumerRecord<String, byte[]>> records = List.of(
                send(0, "r", "bob", "K", null, 3),         // RETRY, no seq
                send(1, "t", "bob", "K", null, 1),         // the Deliverer throws
                send(2, "z", "bob", "K", null, 2),         // the Deliverer returns null
                send(3, "s", "bob", "S", 7L, 1),           // RETRY with a seq
                send(4, "d", "bob", "K", null, 1));        // delivered
        start(d -> switch (d.messageId()) {
            case "t" -> throw new IllegalStateException("device exploded");
            case "z" -> null;
            case "d" -> DeliveryOutcome.DELIVERED;
            default -> DeliveryOutcome.RETRY;
        }, records);

        awaitBatches("the batch committed", 1);

        List<DeliveryAck> acks = acks(producers.get(0));
        assertEquals(List.of("r RETRY", "t RETRY", "z RETRY", "s RETRY", "d DELIVERED"),
                acks.stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        for (int i = 0; i < 4; i++) {
            DeliveryAck retry = acks.get(i);
            assertEquals(decoded(records.get(i)), retry.getEvent(), "the event as read, attempt included");
            assertEquals(records.get(i).offset() == 3 ? "S" : "K", retry.getConversationId());
            assertFalse(retry.getDuplicate());
        }
        assertEquals(3, acks.get(0).getAttempt());
        assertNull(acks.get(0).getSeq(), "no seq, no hold for the next owner");
        assertEquals(7L, acks.get(3).getSeq());
        assertNull(acks.get(4).getEvent(), "a settling ack carries no event");
        assertNull(acks.get(4).getConversationId());
        assertEquals(4, delivery.metrics().retries());
    }

    @Test
    void aHeldAckCarriesItsEventAndTheHeldCopyIsDeliveredIntactLater() {
        ConsumerRecord<String, byte[]> a2 = a(1, 2, 1);
        start(d -> d.messageId().equals("a1") && d.attempt() == 1 ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a2));
        awaitBatches("a1 retried, a2 held", 1);
        consumer.append(a(2, 1, 2));
        awaitBatches("a1 delivered, a2 released", 2);

        List<DeliveryAck> acks = acks(producers.get(0));
        assertEquals(List.of("a1 RETRY", "a2 HELD", "a1 DELIVERED", "a2 DELIVERED"),
                acks.stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        assertEquals(decoded(a2), acks.get(1).getEvent());
        assertNull(acks.get(3).getEvent());
        assertEquals(List.of("a1", "a1", "a2"), handedIds());
        assertEquals(1, handed.get(2).payload().length, "writing the HELD ack left the held payload as it was");
    }

    @Test
    void aCopyRequestOfANewOwnerCarriesNoEvent() {
        List<DeliveryAck> ledger = List.of(heldAck("a2", 2, "a1", 1));
        start(d -> DeliveryOutcome.DELIVERED, List.of(send(0, "m1", "bob", 1)),
                System::currentTimeMillis, Map.of(), () -> new StoredLedger(ledger));
        awaitBatches("the batch committed", 1);

        List<DeliveryAck> acks = acks(producers.get(0));
        assertEquals(List.of("a2 RETRY", "m1 DELIVERED"),
                acks.stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        assertNull(acks.get(0).getEvent(), "the new owner has no copy of a2");
        assertEquals(2L, acks.get(0).getSeq());
    }

    @Test
    void aPartitionsAcksWithLargeEventsAreWrittenInSeveralAckBatchesWithTheSameProgress() {
        var serializer = CourierSerdes.value(SendEvent.class, registry.delegate).serializer();
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            SendEvent e = SendEvent.newBuilder().setMessageId("big" + i).setConversationId("c").setSenderId("s")
                    .setRecipientId("away").setSentAt(SENT_AT)
                    .setPayload(ByteBuffer.wrap(new byte[200 * 1024])).setContentType("application/octet-stream").build();
            records.add(new ConsumerRecord<>(SEND, 2, 2 * i, "away", serializer.serialize(SEND, e)));
            records.add(send(2 * i + 1, "small" + i, "bob", 1));
        }
        start(d -> d.recipientId().equals("away") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED, records);

        awaitBatches("the batch committed", 1);

        MockProducer<String, byte[]> p = producers.get(0);
        List<AckBatch> parts = ackBatches(p);
        assertEquals(3, parts.size(), "two 200 KiB events per part under 512 KiB");
        for (AckBatch part : parts) {
            assertEquals(0, part.getFirstOffset());
            assertEquals(12, part.getCommittedThrough());
            assertEquals(parts.get(0).getCommittedAt(), part.getCommittedAt());
            assertEquals("test-1", part.getDeliveredBy());
            assertTrue(part.getAcks().stream().mapToLong(AckBatchParts::estimatedBytes).sum() < AckBatchParts.MAX_PART_BYTES);
        }
        assertTrue(p.history().stream().filter(r -> r.topic().equals(ACK)).allMatch(r -> r.value().length < 1024 * 1024),
                "every record under the 1 MiB limit");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.add("big" + i + " RETRY");
            expected.add("small" + i + " DELIVERED");
        }
        assertEquals(expected, acks(p).stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList(),
                "the acks, across parts, in handling order");
        assertTrue(acks(p).stream().filter(ack -> ack.getStatus() == AckStatus.RETRY)
                .allMatch(ack -> ack.getEvent().getPayload().remaining() == 200 * 1024));
        assertEquals(12, committedOffset(p));
    }

    @Test
    void anAbortedTransactionCommitsNoAckBatchItsRetryCommitsOne() {
        AtomicInteger calls = new AtomicInteger();
        start(d -> {
            int call = calls.incrementAndGet();
            if (call == 1) {
                producers.get(0).commitTransactionException = new KafkaException("broker said no");
            } else if (call == 3) {  // the first handing of the second try
                producers.get(0).commitTransactionException = null;
            }
            return DeliveryOutcome.DELIVERED;
        }, List.of(send(0, "m1", "bob", 1), send(1, 0, "k1", "carol", "K", null, 1)));

        awaitBatches("the batch committed on the second try", 1);

        List<AckBatch> batches = ackBatches(producers.get(0));
        assertEquals(2, batches.size(), "one per partition, from the committed try only");
        for (AckBatch b : batches) {
            assertEquals(1, b.getAcks().size(), "the aborted try's acks were dropped with it");
            assertEquals(0, b.getFirstOffset());
            assertEquals(1, b.getCommittedThrough());
        }
        assertEquals(1, delivery.metrics().abortedBatches());
        assertEquals(4, handed.size(), "both records handed in each try");
    }

    @Test
    void aRegistryUnreachableWhenWritingTheAckBatchAbortsAndRetriesTheBatch() {
        registry.registerFailuresLeft.set(2);
        start(d -> DeliveryOutcome.DELIVERED, List.of(send(0, "m1", "bob", 1)));

        awaitBatches("committed once the registry answers", 1);

        assertEquals(2, delivery.metrics().abortedBatches());
        assertEquals(0, delivery.metrics().deadLettered());
        assertEquals(List.of("m1 DELIVERED"), idsAndStatuses(ackBatches(producers.get(0)).get(0)));
        assertEquals(3, handed.size(), "handed on each try: the ack was never committed before");
    }

    // --- time-to-live at read time -----------------------------------------------------------------------

    private List<DeadLetter> deadLetters(MockProducer<String, byte[]> p) {
        var dl = CourierSerdes.value(DeadLetter.class, registry.delegate).deserializer();
        return p.history().stream().filter(r -> r.topic().equals("courier.dead-letter"))
                .map(r -> dl.deserialize(r.topic(), r.value())).toList();
    }

    @Test
    void anEventReadPastItsTimeToLiveIsDeadLetteredExpiredInsteadOfDelivered() {
        long now = 5_000_000;
        ConsumerRecord<String, byte[]> old = send(2, 0, "old", "bob", "c", null, 1, Instant.ofEpochMilli(now - 60_000));
        start(d -> DeliveryOutcome.DELIVERED, List.of(
                        old,                                                                       // sentAt + ttl = now
                        send(2, 1, "young", "bob", "c", null, 1, Instant.ofEpochMilli(now - 59_999))),
                () -> now, Map.of("message.ttl.ms", 60_000L));

        awaitBatches("the batch committed", 1);

        MockProducer<String, byte[]> p = producers.get(0);
        List<DeadLetter> letters = deadLetters(p);
        assertEquals(1, letters.size());
        DeadLetter letter = letters.get(0);
        assertEquals(DeadLetterReason.EXPIRED.name(), letter.getReasonCode());
        assertEquals(decoded(old), letter.getEvent(), "dead-lettered with the event, like the other decoded ones");
        assertEquals("old", letter.getMessageId());
        assertEquals(1, letter.getAttempts());
        assertEquals(0L, letter.getOriginalOffset());
        assertEquals(List.of("young"), handedIds());
        assertEquals(List.of("young DELIVERED"), idsAndStatuses(ackBatches(p).get(0)), "no ack for the expired one");
        assertEquals(2, committedOffset(p));
        assertEquals(1, delivery.metrics().deadLettered());
    }

    @Test
    void anExpiredBlockerNoLongerHoldsItsConversation() {
        AtomicLong clock = new AtomicLong(5_000_000);
        Instant a1SentAt = Instant.ofEpochMilli(clock.get());
        start(d -> d.messageId().equals("a1") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED, List.of(
                        send(2, 0, "a1", "bob", "A", 1L, 1, a1SentAt),
                        send(2, 1, "a2", "bob", "A", 2L, 1, Instant.ofEpochMilli(clock.get() + 1_000))),
                clock::get, Map.of("message.ttl.ms", 60_000L));
        awaitBatches("a1 retried, a2 held", 1);

        clock.addAndGet(60_000);
        consumer.appendAll(List.of(
                send(2, 2, "a1", "bob", "A", 1L, 2, a1SentAt),                                // re-emit, expired now
                send(2, 3, "a3", "bob", "A", 3L, 1, Instant.ofEpochMilli(clock.get()))));      // not held behind a1
        awaitBatches("a1 expired", 2);

        assertEquals(List.of("a1", "a2", "a3"), handedIds(), "a2 from memory right after a1 expired, then a3");
        assertEquals(List.of(), deadLetters(producers.get(0)),
                "an expired re-emit is the tracker's to dead-letter (it holds its state): one dead letter, not two");
        assertEquals(List.of("a1 RETRY", "a2 HELD", "a2 DELIVERED", "a3 DELIVERED"), acks(producers.get(0)).stream()
                .map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        assertEquals(1, delivery.metrics().released());
    }

    @Test
    void aCopyOfADeliveredMessageIsReAckedAsADuplicateEvenPastItsTimeToLive() {
        AtomicLong clock = new AtomicLong(5_000_000);
        Instant sentAt = Instant.ofEpochMilli(clock.get());
        start(d -> DeliveryOutcome.DELIVERED, List.of(send(2, 0, "m1", "bob", "c", null, 1, sentAt)),
                clock::get, Map.of("message.ttl.ms", 60_000L));
        awaitBatches("m1 delivered", 1);

        clock.addAndGet(60_000);
        consumer.append(send(2, 1, "m1", "bob", "c", null, 2, sentAt));
        awaitBatches("the re-emit", 2);

        assertEquals(List.of("m1 DELIVERED", "m1 DELIVERED"), acks(producers.get(0)).stream()
                .map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
        assertTrue(acks(producers.get(0)).get(1).getDuplicate());
        assertEquals(List.of(), deadLetters(producers.get(0)));
        assertEquals(1, delivery.metrics().duplicatesSuppressed());
    }

    // --- order hold -------------------------------------------------------------------------------------

    /** A message of bob's conversation A with seq {@code seq}: messageId "a" + seq. */
    private ConsumerRecord<String, byte[]> a(long offset, long seq, int attempt) {
        return send(offset, "a" + seq, "bob", "A", seq, attempt);
    }

    private List<String> handedIds() {
        return handed.stream().map(Delivery::messageId).toList();
    }

    private void awaitBatches(String name, long n) {
        await(name).atMost(Duration.ofSeconds(10)).until(() -> delivery.metrics().batches() == n);
    }

    @Test
    void aRetryOnSeq1HoldsTheLaterMessagesOfItsConversationOnly() {
        start(d -> d.messageId().equals("a1") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED, List.of(
                a(0, 1, 1),
                a(1, 2, 1),
                send(2, "b1", "bob", "B", 1L, 1),      // bob's other conversation
                a(3, 3, 1),
                send(4, "x2", "carol", "A", 2L, 1)));  // same conversation id, another recipient

        awaitBatches("the batch committed", 1);

        assertEquals(List.of("a1", "b1", "x2"), handedIds());
        assertEquals(List.of("a1 RETRY", "a2 HELD", "b1 DELIVERED", "a3 HELD", "x2 DELIVERED"), acks(producers.get(0)).stream()
                        .map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList(),
                "RETRY and HELD are recorded (settling nothing), so the partition's next owner can restore the hold");
        assertEquals(5, committedOffset(producers.get(0)), "held messages advance the offset like RETRY");
        DeliveryConsumerMetrics m = delivery.metrics();
        assertEquals(2, m.held());
        assertEquals(1, m.retries(), "a hold is not a Deliverer RETRY");
        assertEquals(2, m.delivered());
    }

    @Test
    void theHeldMessagesAreHandedOverInSeqOrderRightAfterTheBlockerIsDelivered() {
        start(d -> d.messageId().equals("a1") && d.attempt() == 1 ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a(1, 2, 1), a(2, 3, 1)));
        awaitBatches("a1 retried, a2 and a3 held", 1);

        consumer.appendAll(List.of(
                a(3, 3, 2),   // a3's re-emit comes back before the blocker's: held again (the newer copy is kept)
                a(4, 1, 2))); // the blocker is delivered, then a2 and a3 from the consumer's memory
        awaitBatches("the blocker delivered", 2);
        assertEquals(List.of("a1", "a1", "a2", "a3"), handedIds());
        assertEquals(2, handed.get(3).attempt(), "a3's newer copy was handed over");

        consumer.appendAll(List.of(a(5, 3, 3), a(6, 2, 2)));  // late re-emits of the released ones
        awaitBatches("the late re-emits", 3);

        assertEquals(List.of("a1", "a1", "a2", "a3"), handedIds(), "late re-emits are duplicates");
        assertEquals(List.of("a1", "a2", "a3"), acks(producers.get(0)).stream()
                .filter(ack -> !ack.getDuplicate() && ack.getStatus() == AckStatus.DELIVERED)
                .map(DeliveryAck::getMessageId).toList());
        DeliveryConsumerMetrics m = delivery.metrics();
        assertEquals(3, m.held());
        assertEquals(2, m.released());
        assertEquals(3, m.delivered());
        assertEquals(2, m.duplicatesSuppressed());
    }

    @Test
    void aReleasedMessageThatIsRetriedBlocksTheRestAgain() {
        start(d -> d.attempt() == 1 && (d.messageId().equals("a1") || d.messageId().equals("a2"))
                        ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a(1, 2, 1), a(2, 3, 1)));
        awaitBatches("a1 retried, a2 and a3 held", 1);
        assertEquals(List.of("a1"), handedIds());

        consumer.append(a(3, 1, 2));
        awaitBatches("a1 delivered, a2 released and retried", 2);
        assertEquals(List.of("a1", "a1", "a2"), handedIds(), "a3 stays held behind a2");

        consumer.append(a(4, 2, 2));
        awaitBatches("a2 delivered, a3 released", 3);
        assertEquals(List.of("a1", "a1", "a2", "a2", "a3"), handedIds());
    }

    @Test
    void aNewOwnerRestoresTheHoldsItsPredecessorLeftInTheAckTopic() {
        // The previous owner of partition 2 held a2 and a3 behind a1 (RETRY'd), then died.
        List<DeliveryAck> ledger = List.of(heldAck("a2", 2, "a1", 1), heldAck("a3", 3, "a1", 1));
        start(d -> DeliveryOutcome.DELIVERED, List.of(
                        a(0, 3, 2),    // a3's re-emit comes first: held again, behind a1 and a2
                        a(1, 1, 2),    // the blocker: delivered; a2 is owed but not here yet, so a3 waits
                        a(2, 2, 2)),   // a2: delivered, then a3 from memory
                System::currentTimeMillis, Map.of(), () -> new StoredLedger(ledger));
        // counts are recorded at the commit, after the hand-off
        await("all delivered and committed").atMost(Duration.ofSeconds(10))
                .until(() -> handed.size() == 3 && delivery.metrics().released() == 1);

        assertEquals(List.of("a1", "a2", "a3"), handedIds(), "seq order, although a3's re-emit came first");
        assertEquals(1, delivery.metrics().held());
        assertEquals(1, delivery.metrics().released());
    }

    @Test
    void aNewOwnerKnowsAMessageItsPredecessorGotRetryFor() {
        // The previous owner got RETRY for a1 and died before anything of conversation A followed.
        DeliveryAck retried = DeliveryAck.newBuilder().setMessageId("a1").setRecipientId("bob").setStatus(AckStatus.RETRY)
                .setAckedAt(Instant.now()).setDeliveredBy("test-0").setAttempt(1).setConversationId("A").setSeq(1L).build();
        start(d -> DeliveryOutcome.DELIVERED, List.of(a(0, 2, 1), a(1, 1, 2)),
                System::currentTimeMillis, Map.of(), () -> new StoredLedger(List.of(retried)));
        await("both delivered").atMost(Duration.ofSeconds(10)).until(() -> handed.size() == 2);

        assertEquals(List.of("a1", "a2"), handedIds(), "a2 waited for a1's re-emit");
    }

    @Test
    void aNewOwnerReadsSingleAcksFromBeforeBatchesAndAckBatchesAlike() {
        // An old consumer acked m1 on its own record; a new one wrote an AckBatch that delivered m5 and held a2.
        DeliveryAck m1 = DeliveryAck.newBuilder().setMessageId("m1").setRecipientId("bob").setStatus(AckStatus.DELIVERED)
                .setAckedAt(Instant.now()).setDeliveredBy("test-0").setAttempt(1).build();
        DeliveryAck m5 = DeliveryAck.newBuilder().setMessageId("m5").setRecipientId("bob").setStatus(AckStatus.DELIVERED)
                .setAckedAt(Instant.now()).setDeliveredBy("test-0").setAttempt(1).build();
        AckBatch batch = AckBatch.newBuilder().setSendPartition(2).setFirstOffset(0).setCommittedThrough(3)
                .setCommittedAt(Instant.now()).setDeliveredBy("test-0")
                .setAcks(List.of(m5, heldAck("a2", 2, "a1", 1))).build();
        start(d -> DeliveryOutcome.DELIVERED, List.of(
                        send(0, "m1", "bob", 2),       // re-emits of what the ledger says was delivered
                        send(1, "m5", "bob", 2),
                        a(2, 2, 2),                    // held behind a1, whose hold the AckBatch recorded
                        a(3, 1, 2)),                   // the blocker, then a2 from memory
                System::currentTimeMillis, Map.of(), () -> new StoredLedger(List.of(m1, batch)));
        awaitBatches("the batch committed", 1);

        assertEquals(List.of("a1", "a2"), handedIds());
        assertEquals(2, delivery.metrics().duplicatesSuppressed(), "m1 (single ack) and m5 (in a batch)");
        assertEquals(1, delivery.metrics().held());
    }

    private DeliveryAck heldAck(String messageId, long seq, String behind, long behindSeq) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId("bob").setStatus(AckStatus.HELD)
                .setAckedAt(Instant.now()).setDeliveredBy("test-0").setAttempt(1).setConversationId("A").setSeq(seq)
                .setHeldBehind(behind).setHeldBehindSeq(behindSeq).build();
    }

    @Test
    void anAbortedBatchRollsTheGateBack() {
        AtomicInteger calls = new AtomicInteger();
        start(d -> {
            if (calls.incrementAndGet() == 1) {
                producers.get(0).commitTransactionException = new KafkaException("broker said no");
            }
            if (calls.get() <= 2) {
                return DeliveryOutcome.RETRY;
            }
            producers.get(0).commitTransactionException = null;
            return DeliveryOutcome.DELIVERED;
        }, List.of(a(0, 2, 1), a(1, 1, 2)));  // a1's re-emit lies behind a2

        awaitBatches("the batch committed on the second try", 1);

        // the aborted try owed a2 and a1; had that stayed, a2 (seq 2, above a1) would be held in the replay
        assertEquals(List.of("a2", "a1", "a2", "a1"), handedIds());
        assertEquals(0, delivery.metrics().held());
        assertEquals(0, delivery.metrics().retries(), "the aborted batch's RETRYs are not counted");
        assertEquals(2, delivery.metrics().delivered());
        assertEquals(1, delivery.metrics().abortedBatches());
    }

    @Test
    void aHoldWithoutProgressIsGivenUpAfterOrderHoldMaxMs() {
        AtomicLong clock = new AtomicLong(1_000_000);
        start(d -> d.messageId().equals("a1") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a(1, 2, 1)), clock::get, Map.of("order.hold.max.ms", 60_000L));
        awaitBatches("a1 retried, a2 held", 1);

        clock.addAndGet(59_999);
        consumer.append(a(2, 2, 2));
        awaitBatches("a2 held again just before the limit", 2);
        clock.addAndGet(1);
        consumer.append(a(3, 2, 3));
        awaitBatches("a2 delivered once the hold is given up", 3);

        assertEquals(List.of("a1", "a2"), handedIds());
        assertEquals(2, delivery.metrics().held());
        assertEquals(1, delivery.metrics().holdsExpired());
        assertEquals(1, delivery.metrics().delivered());
    }

    @Test
    void aMessageWithoutSeqIsNeverHeld() {
        start(d -> d.messageId().equals("a1") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED, List.of(
                a(0, 1, 1),
                send(1, "n", "bob", "A", null, 1),
                a(2, 2, 1)));

        awaitBatches("the batch committed", 1);

        assertEquals(List.of("a1", "n"), handedIds());
        assertEquals(1, delivery.metrics().held());
    }

    @Test
    void withTheOrderHoldDisabledARetryHoldsNothing() {
        start(d -> d.messageId().equals("a1") ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a(1, 2, 1)), System::currentTimeMillis, Map.of("order.hold.enabled", false));

        awaitBatches("the batch committed", 1);

        assertEquals(List.of("a1", "a2"), handedIds());
        assertEquals(0, delivery.metrics().held());
        DeliveryAck retry = acks(producers.get(0)).get(0);
        assertEquals(AckStatus.RETRY, retry.getStatus(), "RETRY is reported with the hold off too");
        assertEquals("a1", retry.getEvent().getMessageId());
        assertEquals(1L, retry.getSeq());
    }

    /**
     * MockConsumer hands each added record out once; a real consumer re-reads after a seek. This one keeps
     * the log and re-adds what lies at or after the position sought.
     */
    // --- records written by courier replay ---------------------------------------------------------------

    /** {@code rec} as courier replay writes it: the same value, with the replay headers. */
    private static ConsumerRecord<String, byte[]> replayed(ConsumerRecord<String, byte[]> rec, long offset, boolean redeliver) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CopyHeaders.ID, "r-1".getBytes(StandardCharsets.UTF_8));
        headers.add(CopyHeaders.COUNT, "1".getBytes(StandardCharsets.UTF_8));
        headers.add(CopyHeaders.ORIGIN, CopyHeaders.coordinates(SEND, rec.partition(), rec.offset()).getBytes(StandardCharsets.UTF_8));
        if (redeliver) {
            headers.add(CopyHeaders.REDELIVER, "true".getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>(SEND, rec.partition(), offset, System.currentTimeMillis(), TimestampType.CREATE_TIME,
                -1, rec.value().length, rec.key(), rec.value(), headers, Optional.empty());
    }

    @Test
    void aReplayedCopyOfADeliveredMessageIsADuplicateUnlessTheReplayAsksForRedelivery() {
        ConsumerRecord<String, byte[]> m1 = send(0, "m1", "bob", 1);
        ConsumerRecord<String, byte[]> m2 = send(3, "m2", "bob", 1);
        start(d -> DeliveryOutcome.DELIVERED, List.of(m1, replayed(m1, 1, false), replayed(m1, 2, true),
                replayed(m2, 4, false)));

        awaitBatches("the batch committed", 1);

        assertEquals(List.of("m1", "m1", "m2"), handedIds(), "the plain replay of m1 is settled as a duplicate");
        assertEquals(List.of(false, true, true), handed.stream().map(Delivery::replay).toList(),
                "a replayed record handed over is flagged, redelivered on request or delivered for the first time");
        List<DeliveryAck> acks = acks(producers.get(0));
        assertEquals(List.of("m1 DELIVERED false", "m1 DELIVERED true", "m1 DELIVERED false", "m2 DELIVERED false"),
                acks.stream().map(a -> a.getMessageId() + " " + a.getStatus() + " " + a.getDuplicate()).toList(),
                "one ack per hand-off, and the duplicate re-acked");
        assertEquals(1, delivery.metrics().duplicatesSuppressed());
    }

    @Test
    void aRedeliveryOnRequestIsNeitherHeldByAnOwedEarlierSeqNorBlocksItsConversation() {
        ConsumerRecord<String, byte[]> a3 = a(1, 3, 1);
        start(d -> d.messageId().equals("a2") && !d.replay() ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED, List.of(
                a(0, 1, 1),
                a3,                         // delivered: nothing owed yet
                a(2, 2, 1),                 // RETRY: seq 2 is owed
                replayed(a3, 3, true),      // seq 3 > 2 owed, but a redelivery on request is not held
                a(4, 4, 1)));               // held behind a2 as usual

        awaitBatches("the batch committed", 1);

        assertEquals(List.of("a1", "a3", "a2", "a3"), handedIds());
        assertTrue(handed.get(3).replay());
        assertEquals(List.of("a1 DELIVERED", "a3 DELIVERED", "a2 RETRY", "a3 DELIVERED", "a4 HELD"), acks(producers.get(0))
                .stream().map(ack -> ack.getMessageId() + " " + ack.getStatus()).toList());
    }

    static final class ReplayingConsumer extends MockConsumer<String, byte[]> {
        private final List<ConsumerRecord<String, byte[]>> log = new ArrayList<>();

        ReplayingConsumer() {
            super("earliest");
        }

        synchronized void append(ConsumerRecord<String, byte[]> rec) {
            log.add(rec);
            addRecord(rec);
        }

        /** Appends {@code recs} at once, so that one poll returns them all. */
        synchronized void appendAll(List<ConsumerRecord<String, byte[]>> recs) {
            recs.forEach(this::append);
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
    static class EmptyLedger extends MockConsumer<String, byte[]> {
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

    /**
     * A ledger reader whose ack partition 2 holds {@code values}: a {@link DeliveryAck} written on its own with
     * its own schema, as before batches; an {@link AckBatch} with the union (MockConsumer lacks offsetsForTimes).
     */
    final class StoredLedger extends EmptyLedger {
        private final List<? extends SpecificRecord> values;

        StoredLedger(List<? extends SpecificRecord> values) {
            this.values = values;
            updateEndOffsets(Map.of(new TopicPartition(ACK, 2), (long) values.size()));
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query,
                                                                                    Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> starts = super.offsetsForTimes(query, timeout);
            starts.replace(new TopicPartition(ACK, 2), new OffsetAndTimestamp(0, 0));
            return starts;
        }

        @Override
        public synchronized void seek(TopicPartition tp, long offset) {
            super.seek(tp, offset);
            var single = CourierSerdes.value(DeliveryAck.class, registry.delegate).serializer();
            var union = CourierSerdes.ackValue(registry.delegate).serializer();
            for (int i = (int) offset; tp.partition() == 2 && i < values.size(); i++) {
                byte[] value = values.get(i) instanceof DeliveryAck ack
                        ? single.serialize(ACK, ack) : union.serialize(ACK, values.get(i));
                addRecord(new ConsumerRecord<>(ACK, 2, i, null, value));
            }
        }
    }

    /** An in-memory registry that fails its first lookups (and, if told, registrations) as if unreachable. */
    static final class FlakyRegistry implements SchemaRegistryClient {
        final InMemorySchemaRegistryClient delegate = new InMemorySchemaRegistryClient();
        final AtomicInteger failuresLeft = new AtomicInteger();
        final AtomicInteger registerFailuresLeft = new AtomicInteger();
        final AtomicInteger notFoundLeft = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public int register(String subject, Schema schema) {
            if (registerFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SchemaRegistryException("connection refused", -1, -1, null);
            }
            return delegate.register(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SchemaRegistryException("connection refused", -1, -1, null);
            }
            if (refuse.get()) {
                throw new SchemaRegistryException("Unauthorized", 401, 40101, null);
            }
            if (notFoundLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SchemaRegistryException("Schema " + id + " not found.", 404, 40403, null);
            }
            return delegate.schemaById(id);
        }
    }

    @Test
    void aHeldCopyFlaggedAfterTheAssignmentKeepsItsFlagWhenANewerCopyReplacesIt() {
        // max.poll.records 2: only the first two records after the assignment are flagged by their offset
        start(d -> d.messageId().equals("a1") && d.attempt() == 1 ? DeliveryOutcome.RETRY : DeliveryOutcome.DELIVERED,
                List.of(a(0, 1, 1), a(1, 2, 1)), System::currentTimeMillis, Map.of("max.poll.records", 2));
        awaitBatches("a1 retried, a2 held (flagged: the previous owner may have handed it)", 1);

        consumer.appendAll(List.of(
                a(2, 2, 2),   // a2's re-emit: replaces the held copy; its offset alone would not flag it
                a(3, 1, 2))); // the blocker is delivered, then a2 from memory
        awaitBatches("the blocker delivered", 2);

        assertEquals(List.of("a1", "a1", "a2"), handedIds());
        assertEquals(2, handed.get(2).attempt(), "the newer copy was handed");
        assertTrue(handed.get(2).possibleRedelivery(), "with the flag its held predecessor had");
        assertTrue(handed.get(1).possibleRedelivery(), "a1's re-emit too: its first copy was flagged");
    }
}
