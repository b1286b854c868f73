package dev.courier.consumer;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.WireFormatException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code <prefix>.send}, hands each {@link SendEvent} to a {@link Deliverer}, and publishes the
 * {@link DeliveryAck}s to {@code <prefix>.ack}, one {@link AckBatch} per partition and transaction, exactly
 * once per committed batch: consume-transform-produce with one transactional producer per instance and the
 * consumer's group metadata (KIP-447).
 *
 * <h2>Protocol, per poll batch</h2>
 * <ol>
 *   <li>{@code poll()} (never inside a transaction, so rebalance callbacks always run between batches). The
 *       send topic is read {@code read_committed}: the tracker's re-emits are transactional.</li>
 *   <li>{@code beginTransaction()}.</li>
 *   <li>For each record, in partition order: decode the value with the Courier serde (values are read as
 *       bytes so one poison record is caught on its own). A value that is not readable
 *       ({@code WireFormatException}), or an event with a missing/blank id, is poison: a {@link DeadLetter}
 *       with the raw bytes and the reason goes to {@code <prefix>.dead-letter} in this transaction, and the
 *       consumer moves on. An unreachable schema registry is not poison: the batch is aborted and retried
 *       after a back-off.</li>
 *   <li>De-duplicate on (messageId, recipientId) against the partition's {@link DeliveredSet} (committed
 *       acks plus those of this batch). A duplicate is not handed to the Deliverer; it is acked again with
 *       the recorded status and {@code duplicate=true} (so a tracker that re-emitted it settles) and
 *       counted; it is settled in the partition's {@link ConversationGate} too.</li>
 *   <li>Order hold ({@code order.hold.enabled}, on by default): ask the partition's {@link ConversationGate}.
 *       If an earlier message (lower seq) of the same (recipientId, conversationId) is owed, the record is
 *       <b>held</b>: not handed to the Deliverer yet, kept in memory, acked with status HELD (which settles
 *       nothing: the tracker re-arms its deadline without counting the attempt), and counted ({@code held}).
 *       The offset still advances.</li>
 *   <li>Otherwise call the Deliverer. DELIVERED / READ / REJECTED: collect the ack in the partition's list,
 *       stage the key in the DeliveredSet, and stage the message as settled in the gate; then hand over, in
 *       seq order and in this same batch, the held messages of its conversation that are now first in line
 *       ({@code released}; their acks go to the same partition's list, the gate being per partition). RETRY
 *       or an exception: nothing settles; the offset still advances and the tracker re-emits after its
 *       deadline; a message with a seq is staged as owed in the gate, which holds the later messages of its
 *       conversation, and (with the hold on) recorded by a non-settling RETRY ack.</li>
 *   <li>For each partition p of the batch, write exactly one {@link AckBatch} to <b>partition p of the ack
 *       topic</b> (explicit partition, key null; the topics are co-partitioned, checked at start):
 *       {@code committedThrough} = the offset about to be committed for p (last offset + 1),
 *       {@code firstOffset} = p's first offset in the batch, {@code committedAt} = the clock now,
 *       {@code acks} = p's acks in handling order. A partition with no ack (all RETRY without a seq, or
 *       dead-lettered) still gets its AckBatch, with no acks: it is the partition's progress report, which
 *       tells the tracker, in order with the acks, that every send record below {@code committedThrough}
 *       was read and its outcome committed (only those can be late; the rest is merely queued).</li>
 *   <li>{@code sendOffsetsToTransaction(next offsets, consumer.groupMetadata())}, then
 *       {@code commitTransaction()}: AckBatches, dead letters and the consumed offsets become visible
 *       together, or not at all. Only then are the staged keys promoted to committed in the DeliveredSets,
 *       the staged gate changes applied, and the metrics counted. On an abort all of it, the collected acks
 *       included, is dropped with the batch.</li>
 * </ol>
 *
 * <h2>Ordering</h2>
 * A recipient's records are in one partition, so the Deliverer sees them in publish order; the one thing
 * that reorders is RETRY, whose message comes back by re-emit behind later ones. The order hold closes
 * that: a message with a {@link Delivery#seq()} is handed over only when no message of its conversation
 * with a lower seq is owed (answered RETRY, or held, and not yet acked), so the Deliverer sees each
 * conversation in seq order even when re-emits arrive shuffled. A held message waits only for its blocker:
 * it is handed over from memory right after the blocker is delivered, and its tracker attempts are not
 * spent meanwhile (HELD acks). The rule is in {@link ConversationGate}; its limits:
 * <ul>
 *   <li>A conversation without progress for {@code order.hold.max.ms} (default 10 min) is released: its
 *       messages flow again and order for it is given up ({@code holdsExpired}, logged), so one
 *       undeliverable message cannot wedge it.</li>
 *   <li>The hold is in memory, per partition, and dropped when the partition is revoked or lost (the
 *       held copies with it; the tracker re-emits them). The next owner restores it from the ack topic
 *       (unsettled RETRY and HELD acks of the last {@code order.hold.max.ms}) when it rebuilds its
 *       de-duplication state (the acks of both {@link AckBatch}es and, from before batches, single
 *       {@link DeliveryAck} records); acks whose commit markers are not yet written at that moment are
 *       missed.</li>
 *   <li>Messages without a seq are never held; neither are older ones (lower seq than the owed one).</li>
 * </ul>
 *
 * <h2>Why nothing is lost</h2>
 * An offset is committed only in the transaction that carries the outcome of every record below it (an
 * ack in the partition's AckBatch, a dead letter, or, for RETRY, the decision to leave it to the tracker)
 * and the AckBatch that reports it. If anything fails before the commit, the transaction aborts, the
 * in-memory additions of the batch are dropped, and the consumer seeks back to the committed offsets: every
 * record of the batch is processed again. After a fencing or
 * producer-fatal error the producer is rebuilt ({@code initTransactions()} resolves the previous
 * transaction), the de-duplication state is re-read from the ack topic, and the consumer seeks back the
 * same way. The group's zombie fencing (KIP-447) means an instance that lost its partitions cannot commit
 * offsets for them any more.
 *
 * <h2>When the Deliverer can see a record twice</h2>
 * A duplicate in the send topic (a tracker re-emit, a producer retry with the same messageId) never
 * reaches the Deliverer while its ack is committed and within {@code dedupe.window.ms}: the committed ack
 * topic is the ledger, read back per partition on every assignment (from {@code now - dedupe.window.ms} to
 * the end), merged with what this instance committed itself (whose markers may trail the commit).
 * The one exception is a failure between {@code deliver()} and {@code commitTransaction()} (crash, kill,
 * fencing, abort): the ack was never visible, the offset was not committed, so the record is handed
 * again, by this instance after a rewind or by the partition's next owner. Such a repeat is flagged
 * {@link Delivery#possibleRedelivery()}:
 * <ul>
 *   <li>after an abort in this instance: every record at or below the highest offset handed in the
 *       aborted batch (known exactly);</li>
 *   <li>after a partition is assigned: the previous owner may have handed up to one batch beyond the
 *       committed offset before dying, and that cannot be known, so the first {@code max.poll.records}
 *       records read from the partition are flagged (this assumes all instances use the same
 *       {@code max.poll.records}). A flag means "maybe", never "certainly".</li>
 * </ul>
 * A Deliverer that must be exactly-once end to end makes delivery idempotent on (messageId, recipientId)
 * when the flag is set.
 *
 * <h2>Threads and shutdown</h2>
 * {@link #run()} runs the loop on the calling thread; {@link #close()} (any thread) sets a flag and calls
 * {@code consumer.wakeup()}. A batch in progress finishes and commits (the Deliverer is not interrupted);
 * a wakeup can only surface from {@code poll()} or from the rewind after an abort, both outside a
 * transaction. Then the producer and consumer are closed, which leaves the group at once. With
 * {@code session.timeout.ms=10000} a killed instance's partitions move within about 10 s. Logs carry record
 * coordinates and ids, never payloads.
 *
 * <h2>Known limits</h2>
 * <ul>
 *   <li>A killed instance leaves its transaction open until a producer with the same
 *       {@code transactional.id} starts (stable {@code consumer.id}) or {@code transaction.timeout.ms}
 *       (30 s) passes; until then read_committed readers of that ack partition (the tracker, a rebuild)
 *       see nothing past it. The aborted acks are then never visible, as intended.</li>
 *   <li>The rebuild reads to the last stable offset. If the previous owner's final commit markers are
 *       still being written, its last acks can be missed; a re-emit of one of those arriving in the first
 *       batch would be delivered again, flagged by the first-batch rule.</li>
 *   <li>RETRY never blocks the partition, only the later messages of the same conversation (see
 *       Ordering, and its limits).</li>
 *   <li>De-duplication holds within {@code dedupe.window.ms} and {@code dedupe.max.entries.per.partition}.</li>
 *   <li>A partition's acks of one transaction travel in one AckBatch record, about 86 bytes per ack (1,000
 *       acks: 86 KB). Past roughly 12,000 acks per partition and batch it would exceed the producer's
 *       {@code max.request.size} and the broker's {@code message.max.bytes} (1 MiB by default), and the batch
 *       would abort and retry without end: keep {@code max.poll.records} well under that, or raise both.</li>
 * </ul>
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
    private Producer<String, byte[]> producer;

    // owned by the run() thread
    private final Map<Integer, DeliveredSet> dedupe = new HashMap<>();
    private final Set<Integer> needsRebuild = new HashSet<>();
    private final Map<Integer, Integer> flagRemaining = new HashMap<>();
    private final Map<Integer, Long> flagBelowOffset = new HashMap<>();
    private final Map<Integer, ConversationGate<HeldRecord>> gates = new HashMap<>(); // empty if order.hold.enabled=false
    private long backoffMs;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong lastDeliveryAtMs = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong holdsExpired = new AtomicLong();
    private final AtomicLong released = new AtomicLong();

    private final Object lifecycle = new Object();
    private volatile boolean closing;
    private boolean started;
    private final CountDownLatch closeSignal = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Connects to Kafka and the registry named in {@code config}; call {@link #run()} to start. */
    public DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer) {
        this(config, deliverer, SchemaRegistryClients.fromUrl(config.schemaRegistryUrl()), true,
                new KafkaConsumer<>(config.groupConsumerProps()),
                () -> new KafkaProducer<>(config.transactionalProducerProps()),
                () -> new KafkaConsumer<>(config.ledgerReaderProps()),
                System::currentTimeMillis);
    }

    /** For tests: injected clients. */
    DeliveryConsumer(DeliveryConsumerConfig config, Deliverer deliverer, SchemaRegistryClient registry,
                     boolean ownsRegistry, Consumer<String, byte[]> consumer,
                     Supplier<Producer<String, byte[]>> producerFactory,
                     Supplier<Consumer<String, byte[]>> ledgerReaderFactory, LongSupplier clockMs) {
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
        this.ledger = new AckLedgerReader(ledgerReaderFactory,
                CourierSerdes.ackValue(registry).deserializer(), topics.ack(),
                config.dedupeWindowMs(), config.dedupeMaxEntries(), config.dedupeRebuildTimeoutMs(),
                config.orderHoldMaxMs(), clockMs);
    }

    /** The counters so far; safe from any thread. */
    public DeliveryConsumerMetrics metrics() {
        return new DeliveryConsumerMetrics(delivered.get(), duplicates.get(), retries.get(), rejected.get(),
                deadLettered.get(), batches.get(), aborted.get(), lastDeliveryAtMs.get(), held.get(), released.get(),
                holdsExpired.get());
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
                        + "dedupeWindowMs={} maxPollRecords={} orderHoldEnabled={} orderHoldMaxMs={}", consumerId,
                config.groupId(), config.transactionalId(), topics.send(), topics.ack(), topics.deadLetter(),
                config.dedupeWindowMs(), config.maxPollRecords(), config.orderHoldEnabled(), config.orderHoldMaxMs());
        try {
            checkCoPartitioned();
            producer = newProducer();
            consumer.subscribe(List.of(topics.send()), new Rebalance());
            Duration pollTimeout = Duration.ofMillis(config.pollTimeoutMs());
            while (!closing) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
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

    // ---------------------------------------------------------------------------------------------------

    private void processBatch(ConsumerRecords<String, byte[]> records) {
        Batch batch = new Batch();
        try {
            ensureDedupeReady(records.partitions());
            expireHolds(records.partitions());
            producer.beginTransaction();
            batch.inTransaction = true;
            for (TopicPartition tp : records.partitions()) {
                DeliveredSet set = dedupe.get(tp.partition());
                ConversationGate<HeldRecord> gate = gate(tp.partition());
                List<ConsumerRecord<String, byte[]>> recs = records.records(tp);
                batch.flagRemainingAtStart.put(tp.partition(), flagRemaining.getOrDefault(tp.partition(), 0));
                batch.acks.put(tp.partition(), new ArrayList<>());
                for (ConsumerRecord<String, byte[]> rec : recs) {
                    handle(rec, set, gate, batch);
                }
                batch.offsets.put(tp, new OffsetAndMetadata(recs.get(recs.size() - 1).offset() + 1));
            }
            sendAckBatches(records, batch);
            producer.sendOffsetsToTransaction(batch.offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (WakeupException e) {
            throw new IllegalStateException("unexpected wakeup inside a batch", e);
        } catch (RuntimeException e) {
            onBatchFailure(e, records, batch);
            return;
        }
        for (TopicPartition tp : records.partitions()) {
            DeliveredSet set = dedupe.get(tp.partition());
            set.commitBatch();
            set.expire(clockMs.getAsLong());
            ConversationGate<HeldRecord> gate = gates.get(tp.partition());
            if (gate != null) {
                gate.commitBatch();
            }
        }
        delivered.addAndGet(batch.delivered);
        duplicates.addAndGet(batch.duplicates);
        retries.addAndGet(batch.retries);
        rejected.addAndGet(batch.rejected);
        deadLettered.addAndGet(batch.deadLettered);
        held.addAndGet(batch.held);
        released.addAndGet(batch.released);
        if (batch.lastDeliveryAtMs > 0) {
            lastDeliveryAtMs.set(batch.lastDeliveryAtMs);
        }
        batches.incrementAndGet();
        backoffMs = 0;
        log.debug("Committed batch: {} records, offsets {}", records.count(), batch.offsets);
    }

    private void handle(ConsumerRecord<String, byte[]> rec, DeliveredSet set, ConversationGate<HeldRecord> gate,
                        Batch batch) {
        boolean possibleRedelivery = flagged(rec);
        SendEvent event;
        try {
            event = sendDeserializer.deserialize(rec.topic(), rec.value());
        } catch (WireFormatException e) {
            deadLetter(rec, null, e.reason().name(), e.getMessage(), batch);
            return;
        } catch (SchemaRegistryException e) {
            // the registry's state says nothing about the record: never dead-letter for it
            throw new RegistryUnavailable(rec, e);
        } catch (SerializationException e) {
            deadLetter(rec, null, WireFormatException.Reason.UNDECODABLE.name(), e.getMessage(), batch);
            return;
        }
        String invalid = EventChecks.checkSend(event);
        if (invalid != null) {
            deadLetter(rec, event, EventChecks.INVALID_EVENT, invalid, batch);
            return;
        }
        String oversized = EventChecks.checkPayloadSize(event, config.maxPayloadBytes());
        if (oversized != null) {
            deadLetter(rec, event, EventChecks.OVERSIZED_PAYLOAD, oversized, batch);
            return;
        }
        String messageId = event.getMessageId();
        String recipientId = event.getRecipientId();
        String conversationId = event.getConversationId();
        var prior = set.find(messageId, recipientId);
        if (prior.isPresent()) {
            DeliveredSet.Entry entry = prior.get();
            log.debug("Duplicate suppressed at {}-{}@{} messageId={} recipientId={} attempt={}: re-acking {}",
                    rec.topic(), rec.partition(), rec.offset(), messageId, recipientId, event.getAttempt(), entry.status());
            set.recordPending(messageId, recipientId, ack(rec, event, entry.status(), entry.reason(), true, batch));
            batch.duplicates++;
            if (gate != null) {
                gate.settled(recipientId, conversationId, messageId, clockMs.getAsLong()); // its ack is on record
                releaseHeld(recipientId, conversationId, set, gate, batch);
            }
            return;
        }
        OptionalLong seq = seqOf(event);
        if (gate != null && gate.hold(recipientId, conversationId, messageId, seq,
                new HeldRecord(rec, event, possibleRedelivery))) {
            ConversationGate.OwedMessage blocker = gate.lowestOwed(recipientId, conversationId).orElseThrow();
            log.debug("Held {}-{}@{} messageId={} recipientId={} conversationId={} seq={} attempt={}: waits for "
                            + "messageId={} seq={}", rec.topic(), rec.partition(), rec.offset(), messageId, recipientId,
                    conversationId, seq.getAsLong(), event.getAttempt(), blocker.messageId(), blocker.seq());
            // Not a settlement: tells the tracker to wait for this attempt without counting it, and records the
            // hold in the ack topic, where the partition's next owner finds it.
            batch.ack(rec, newAck(event, AckStatus.HELD, null, false)
                    .setConversationId(conversationId).setSeq(seq.getAsLong())
                    .setHeldBehind(blocker.messageId()).setHeldBehindSeq(blocker.seq()).build());
            batch.held++;
            return;
        }
        if (deliver(rec, event, possibleRedelivery, set, gate, batch) && gate != null) {
            releaseHeld(recipientId, conversationId, set, gate, batch);
        }
    }

    /**
     * Hands the conversation's held messages to the Deliverer, lowest seq first, for as long as the lowest
     * owed message is a held one: right after its blocker is settled, in the same transaction.
     */
    private void releaseHeld(String recipientId, String conversationId, DeliveredSet set,
                             ConversationGate<HeldRecord> gate, Batch batch) {
        for (var next = gate.releasable(recipientId, conversationId); next.isPresent();
             next = gate.releasable(recipientId, conversationId)) {
            HeldRecord held = next.get();
            if (set.find(held.event().getMessageId(), recipientId).isPresent()) {
                // acked meanwhile (its re-emit went through another path): nothing to hand over
                gate.settled(recipientId, conversationId, held.event().getMessageId(), clockMs.getAsLong());
                continue;
            }
            log.debug("Releasing held messageId={} recipientId={} conversationId={} seq={}",
                    held.event().getMessageId(), recipientId, conversationId, held.event().getSeq());
            batch.released++;
            // handed before, in a batch that aborted since? then flagged like any re-read record below that point
            boolean flag = held.possibleRedelivery()
                    || held.record().offset() < flagBelowOffset.getOrDefault(held.record().partition(), -1L);
            deliver(held.record(), held.event(), flag, set, gate, batch); // a RETRY ends the loop: it is owed again
        }
    }

    private static OptionalLong seqOf(SendEvent event) {
        return event.getSeq() == null ? OptionalLong.empty() : OptionalLong.of(event.getSeq());
    }

    /** Calls the Deliverer and records the outcome: ack, gate, tallies. Returns whether the message settled. */
    private boolean deliver(ConsumerRecord<String, byte[]> rec, SendEvent event, boolean possibleRedelivery,
                         DeliveredSet set, ConversationGate<HeldRecord> gate, Batch batch) {
        String messageId = event.getMessageId();
        String recipientId = event.getRecipientId();
        String conversationId = event.getConversationId();
        OptionalLong seq = seqOf(event);
        Delivery delivery = new Delivery(messageId, recipientId, conversationId, event.getSenderId(), seq,
                bytes(event.getPayload()), event.getContentType(), event.getHeaders(), event.getAttempt(),
                event.getSentAt(), rec.topic(), rec.partition(), rec.offset(), possibleRedelivery);
        batch.handed(rec.partition(), rec.offset());
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
                AckStatus status = outcome.kind() == DeliveryOutcome.Kind.READ ? AckStatus.READ : AckStatus.DELIVERED;
                set.recordPending(messageId, recipientId, ack(rec, event, status, null, false, batch));
                batch.delivered++;
                batch.lastDeliveryAtMs = clockMs.getAsLong();
            }
            case REJECTED -> {
                set.recordPending(messageId, recipientId, ack(rec, event, AckStatus.REJECTED, outcome.reason(), false,
                        batch));
                batch.rejected++;
            }
            case RETRY -> {
                batch.retries++;
                if (gate != null && seq.isPresent()) {
                    // Settles nothing; records in the ack topic that the message is owed, for the next owner's gate.
                    batch.ack(rec, newAck(event, AckStatus.RETRY, outcome.reason(), false)
                            .setConversationId(conversationId).setSeq(seq.getAsLong()).build());
                }
            }
        }
        if (gate != null && outcome.acked()) {
            gate.settled(recipientId, conversationId, messageId, clockMs.getAsLong());
        }
        return outcome.acked();
    }

    /** Collects a settling ack for the partition's AckBatch; returns what the DeliveredSet records for it. */
    private DeliveredSet.Entry ack(ConsumerRecord<String, byte[]> rec, SendEvent event, AckStatus status, String reason,
                                   boolean duplicate, Batch batch) {
        DeliveryAck ack = newAck(event, status, reason, duplicate).build();
        batch.ack(rec, ack);
        return new DeliveredSet.Entry(status, reason, ack.getAckedAt().toEpochMilli());
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
     * Writes one {@link AckBatch} per partition of the batch, last in the transaction, to the ack partition
     * numbered like the send partition (key null: the partition is explicit). Every partition gets one, even
     * with no acks: the record is also the partition's progress report (committedThrough) to the tracker.
     */
    private void sendAckBatches(ConsumerRecords<String, byte[]> records, Batch batch) {
        Instant committedAt = Instant.ofEpochMilli(clockMs.getAsLong());
        for (TopicPartition tp : records.partitions()) {
            int p = tp.partition();
            AckBatch ackBatch = AckBatch.newBuilder()
                    .setSendPartition(p)
                    .setCommittedThrough(batch.offsets.get(tp).offset())
                    .setFirstOffset(records.records(tp).get(0).offset())
                    .setCommittedAt(committedAt)
                    .setDeliveredBy(consumerId)
                    .setAcks(batch.acks.get(p))
                    .build();
            byte[] value;
            try {
                value = ackSerializer.serialize(topics.ack(), ackBatch);
            } catch (SchemaRegistryException e) {
                throw new RegistryUnavailable(topics.ack() + "-" + p + " (ack batch)", e);
            }
            producer.send(new ProducerRecord<>(topics.ack(), p, null, value));
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> rec, SendEvent event, String reasonCode, String reasonText,
                            Batch batch) {
        log.warn("Dead-lettering {}-{}@{} ({}): {}", rec.topic(), rec.partition(), rec.offset(), reasonCode, reasonText);
        DeadLetter letter = DeadLetter.newBuilder()
                .setEvent(event)
                .setRawValue(rec.value() == null ? null : ByteBuffer.wrap(rec.value()))
                .setReasonCode(reasonCode)
                .setReasonText(reasonText == null ? reasonCode : reasonText)
                .setMessageId(event == null ? null : event.getMessageId())
                .setRecipientId(event == null ? null : event.getRecipientId())
                .setAttempts(event == null ? 0 : event.getAttempt())
                .setFirstAttemptAt(event == null ? null : event.getSentAt())
                .setOriginalTopic(rec.topic())
                .setOriginalPartition(rec.partition())
                .setOriginalOffset(rec.offset())
                .setDeadLetteredAt(Instant.ofEpochMilli(clockMs.getAsLong()))
                .build();
        byte[] value = serialize(deadLetterSerializer, topics.deadLetter(), letter, rec);
        producer.send(new ProducerRecord<>(topics.deadLetter(), rec.key(), value));
        batch.deadLettered++;
    }

    private static <T> byte[] serialize(Serializer<T> serializer, String topic, T value, ConsumerRecord<?, ?> rec) {
        try {
            return serializer.serialize(topic, value);
        } catch (SchemaRegistryException e) {
            throw new RegistryUnavailable(rec, e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private boolean flagged(ConsumerRecord<?, ?> rec) {
        int p = rec.partition();
        boolean flag = rec.offset() < flagBelowOffset.getOrDefault(p, -1L);
        int remaining = flagRemaining.getOrDefault(p, 0);
        if (remaining > 0) {
            flagRemaining.put(p, remaining - 1);
            flag = true;
        }
        return flag;
    }

    // --- failures ----------------------------------------------------------------------------------------

    private void onBatchFailure(RuntimeException e, ConsumerRecords<String, byte[]> records, Batch batch) {
        aborted.incrementAndGet();
        if (isFatal(e)) {
            throw e;
        }
        // the producer reports fatal errors directly or wrapped ("in an error state"): look down the chain
        boolean producerLost = causedBy(e, ProducerFencedException.class, InvalidProducerEpochException.class,
                OutOfOrderSequenceException.class, UnsupportedVersionException.class);
        // a timeout inside the transaction may hide a commit that went through
        boolean outcomeUnknown = producerLost || (batch.inTransaction && e instanceof TimeoutException);
        if (e instanceof RegistryUnavailable r) {
            log.warn("Schema registry unavailable at {}: aborting the batch of {} records, retrying ({})",
                    r.coordinates, records.count(), r.getCause().toString());
        } else {
            log.warn("Batch of {} records failed, aborting and rewinding: {}", records.count(), e.toString());
        }
        if (!producerLost && batch.inTransaction) {
            try {
                producer.abortTransaction();
            } catch (KafkaException | IllegalStateException abortFailed) {
                log.warn("abortTransaction failed ({}), rebuilding the producer", abortFailed.toString());
                producerLost = true;
                outcomeUnknown = true;
            }
        }
        for (DeliveredSet set : dedupe.values()) {
            set.abortBatch();
        }
        for (ConversationGate<HeldRecord> gate : gates.values()) {
            gate.abortBatch();
        }
        batch.flagRemainingAtStart.forEach(flagRemaining::put);
        batch.maxHandedOffset.forEach((p, offset) -> flagBelowOffset.merge(p, offset + 1, Math::max));
        if (producerLost) {
            closeQuietly(producer);
            producer = newProducer(); // initTransactions() fences the old epoch and resolves its transaction
        }
        if (outcomeUnknown) {
            // the transaction may have committed: the ack topic, now resolved, is the truth
            needsRebuild.addAll(partitionsOf(consumer.assignment()));
        }
        rewind(records);
        backoff();
    }

    private static boolean isFatal(RuntimeException e) {
        return causedBy(e, AuthenticationException.class, AuthorizationException.class);
    }

    @SafeVarargs
    private static boolean causedBy(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
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

    // --- ordering state ----------------------------------------------------------------------------------

    /** The partition's gate, null if order.hold.enabled=false. */
    private ConversationGate<HeldRecord> gate(int partition) {
        if (!config.orderHoldEnabled()) {
            return null;
        }
        return gates.computeIfAbsent(partition, p -> new ConversationGate(config.orderHoldMaxMs()));
    }

    /** Gives up holds without progress for order.hold.max.ms; between batches, so not staged. */
    private void expireHolds(Set<TopicPartition> partitions) {
        long now = clockMs.getAsLong();
        for (TopicPartition tp : partitions) {
            ConversationGate<HeldRecord> gate = gates.get(tp.partition());
            if (gate == null) {
                continue;
            }
            for (ConversationGate.Expired e : gate.expire(now)) {
                holdsExpired.incrementAndGet();
                log.warn("Order hold given up on {}-{} for recipientId={} conversationId={}: no progress for {} ms "
                                + "({} messages owed, lowest seq={} messageId={}); its messages now flow in arrival order",
                        tp.topic(), tp.partition(), e.recipientId(), e.conversationId(), now - e.blockedSinceMs(),
                        e.owed(), e.lowestSeq(), e.lowestMessageId());
            }
        }
    }

    // --- de-duplication state ----------------------------------------------------------------------------

    private void ensureDedupeReady(Set<TopicPartition> partitions) {
        Set<Integer> missing = new HashSet<>();
        for (TopicPartition tp : partitions) {
            if (needsRebuild.contains(tp.partition()) || !dedupe.containsKey(tp.partition())) {
                missing.add(tp.partition());
            }
        }
        if (!missing.isEmpty()) {
            rebuild(missing);
        }
    }

    /**
     * Re-reads the ledger for {@code partitions}, keeping what this instance committed itself; a partition
     * without a gate here (newly assigned) gets the order holds the ledger records.
     */
    private void rebuild(Set<Integer> partitions) {
        Map<Integer, DeliveredSet> fresh;
        AckLedgerReader.Ledger read;
        try {
            read = ledger.rebuild(partitions);
            fresh = read.delivered();
        } catch (SchemaRegistryException e) {
            needsRebuild.addAll(partitions);
            throw new RegistryUnavailable("ledger rebuild", e);
        } catch (RuntimeException e) {
            needsRebuild.addAll(partitions);
            throw e;
        }
        fresh.forEach((p, set) -> {
            DeliveredSet previous = dedupe.get(p);
            if (previous != null) {
                previous.abortBatch();
                set.mergeCommitted(previous);
            }
            dedupe.put(p, set);
            needsRebuild.remove(p);
        });
        if (config.orderHoldEnabled()) {
            read.holds().forEach((p, holds) -> {
                if (!gates.containsKey(p)) {
                    restoreHolds(p, holds);
                }
            });
        }
    }

    /**
     * Re-creates the order holds the previous owner of partition {@code p} left in the ack topic: every
     * message whose latest ack is RETRY or HELD is owed again (without a held copy, which the tracker's
     * re-emit brings back), and so is the message a HELD ack names as its blocker unless acked since.
     */
    private void restoreHolds(int p, List<DeliveryAck> holds) {
        ConversationGate<HeldRecord> gate = gate(p);
        DeliveredSet delivered = dedupe.get(p);
        long now = clockMs.getAsLong();
        for (DeliveryAck h : holds) {
            if (h.getHeldBehind() != null && delivered.find(h.getHeldBehind(), h.getRecipientId()).isEmpty()) {
                gate.retry(h.getRecipientId(), h.getConversationId(), h.getHeldBehind(),
                        OptionalLong.of(h.getHeldBehindSeq()), now);
            }
            gate.retry(h.getRecipientId(), h.getConversationId(), h.getMessageId(), OptionalLong.of(h.getSeq()), now);
        }
        gate.commitBatch();
        if (!holds.isEmpty()) {
            log.info("Order holds restored from the ack topic for partition {}: {} owed messages, {} blocked conversations",
                    p, holds.size(), gate.blockedConversations());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            log.info("Partitions revoked: {}", partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.warn("Partitions lost: {}", partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<Integer> owned = partitionsOf(consumer.assignment());
            dedupe.keySet().retainAll(owned); // state of partitions that moved away is not needed any more
            gates.keySet().retainAll(owned);
            needsRebuild.retainAll(owned);
            if (partitions.isEmpty()) {
                return; // cooperative rebalance that added nothing
            }
            log.info("Partitions assigned: {} (now owning {})", partitions, owned);
            Set<Integer> ps = partitionsOf(partitions);
            for (int p : ps) {
                flagRemaining.put(p, config.maxPollRecords());
                flagBelowOffset.remove(p);
            }
            try {
                rebuild(ps);
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                // retried before the partition's first batch is processed (ensureDedupeReady)
                log.warn("Rebuilding de-duplication for {} failed, will retry before processing: {}", ps, e.toString());
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            // the DeliveredSets stay until the assignment completes: a partition revoked and handed straight
            // back (eager assignors) merges what this instance committed into the re-read ledger
            for (TopicPartition tp : partitions) {
                flagRemaining.remove(tp.partition());
                flagBelowOffset.remove(tp.partition());
                // unlike the DeliveredSets there is no ledger to re-read it from: a block is forgotten with the
                // partition (see ConversationGate)
                gates.remove(tp.partition());
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

    private Producer<String, byte[]> newProducer() {
        Producer<String, byte[]> p = producerFactory.get();
        p.initTransactions();
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
        if (ownsRegistry) {
            registry.close();
        }
    }

    private static void closeQuietly(Producer<?, ?> p) {
        try {
            p.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Closing the producer failed", e);
        }
    }

    /** Per-batch tallies, applied to the metrics only when the transaction commits. */
    private static final class Batch {
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        final Map<Integer, Integer> flagRemainingAtStart = new HashMap<>();
        final Map<Integer, Long> maxHandedOffset = new HashMap<>();
        /** Per partition of the batch, its acks in handling order: written as one AckBatch before the commit. */
        final Map<Integer, List<DeliveryAck>> acks = new LinkedHashMap<>();
        long delivered;
        long duplicates;
        long retries;
        long rejected;
        long deadLettered;
        long held;
        long released;
        long lastDeliveryAtMs;
        boolean inTransaction;

        void handed(int partition, long offset) {
            maxHandedOffset.merge(partition, offset, Math::max);
        }

        /** Adds an ack to the list of the send record's partition (a partition of this batch, held ones too). */
        void ack(ConsumerRecord<?, ?> rec, DeliveryAck ack) {
            List<DeliveryAck> list = acks.get(rec.partition());
            if (list == null) {
                throw new IllegalStateException("ack for " + rec.topic() + "-" + rec.partition() + "@" + rec.offset()
                        + " outside the partitions of the batch " + acks.keySet());
            }
            list.add(ack);
        }
    }

    /** A record held back for order, kept to be delivered when its conversation's earlier messages are settled. */
    private record HeldRecord(ConsumerRecord<String, byte[]> record, SendEvent event, boolean possibleRedelivery) {
    }

    /** The schema registry could not answer: abort and retry the batch, never dead-letter. */
    private static final class RegistryUnavailable extends KafkaException {
        final String coordinates;

        RegistryUnavailable(ConsumerRecord<?, ?> rec, SchemaRegistryException cause) {
            this(rec.topic() + "-" + rec.partition() + "@" + rec.offset(), cause);
        }

        RegistryUnavailable(String coordinates, SchemaRegistryException cause) {
            super("schema registry unavailable: " + cause.getMessage(), cause);
            this.coordinates = coordinates;
        }
    }
}
