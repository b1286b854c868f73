package dev.courier.consumer;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeadLetterSize;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.NotFoundGrace;
import dev.courier.schemas.serde.WireFormatException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each send event to a {@link Deliverer} and commits its ack with the consumed offsets in one Kafka
 * transaction per poll batch; the protocol and its guarantees are in the package documentation.
 */
public final class DeliveryConsumer implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryConsumer.class);

    private final DeliveryConsumerConfig config;
    private final Deliverer deliverer;
    private final CourierTopics topics;
    private final String consumerId;
    private final SchemaRegistryClient registry;
    private final boolean ownsRegistry;
    private final Deserializer<SendEvent> sendDeserializer;
    private final Serializer<SpecificRecord> ackSerializer; // the ack topic's union [DeliveryAck, AckBatch]
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final Consumer<String, byte[]> consumer;
    private final Supplier<Producer<String, byte[]>> producerFactory;
    private final AckLedgerReader ledger;
    private final LongSupplier clockMs;
    private final DeliveryConsumerSensors sensors;
    /** Who is in the group, for the consumer-id check at start; null: ask the group coordinator (an admin client). */
    private final ConsumerIdClaim.GroupMembers groupMembers;
    private final NotFoundGrace notFoundGrace = new NotFoundGrace(NotFoundGrace.DEFAULT_GRACE_MS);
    private Producer<String, byte[]> producer;
    private final MeterRegistry meters;
    private final KafkaClientMetrics consumerMetrics;
    private KafkaClientMetrics producerMetrics;

    // owned by the run() thread
    private final Map<Integer, PartitionState> partitions = new HashMap<>();
    private final PoisonIsolation isolation = new PoisonIsolation();
    private long backoffMs;

    private final Object lifecycle = new Object();
    private volatile boolean closing;
    private boolean started;
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Connects to Kafka and the registry named in {@code config}; call {@link #run()} to start. */
    public DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer) {
        this(config, deliverer, new SimpleMeterRegistry());
    }

    /**
     * Connects to Kafka and the registry named in {@code config}, with its counters, the delivery latency and its
     * Kafka clients' metrics bound to {@code meters} ({@link CourierMeters}); call {@link #run()} to start.
     */
    public DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer, MeterRegistry meters) {
        this(config, deliverer, SchemaRegistryClients.fromConfigs(config.originals()), true,
                new KafkaConsumer<>(config.groupConsumerProps()),
                () -> new KafkaProducer<>(config.transactionalProducerProps()),
                () -> new KafkaConsumer<>(config.ledgerReaderProps()),
                System::currentTimeMillis, null, meters);
    }

    /** For tests: injected clients; no consumer-id check at start. */
    DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer, SchemaRegistryClient registry,
                     boolean ownsRegistry, Consumer<String, byte[]> consumer,
                     Supplier<Producer<String, byte[]>> producerFactory,
                     Supplier<Consumer<String, byte[]>> ledgerReaderFactory, LongSupplier clockMs) {
        this(config, deliverer, registry, ownsRegistry, consumer, producerFactory, ledgerReaderFactory, clockMs,
                groupId -> List.of(), new SimpleMeterRegistry());
    }

    /** {@code groupMembers} null: the group coordinator's, through an admin client made from the config. */
    private DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer, SchemaRegistryClient registry,
                             boolean ownsRegistry, Consumer<String, byte[]> consumer,
                             Supplier<Producer<String, byte[]>> producerFactory,
                             Supplier<Consumer<String, byte[]>> ledgerReaderFactory, LongSupplier clockMs,
                             ConsumerIdClaim.GroupMembers groupMembers, MeterRegistry meters) {
        this.groupMembers = groupMembers;
        this.config = Objects.requireNonNull(config, "config");
        this.deliverer = Objects.requireNonNull(deliverer, "deliverer");
        this.topics = config.topics();
        this.consumerId = config.consumerId();
        this.registry = registry;
        this.ownsRegistry = ownsRegistry;
        this.sendDeserializer = CourierSerdes.value(SendEvent.class, registry).deserializer();
        this.ackSerializer = CourierSerdes.ackValue(registry).serializer();
        this.deadLetterSerializer = CourierSerdes.value(DeadLetter.class, registry).serializer();
        this.consumer = consumer;
        this.producerFactory = producerFactory;
        this.clockMs = clockMs;
        this.ledger = new AckLedgerReader(ledgerReaderFactory, CourierSerdes.ackValue(registry).deserializer(),
                topics.ack(), config.dedupeWindowMs(), config.dedupeRebuildSliceMs(), clockMs);
        this.meters = meters;
        this.sensors = new DeliveryConsumerSensors(consumerId, meters);
        this.consumerMetrics = new KafkaClientMetrics(consumer, Tags.of(CourierMeters.TAG_CONSUMER, consumerId));
        consumerMetrics.bindTo(meters);
    }

    /** The counters so far (also registered as Kafka metrics over JMX); safe from any thread. */
    public DeliveryConsumerMetrics metrics() {
        return sensors.snapshot();
    }

    public String consumerId() {
        return consumerId;
    }

    /**
     * Runs the consume-deliver-ack loop until {@link #close()}. Returns normally after a close; throws if an
     * unrecoverable error (authentication, authorization, missing or mismatched topics) stops it.
     */
    @Override
    public void run() {
        synchronized (lifecycle) {
            if (started) {
                throw new IllegalStateException("DeliveryConsumer.run() may be called once");
            }
            started = true;
            if (closing) {
                closeClients();
                stopped.countDown();
                return;
            }
        }
        log.info("DeliveryConsumer {} starting: group={} transactionalId={} send={} ack={} deadLetter={} "
                        + "dedupeWindowMs={} maxPollRecords={} messageTtlMs={} orderHoldEnabled={} orderHoldMaxMs={}",
                consumerId, config.groupId(), config.transactionalId(), topics.send(), topics.ack(), topics.deadLetter(),
                config.dedupeWindowMs(), config.maxPollRecords(), config.messageTtlMs(), config.orderHoldEnabled(),
                config.orderHoldMaxMs());
        try {
            checkCoPartitioned();
            claimConsumerId(); // before initTransactions(), which would fence a running twin
            if (closing) {
                return;
            }
            producer = newProducer();
            consumer.subscribe(List.of(topics.send()), new Rebalance());
            Duration pollTimeout = Duration.ofMillis(config.pollTimeoutMs());
            while (!closing) {
                boolean behind = readLedgersBack();
                ConsumerRecords<String, byte[]> records;
                try {
                    // while an ack partition is read back, its send partition is paused: poll only to stay in the group
                    records = consumer.poll(behind ? Duration.ZERO : pollTimeout);
                } catch (WakeupException e) {
                    break;
                }
                if (!records.isEmpty()) {
                    processBatch(records);
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                throw e;
            }
        } catch (ConsumerIdInUseException e) {
            throw e; // a refusal to start, not a failure: its message is the one sentence the caller reports
        } catch (RuntimeException | Error e) {
            log.error("DeliveryConsumer {} stopped by an unrecoverable error", consumerId, e);
            throw e;
        } finally {
            closeClients();
            log.info("DeliveryConsumer {} stopped: {}", consumerId, metrics());
            stopped.countDown();
        }
    }

    /** Stops the loop (the batch in progress commits) and waits up to 30 s for it. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        boolean running;
        synchronized (lifecycle) {
            if (closing) {
                running = started;
            } else {
                closing = true;
                running = started;
                if (!started) {
                    started = true; // run() will not start any more
                    closeClients();
                    stopped.countDown();
                }
            }
        }
        closeSignal.countDown();
        if (running && stopped.getCount() > 0) {
            consumer.wakeup();
            try {
                if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("DeliveryConsumer {} did not stop within {}", consumerId, timeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // --- one batch: one transaction ----------------------------------------------------------------------

    private void processBatch(ConsumerRecords<String, byte[]> records) {
        Batch batch = new Batch(records, isolation.batchLimit());
        try {
            ensureDedupeReady(batch.records.keySet());
            expireHolds(batch.records.keySet());
            producer.beginTransaction();
            batch.inTransaction = true;
            for (var entry : batch.records.entrySet()) {
                PartitionState state = state(entry.getKey().partition());
                List<ConsumerRecord<String, byte[]>> recs = entry.getValue();
                state.beginBatch(recs.get(0).offset());
                for (ConsumerRecord<String, byte[]> rec : recs) {
                    if (isolation.isPoison(rec.partition(), rec.offset())) {
                        deadLetterUncommittable(rec, state, batch);
                    } else {
                        handle(rec, state, batch);
                    }
                    state.handled(rec.offset());
                }
                batch.offsets.put(entry.getKey(), new OffsetAndMetadata(state.nextOffset()));
            }
            // The transaction's first write: only now, after the batch's last Deliverer call (its timeout, counted
            // by the coordinator from the first partition added, bounds the commit, never a Deliverer).
            batch.deadLetters.forEach(producer::send);
            sendAckBatches(batch.records.keySet());
            producer.sendOffsetsToTransaction(batch.offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (WakeupException e) {
            throw new IllegalStateException("unexpected wakeup inside a batch", e);
        } catch (RuntimeException e) {
            onBatchFailure(e, records, batch);
            return;
        }
        long now = clockMs.getAsLong();
        Map<Integer, Long> committed = new HashMap<>();
        batch.offsets.forEach((tp, o) -> {
            PartitionState state = state(tp.partition());
            state.commitBatch(now);
            recordEvictions(state);
            committed.put(tp.partition(), o.offset());
        });
        isolation.committed(committed, batch.size);
        seekPastCommitted(records, batch);
        sensors.committed(batch.tally);
        backoffMs = 0;
        log.debug("Committed batch: {} records, offsets {}", batch.size, batch.offsets);
    }

    /** After a batch cut short (isolating a record), the records polled and not handled are read again. */
    private void seekPastCommitted(ConsumerRecords<String, byte[]> records, Batch batch) {
        if (batch.size == records.count()) {
            return;
        }
        for (TopicPartition tp : records.partitions()) {
            OffsetAndMetadata committed = batch.offsets.get(tp);
            consumer.seek(tp, committed != null ? committed.offset() : records.records(tp).get(0).offset());
        }
    }

    /**
     * The record kept its transaction from committing, alone, again and again ({@link PoisonIsolation}): it is
     * dead-lettered, not handed to the Deliverer again; with its event if it decodes, its raw bytes otherwise.
     */
    private void deadLetterUncommittable(ConsumerRecord<String, byte[]> rec, PartitionState state, Batch batch) {
        SendEvent event;
        try {
            event = sendDeserializer.deserialize(rec.topic(), rec.value());
        } catch (RuntimeException e) {
            event = null;
        }
        deadLetter(rec, event, DeadLetterReason.UNCOMMITTABLE.name(), "the record could not be committed: "
                + isolation.reason(rec.partition()), batch);
        if (event != null) {
            settledForOrder(event, state, batch.tally); // never to be delivered: its conversation must not wait for it
        }
    }

    private void handle(ConsumerRecord<String, byte[]> rec, PartitionState state, Batch batch) {
        DeliveryConsumerSensors.Tally tally = batch.tally;
        boolean possibleRedelivery = state.flagRead(rec.offset());
        SendEvent event;
        try {
            event = sendDeserializer.deserialize(rec.topic(), rec.value());
        } catch (WireFormatException e) {
            if (e.reason() == DeadLetterReason.UNKNOWN_SCHEMA_ID
                    && notFoundGrace.retry(e.schemaId(), clockMs.getAsLong())) {
                throw new RegistryUnavailable(rec, e, notFoundGrace.graceMs()); // a registry instance may lag
            }
            deadLetter(rec, null, e.reason().name(), e.getMessage(), batch);
            return;
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                // the registry's state says nothing about the record: never dead-letter for it
                throw new RegistryUnavailable(rec, e);
            }
            throw e; // refused: credentials stop the consumer (BatchFailurePolicy); anything else may be the record's
        } catch (SerializationException e) {
            deadLetter(rec, null, DeadLetterReason.UNDECODABLE.name(), e.getMessage(), batch);
            return;
        }
        String invalid = EventChecks.checkSend(event);
        if (invalid != null) {
            deadLetter(rec, event, DeadLetterReason.INVALID_EVENT.name(), invalid, batch);
            return;
        }
        String oversized = EventChecks.checkPayloadSize(event, config.maxPayloadBytes());
        if (oversized != null) {
            deadLetter(rec, event, DeadLetterReason.OVERSIZED_PAYLOAD.name(), oversized, batch);
            return;
        }
        String messageId = event.getMessageId();
        String recipientId = event.getRecipientId();
        String conversationId = event.getConversationId();
        // a flagged copy marks its delivery: a newer copy that replaces it in the order hold is flagged too
        possibleRedelivery = state.flagDelivery(CourierTopics.deliveryKey(messageId, recipientId), possibleRedelivery);
        ConversationGate<HeldRecord> gate = state.gate();
        var prior = state.delivered().find(messageId, recipientId);
        if (prior.isPresent() && CopyHeaders.redeliver(rec.headers())) {
            // The operator asked for it again (courier replay --redeliver-delivered): handed to the Deliverer despite
            // de-duplication, flagged replay, and acked once more. Outside the order gate: it was delivered in order
            // once already, so it neither waits behind an owed message nor blocks its conversation if RETRY'd.
            log.info("Redelivering on request {}-{}@{} messageId={} recipientId={} replayId={}", rec.topic(),
                    rec.partition(), rec.offset(), messageId, recipientId, CopyHeaders.text(rec.headers(), CopyHeaders.ID));
            deliver(rec, event, possibleRedelivery, state, tally, false);
            return;
        }
        if (prior.isPresent()) {
            DeliveredSet.Entry entry = prior.get();
            log.debug("Duplicate suppressed at {}-{}@{} messageId={} recipientId={} attempt={}: re-acking {}",
                    rec.topic(), rec.partition(), rec.offset(), messageId, recipientId, event.getAttempt(), entry.status());
            settle(state, event, entry.status(), entry.reason(), true);
            tally.duplicates++;
            settledForOrder(event, state, tally); // its ack is on record
            return;
        }
        String expired = EventChecks.checkExpiry(event, config.messageTtlMs(), clockMs.getAsLong());
        if (expired != null) {
            if (event.getAttempt() == 1) {
                deadLetter(rec, event, DeadLetterReason.EXPIRED.name(), expired, batch);
            } else {
                // A re-emit: the tracker holds its state and dead-letters it EXPIRED at its expiry (or did already),
                // so one dead letter per delivery, not two.
                log.debug("Skipping expired re-emit {}-{}@{} messageId={} recipientId={} attempt={}: the tracker "
                        + "dead-letters it", rec.topic(), rec.partition(), rec.offset(), event.getMessageId(),
                        event.getRecipientId(), event.getAttempt());
            }
            settledForOrder(event, state, tally); // never to be delivered: its conversation must not wait for it
            return;
        }
        OptionalLong seq = seqOf(event);
        if (gate != null && gate.hold(recipientId, conversationId, messageId, seq,
                new HeldRecord(rec, event, possibleRedelivery))) {
            ConversationGate.OwedMessage blocker = gate.lowestOwed(recipientId, conversationId).orElseThrow();
            log.debug("Held {}-{}@{} messageId={} recipientId={} conversationId={} seq={} attempt={}: waits for "
                            + "messageId={} seq={}", rec.topic(), rec.partition(), rec.offset(), messageId, recipientId,
                    conversationId, seq.getAsLong(), event.getAttempt(), blocker.messageId(), blocker.seq());
            // Not a settlement: tells the tracker to wait for this attempt without counting it (the event lets it
            // re-emit the message if the hold is lost), and records the hold in the ack topic, where the
            // partition's next owner finds it.
            state.ack(newAck(event, AckStatus.HELD, null, false)
                    .setConversationId(conversationId).setSeq(seq.getAsLong())
                    .setHeldBehind(blocker.messageId()).setHeldBehindSeq(blocker.seq()).setEvent(event).build());
            tally.held++;
            return;
        }
        if (deliver(rec, event, possibleRedelivery, state, tally, true) && gate != null) {
            releaseHeld(recipientId, conversationId, state, tally);
        }
    }

    /**
     * The message is settled as far as the order hold goes (not handed to the Deliverer: a duplicate of an acked
     * one, or expired): it is owed no more, and the held messages of its conversation now first in line go.
     */
    private void settledForOrder(SendEvent event, PartitionState state, DeliveryConsumerSensors.Tally tally) {
        ConversationGate<HeldRecord> gate = state.gate();
        if (gate != null) {
            gate.settled(event.getRecipientId(), event.getConversationId(), event.getMessageId(), clockMs.getAsLong());
            releaseHeld(event.getRecipientId(), event.getConversationId(), state, tally);
        }
    }

    /**
     * Hands the conversation's held messages to the Deliverer, lowest seq first, for as long as the lowest
     * owed message is a held one: right after its blocker is settled, in the same transaction.
     */
    private void releaseHeld(String recipientId, String conversationId, PartitionState state,
                             DeliveryConsumerSensors.Tally tally) {
        ConversationGate<HeldRecord> gate = state.gate();
        for (var next = gate.releasable(recipientId, conversationId); next.isPresent();
             next = gate.releasable(recipientId, conversationId)) {
            HeldRecord held = next.get();
            if (state.delivered().find(held.event().getMessageId(), recipientId).isPresent()) {
                // acked meanwhile (its re-emit went through another path): nothing to hand over
                gate.settled(recipientId, conversationId, held.event().getMessageId(), clockMs.getAsLong());
                continue;
            }
            log.debug("Releasing held messageId={} recipientId={} conversationId={} seq={}",
                    held.event().getMessageId(), recipientId, conversationId, held.event().getSeq());
            tally.released++;
            // handed before, in a batch that aborted since? then flagged like any re-read record below that point
            boolean flag = held.possibleRedelivery() || state.handedBefore(held.record().offset());
            deliver(held.record(), held.event(), flag, state, tally, true); // a RETRY ends the loop: it is owed again
        }
    }

    private static OptionalLong seqOf(SendEvent event) {
        return event.getSeq() == null ? OptionalLong.empty() : OptionalLong.of(event.getSeq());
    }

    /**
     * Calls the Deliverer and records the outcome: ack, gate ({@code ordered}: false for a redelivery on request,
     * which the gate neither settles nor owes), tallies. Returns whether the message settled.
     */
    private boolean deliver(ConsumerRecord<String, byte[]> rec, SendEvent event, boolean possibleRedelivery,
                            PartitionState state, DeliveryConsumerSensors.Tally tally, boolean ordered) {
        String messageId = event.getMessageId();
        String recipientId = event.getRecipientId();
        String conversationId = event.getConversationId();
        OptionalLong seq = seqOf(event);
        ConversationGate<HeldRecord> gate = ordered ? state.gate() : null;
        String deliveryKey = CourierTopics.deliveryKey(messageId, recipientId);
        possibleRedelivery = state.flagDelivery(deliveryKey, possibleRedelivery);
        Delivery delivery = new Delivery(messageId, recipientId, conversationId, event.getSenderId(), seq,
                bytes(event.getPayload()), event.getContentType(), event.getHeaders(), event.getAttempt(),
                event.getSentAt(), rec.topic(), rec.partition(), rec.offset(), possibleRedelivery,
                CopyHeaders.isReplay(rec.headers()));
        state.handed(rec.offset(), deliveryKey);
        DeliveryOutcome outcome;
        try {
            outcome = deliverer.deliver(delivery);
            if (outcome == null) {
                log.warn("Deliverer returned null for {}: treated as RETRY", delivery);
                outcome = DeliveryOutcome.RETRY;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Deliverer interrupted on {}: RETRY", delivery);
            outcome = DeliveryOutcome.RETRY;
        } catch (Exception e) {
            log.warn("Deliverer failed on {}: RETRY ({})", delivery, e.toString());
            outcome = DeliveryOutcome.RETRY;
        }
        if (gate != null && !outcome.acked()) {
            gate.retry(recipientId, conversationId, messageId, seq, clockMs.getAsLong());
        }
        switch (outcome.kind()) {
            case DELIVERED, READ -> {
                settle(state, event, outcome.kind() == DeliveryOutcome.Kind.READ ? AckStatus.READ : AckStatus.DELIVERED,
                        null, false);
                tally.delivered(event.getSentAt().toEpochMilli(), clockMs.getAsLong());
            }
            case REJECTED -> {
                settle(state, event, AckStatus.REJECTED, outcome.reason(), false);
                tally.rejected++;
            }
            case RETRY -> {
                tally.retries++;
                // Settles nothing. With the event, the tracker can re-emit it without reading the send topic; with
                // the seq, the partition's next owner restores the order hold it implies.
                DeliveryAck.Builder retry = newAck(event, AckStatus.RETRY, outcome.reason(), false)
                        .setConversationId(conversationId).setEvent(event);
                seq.ifPresent(retry::setSeq);
                state.ack(retry.build());
            }
        }
        if (gate != null && outcome.acked()) {
            gate.settled(recipientId, conversationId, messageId, clockMs.getAsLong());
        }
        return outcome.acked();
    }

    /** Adds a settling ack to the partition's AckBatch and stages its key in the partition's DeliveredSet. */
    private void settle(PartitionState state, SendEvent event, AckStatus status, String reason, boolean duplicate) {
        DeliveryAck ack = newAck(event, status, reason, duplicate).build();
        state.ack(ack);
        state.delivered().recordPending(event.getMessageId(), event.getRecipientId(),
                new DeliveredSet.Entry(status, reason, ack.getAckedAt().toEpochMilli()));
    }

    private DeliveryAck.Builder newAck(SendEvent event, AckStatus status, String reason, boolean duplicate) {
        return DeliveryAck.newBuilder()
                .setMessageId(event.getMessageId())
                .setRecipientId(event.getRecipientId())
                .setStatus(status)
                .setAckedAt(Instant.ofEpochMilli(clockMs.getAsLong()))
                .setDeliveredBy(consumerId)
                .setAttempt(event.getAttempt())
                .setReason(reason)
                .setDuplicate(duplicate);
    }

    /**
     * Writes each partition's {@link AckBatch} (or its parts, see {@link AckBatchParts}), last in the
     * transaction, to the ack partition numbered like the send partition (key null: the partition is explicit).
     * Every partition gets one, even with no acks: the record is also the partition's progress report
     * (committedThrough) to the tracker.
     */
    private void sendAckBatches(Set<TopicPartition> batchPartitions) {
        Instant committedAt = Instant.ofEpochMilli(clockMs.getAsLong());
        for (TopicPartition tp : batchPartitions) {
            int p = tp.partition();
            PartitionState state = state(p);
            for (AckBatch part : state.ackBatches(committedAt, consumerId)) {
                byte[] value;
                try {
                    value = ackSerializer.serialize(topics.ack(), part);
                } catch (SchemaRegistryException e) {
                    throw new RegistryUnavailable(topics.ack() + "-" + p + " (ack batch)", e);
                }
                state.wrote(producer.send(new ProducerRecord<>(topics.ack(), p, null, value)));
            }
        }
    }

    /**
     * Stages a dead letter in {@code batch}: encoded now (an unreachable registry aborts the batch before any
     * Deliverer call that follows), written with the acks once the batch's Deliverer calls are over.
     */
    private void deadLetter(ConsumerRecord<String, byte[]> rec, SendEvent event, String reasonCode, String reasonText,
                            Batch batch) {
        log.warn("Dead-lettering {}-{}@{} ({}): {}", rec.topic(), rec.partition(), rec.offset(), reasonCode, reasonText);
        DeadLetter.Builder builder = DeadLetter.newBuilder()
                .setReasonCode(reasonCode)
                .setMessageId(event == null ? null : event.getMessageId())
                .setRecipientId(event == null ? null : event.getRecipientId())
                .setAttempts(event == null ? 0 : event.getAttempt())
                .setFirstAttemptAt(event == null ? null : event.getSentAt())
                .setOriginalTopic(rec.topic())
                .setOriginalPartition(rec.partition())
                .setOriginalOffset(rec.offset())
                .setDeadLetteredAt(Instant.ofEpochMilli(clockMs.getAsLong()));
        DeadLetter letter = DeadLetterSize.fit(builder, event, rec.value(), reasonText == null ? reasonCode : reasonText,
                config.maxRequestSize());
        byte[] value;
        try {
            value = deadLetterSerializer.serialize(topics.deadLetter(), letter);
        } catch (SchemaRegistryException e) {
            throw new RegistryUnavailable(rec, e);
        }
        batch.deadLetters.add(new ProducerRecord<>(topics.deadLetter(), rec.key(), value));
        batch.tally.deadLettered(reasonCode);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    // --- failures ----------------------------------------------------------------------------------------

    /** Carries out the {@link BatchFailurePolicy}'s verdict: abort, drop the batch's state, rewind, back off. */
    private void onBatchFailure(RuntimeException e, ConsumerRecords<String, byte[]> records, Batch batch) {
        sensors.aborted();
        BatchFailurePolicy.Verdict verdict = BatchFailurePolicy.classify(e, batch.inTransaction);
        if (verdict.fatal()) {
            throw e;
        }
        if (e instanceof RegistryUnavailable r) {
            log.warn("Schema registry at {}: {}; aborting the batch of {} records, retrying", r.coordinates(),
                    r.getMessage(), batch.size);
        } else {
            log.warn("Batch of {} records failed, aborting and rewinding: {}", batch.size, e.toString());
        }
        if (verdict.mayBeTheRecords() && batch.first != null) {
            boolean wasIsolating = isolation.isolating();
            isolation.failed(batch.first.partition(), batch.first.offset(), batch.size, withCauses(e));
            if (isolation.isolating() && !wasIsolating) {
                log.warn("Batches starting at {}-{}@{} keep failing: handling one record per transaction to isolate "
                        + "the record that causes it", batch.first.topic(), batch.first.partition(), batch.first.offset());
            }
        }
        if (verdict.abortTransaction()) {
            try {
                producer.abortTransaction();
            } catch (KafkaException | IllegalStateException abortFailed) {
                log.warn("abortTransaction failed ({}), rebuilding the producer", abortFailed.toString());
                verdict = verdict.abortFailed();
            }
        }
        if (verdict.producerLost()) {
            closeQuietly(producer);
            producer = newProducer(); // initTransactions() fences the old epoch and resolves its transaction
        }
        if (verdict.outcomeUnknown()) {
            resolveOutcome(batch); // the transaction may have committed
        }
        partitions.values().forEach(PartitionState::abortBatch);
        rewind(records);
        backoff();
    }

    /**
     * After a failure that leaves the batch's transaction possibly committed, once it is resolved: the group's
     * committed offsets, written in the same transaction as the acks, tell. A partition whose committed offset is
     * the batch's commits what the batch staged (no re-read of the ack topic); one whose offset cannot be read, or
     * differs, is read on from where its ack partition was last read. The rest is aborted by the caller.
     */
    private void resolveOutcome(Batch batch) {
        Set<TopicPartition> owned = consumer.assignment();
        Set<TopicPartition> tps = new HashSet<>(batch.offsets.keySet());
        tps.retainAll(owned);
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = tps.isEmpty() ? Map.of() : consumer.committed(tps, Duration.ofSeconds(30));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("Could not read committed offsets to resolve the failed batch ({}); reading the ack topic on",
                    e.toString());
            committed = Map.of();
        }
        long now = clockMs.getAsLong();
        boolean committedAll = !batch.offsets.isEmpty();
        for (var entry : batch.offsets.entrySet()) {
            OffsetAndMetadata c = committed.get(entry.getKey());
            PartitionState state = state(entry.getKey().partition());
            if (c != null && c.offset() == entry.getValue().offset()) {
                state.commitBatch(now);
            } else {
                state.markNeedsRebuild();
                committedAll = false;
            }
        }
        if (committedAll) {
            sensors.committed(batch.tally);
            log.info("The failed batch's transaction had committed (offsets {}): its acks are kept", batch.offsets);
        }
    }

    /** {@code e} and its causes, e.g. "KafkaException: in an error state <- RecordTooLargeException: ...". */
    private static String withCauses(Throwable e) {
        StringBuilder text = new StringBuilder(e.toString());
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            text.append(" <- ").append(t);
        }
        return text.toString();
    }

    /** Seeks every assigned partition back to its committed offset (the batch's first offset if unknown). */
    private void rewind(ConsumerRecords<String, byte[]> records) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(assigned, Duration.ofSeconds(30));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("Could not read committed offsets ({}); seeking to the batch's first offsets", e.toString());
            committed = Map.of();
        }
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata c = committed.get(tp);
            List<ConsumerRecord<String, byte[]>> recs = records.records(tp);
            if (c != null) {
                consumer.seek(tp, c);
            } else if (!recs.isEmpty()) {
                consumer.seek(tp, recs.get(0).offset());
            } else if (!committed.containsKey(tp)) {
                continue; // unknown, and not in this batch: the position is still the committed one
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    private void backoff() {
        backoffMs = backoffMs == 0 ? config.retryBackoffMs() : Math.min(backoffMs * 2, config.retryBackoffMaxMs());
        if (backoffMs > 0) {
            try {
                closeSignal.await(backoffMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
            }
        }
    }

    // --- per-partition state -----------------------------------------------------------------------------

    private PartitionState state(int partition) {
        return partitions.computeIfAbsent(partition,
                p -> new PartitionState(p, config.orderHoldEnabled(), config.orderHoldMaxMs(), config.dedupeWindowMs(),
                        config.dedupeMaxEntries()));
    }

    /** Gives up holds without progress for order.hold.max.ms; between batches, so not staged. */
    private void expireHolds(Set<TopicPartition> batchPartitions) {
        long now = clockMs.getAsLong();
        for (TopicPartition tp : batchPartitions) {
            PartitionState state = partitions.get(tp.partition());
            if (state == null || !state.hasGate()) {
                continue;
            }
            for (ConversationGate.Expired e : state.gate().expire(now)) {
                sensors.holdExpired();
                log.warn("Order hold given up on {}-{} for recipientId={} conversationId={}: no progress for {} ms "
                                + "({} messages owed, lowest seq={} messageId={}); its messages now flow in arrival order",
                        tp.topic(), tp.partition(), e.recipientId(), e.conversationId(), now - e.blockedSinceMs(),
                        e.owed(), e.lowestSeq(), e.lowestMessageId());
            }
        }
    }

    /**
     * A safety net: a partition that is behind is paused until {@link #readLedgersBack} catches it up, so a batch
     * should never hold one. If it does, one slice is read, and if that is not enough the batch is given up
     * (retriable: rewound, and processed once the partition is caught up).
     */
    private void ensureDedupeReady(Set<TopicPartition> batchPartitions) {
        Map<Integer, LedgerProgress> behind = new HashMap<>();
        for (TopicPartition tp : batchPartitions) {
            PartitionState state = state(tp.partition());
            if (!state.dedupeReady()) {
                behind.put(tp.partition(), state.ledger());
            }
        }
        if (behind.isEmpty()) {
            return;
        }
        Set<Integer> done;
        try {
            done = readSlice(behind);
        } catch (SchemaRegistryException e) {
            throw new RegistryUnavailable("ack topic read-back", e);
        }
        if (done.size() < behind.size()) {
            throw new org.apache.kafka.common.errors.TimeoutException("ack partitions " + behind.keySet()
                    + " are still being read back for de-duplication");
        }
    }

    /**
     * Reads one slice of the ack topic for every owned partition that is behind, keeping it paused until it is
     * caught up, then resumes it. Returns whether any is still behind. A failure is logged and retried after a
     * back-off (what was read is kept), unless it is fatal (authentication, authorization).
     */
    private boolean readLedgersBack() {
        Map<Integer, LedgerProgress> behind = new HashMap<>();
        List<TopicPartition> toPause = new java.util.ArrayList<>();
        List<TopicPartition> ready = new java.util.ArrayList<>();
        for (TopicPartition tp : consumer.assignment()) {
            PartitionState state = state(tp.partition());
            if (!state.dedupeReady()) {
                behind.put(tp.partition(), state.ledger());
                toPause.add(tp);
            } else {
                ready.add(tp);
            }
        }
        consumer.resume(ready); // caught up, here or by a batch (a no-op for partitions not paused)
        if (behind.isEmpty()) {
            return false;
        }
        consumer.pause(toPause);
        Set<Integer> done;
        try {
            done = readSlice(behind);
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            if (BatchFailurePolicy.classify(e, false).fatal()) {
                throw e;
            }
            log.warn("Reading the ack topic back for partitions {} failed, retrying where it stopped: {}",
                    behind.keySet(), e.toString());
            backoff();
            return true;
        }
        List<TopicPartition> toResume = toPause.stream().filter(tp -> done.contains(tp.partition())).toList();
        consumer.resume(toResume);
        return done.size() < behind.size();
    }

    /**
     * One slice of {@link AckLedgerReader#readSlice}; for each partition caught up: its figures to the metrics, and
     * a partition without a gate here (newly assigned) gets the order holds the ledger records. Returns those.
     */
    private Set<Integer> readSlice(Map<Integer, LedgerProgress> behind) {
        Map<Integer, LedgerProgress.ReadBack> done = ledger.readSlice(behind);
        long now = clockMs.getAsLong();
        done.forEach((p, figures) -> {
            PartitionState state = state(p);
            sensors.readBack(figures.records(), figures.durationMs());
            log.info("Ack partition {}-{} read back for de-duplication: {} records in {} ms, {} acks in window {} ms",
                    topics.ack(), p, figures.records(), figures.durationMs(), state.delivered().size(),
                    config.dedupeWindowMs());
            if (config.orderHoldEnabled() && !state.hasGate()) {
                List<DeliveryAck> holds = state.ledger().holds(now);
                state.restoreHolds(holds, now, consumerId);
                if (!holds.isEmpty()) {
                    log.info("Order holds restored from the ack topic for partition {}: {} owed messages, "
                            + "{} blocked conversations, {} held copies asked for", p, holds.size(),
                            state.gate().blockedConversations(), state.copyRequests().size());
                }
            }
        });
        behind.keySet().forEach(p -> recordEvictions(state(p)));
        return done.keySet();
    }

    /** Counts a partition's new de-duplication evictions; says so in the log at most once a minute per partition. */
    private void recordEvictions(PartitionState state) {
        long evicted = state.newEvictions();
        if (evicted > 0) {
            sensors.evicted(evicted);
            if (state.shouldLogEvictions(clockMs.getAsLong())) {
                log.warn("De-duplication set of partition {} is full ({} entries, dedupe.max.entries.per.partition): "
                        + "{} oldest acks evicted, a re-emit of one of them would be delivered again; raise the "
                        + "bound or lower dedupe.window.ms", state.partition(), config.dedupeMaxEntries(), evicted);
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            log.info("Partitions revoked: {}", revoked);
            forget(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            log.warn("Partitions lost: {}", lost);
            forget(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            Set<Integer> owned = partitionsOf(consumer.assignment());
            // the state of partitions that moved away is kept (PartitionState): handed back, they are read on from
            // where they stopped; at most one per partition of the topic, as if this instance owned them all
            if (assigned.isEmpty()) {
                return; // cooperative rebalance that added nothing
            }
            log.info("Partitions assigned: {} (now owning {})", assigned, owned);
            Set<Integer> ps = partitionsOf(assigned);
            ps.forEach(p -> state(p).assigned(config.maxPollRecords()));
            consumer.pause(assigned); // until its ack partition is read back (readLedgersBack)
        }

        /** Drops what cannot be re-read (flags, order holds); see {@link PartitionState#forget()}. */
        private void forget(Collection<TopicPartition> gone) {
            for (TopicPartition tp : gone) {
                PartitionState state = partitions.get(tp.partition());
                if (state != null) {
                    state.forget();
                }
            }
        }
    }

    // --- plumbing ----------------------------------------------------------------------------------------

    private void checkCoPartitioned() {
        int send = partitionCount(topics.send());
        int ack = partitionCount(topics.ack());
        if (send != ack) {
            throw new IllegalStateException("topics " + topics.send() + " (" + send + " partitions) and " + topics.ack()
                    + " (" + ack + " partitions) must have the same partition count: acks are written to the send "
                    + "record's partition number");
        }
    }

    private int partitionCount(String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.size();
    }

    /** Stops with {@link ConsumerIdInUseException} if a running member of the group has this consumer id. */
    private void claimConsumerId() {
        ConsumerIdClaim.Waiter waiter = ms -> {
            try {
                return !closeSignal.await(ms, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
                return false;
            }
        };
        if (groupMembers != null) {
            new ConsumerIdClaim(groupMembers, clockMs, waiter).claim(config.groupId(), consumerId, config.sessionTimeoutMs());
            return;
        }
        try (Admin admin = Admin.create(config.adminProps())) {
            new ConsumerIdClaim(ConsumerIdClaim.viaAdmin(admin, Duration.ofSeconds(30)), clockMs, waiter)
                    .claim(config.groupId(), consumerId, config.sessionTimeoutMs());
        }
    }

    private Producer<String, byte[]> newProducer() {
        Producer<String, byte[]> p = producerFactory.get();
        p.initTransactions();
        if (producerMetrics != null) {
            producerMetrics.close();
        }
        producerMetrics = new KafkaClientMetrics(p, Tags.of(CourierMeters.TAG_CONSUMER, consumerId));
        producerMetrics.bindTo(meters);
        return p;
    }

    private static Set<Integer> partitionsOf(Collection<TopicPartition> tps) {
        Set<Integer> out = new HashSet<>();
        tps.forEach(tp -> out.add(tp.partition()));
        return out;
    }

    private void closeClients() {
        if (producer != null) {
            closeQuietly(producer);
        }
        try {
            consumer.close(); // leaves the group at once: partitions move without waiting for the session timeout
        } catch (RuntimeException e) {
            log.warn("Closing the consumer failed", e);
        }
        ledger.close();
        if (ownsRegistry) {
            registry.close();
        }
        consumerMetrics.close();
        if (producerMetrics != null) {
            producerMetrics.close();
        }
        sensors.close(); // unregisters the MBeans; metrics() still reads the final counts
    }

    private static void closeQuietly(Producer<?, ?> p) {
        try {
            p.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Closing the producer failed", e);
        }
    }

    /**
     * The batch in progress: the polled records it takes (at most {@code limit}, in poll order), the offsets to
     * commit, its dead letters (written after its last Deliverer call) and what it did, counted only if it commits.
     */
    private static final class Batch {
        final Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> records = new LinkedHashMap<>();
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        final List<ProducerRecord<String, byte[]>> deadLetters = new java.util.ArrayList<>();
        final DeliveryConsumerSensors.Tally tally = new DeliveryConsumerSensors.Tally();
        final ConsumerRecord<String, byte[]> first;
        final int size;
        boolean inTransaction;

        Batch(ConsumerRecords<String, byte[]> polled, int limit) {
            int taken = 0;
            for (TopicPartition tp : polled.partitions()) {
                List<ConsumerRecord<String, byte[]>> recs = polled.records(tp);
                if (taken >= limit) {
                    break;
                }
                List<ConsumerRecord<String, byte[]>> part = recs.subList(0, Math.min(recs.size(), limit - taken));
                records.put(tp, part);
                taken += part.size();
            }
            this.size = taken;
            this.first = records.isEmpty() ? null : records.values().iterator().next().get(0);
        }
    }
}
