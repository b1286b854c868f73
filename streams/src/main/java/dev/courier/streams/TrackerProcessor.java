package dev.courier.streams;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.DeadLetterSize;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryState;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.NotFoundGrace;
import dev.courier.schemas.serde.WireFormatException;
import dev.courier.streams.RedeliveryPolicy.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-emits what a delivery consumer read and did not deliver, and dead-letters what runs out of attempts or time.
 *
 * <p>By default ({@code send.tracking.enabled=false}) the tracker reads the ack topic alone. The send topic is
 * the queue; a delivery nobody has read is not late and has no state here. Courier's delivery consumers write,
 * per transaction and partition, an {@link AckBatch}: the acks (a RETRY or HELD carries the send event),
 * then the progress. So, per delivery key {@code messageId/recipientId}:
 * <ol>
 *   <li>A RETRY (the Deliverer could not deliver it) creates the pending state from the event, or re-arms it,
 *       with a deadline one back-off after the consumer's commit ({@code committedAt}).</li>
 *   <li>A HELD (held back for order) creates or marks the state held: the consumer hands it over itself once
 *       its blocker is delivered; only the {@code held.timeout.ms} safety net applies. A partition's new owner
 *       that restored the hold without the copy asks for it with a RETRY (no event): re-armed.</li>
 *   <li>A settling ack (DELIVERED, READ, REJECTED) deletes the state and settles: a status record only with
 *       {@code status.settled.enabled}, a dead letter for REJECTED. A settling ack of a delivery with no state
 *       leaves nothing.</li>
 *   <li>Punctuation, re-emit budget and outages as below; a re-emit is queued again, with no deadline but its
 *       expiry, until a consumer reports reading it (a RETRY, HELD or settling ack of the new attempt).</li>
 * </ol>
 *
 * <p>With {@code send.tracking.enabled} (a safety net for delivery consumers of one's own, which write plain
 * DeliveryAcks) the tracker also reads the send topic and follows every delivery from publication; the
 * punctuation, budget and outage rules below apply in both modes:
 * <ol>
 *   <li>A send event with attempt 1 and no state: store it as pending. If no delivery consumer has reported
 *       reading its offset yet it is <b>queued</b>: indexed by send offset, with only the safety-net deadline
 *       ({@code queued.timeout.ms}) or its expiry. No status record: most deliveries settle within
 *       milliseconds.</li>
 *   <li>Delivery consumers write one {@link AckBatch} per transaction and partition, after that
 *       transaction's other records: its acks, then "every send record below {@code committedThrough} was
 *       handled, committed at {@code committedAt}". The tracker applies the acks first, then the progress:
 *       every queued delivery below {@code committedThrough} was read and committed without a settling ack
 *       (RETRY, HELD, a Deliverer that gave up), so it is <b>armed</b>: its deadline becomes the re-emit
 *       back-off counted from {@code committedAt}. A send read after a progress report that already passed its
 *       offset is armed at once. A consumer that dies before its commit reports nothing; Kafka hands the batch
 *       to the next owner, and nothing is re-emitted.</li>
 *   <li>An ack with pending state: delete the state and its index entries, settle: DELIVERED or READ (a status
 *       record only with {@code status.settled.enabled}), or dead-letter with reason REJECTED. Later acks for
 *       the same key find no pending event.</li>
 *   <li>An ack with no state: the send event has not been seen yet (acks and sends are separate
 *       topics), or the delivery was settled already. Remember it as an early ack until
 *       {@code early.ack.retention.ms}; a send event arriving meanwhile is settled at once.</li>
 *   <li>Wall-clock punctuation: scan the deadline index up to now, oldest deadline first. A pending event
 *       past its deadline is re-emitted to the send topic with attempt+1, or dead-lettered (MAX_ATTEMPTS,
 *       EXPIRED). The re-emit is queued again until a consumer reports reading it, as any send. An early ack
 *       past its retention is forgotten.</li>
 *   <li>Re-emits are rate-limited per task ({@link ReemitBudget}). When the budget is spent the scan
 *       stops: that delivery and every later one stay in the index untouched and are first in line at the
 *       next punctuation, so a backlog drains oldest first at the budgeted rate, and each punctuation reads
 *       only what it handles. Dead-lettering and forgetting need no budget.</li>
 *   <li>Outages ({@link OutageDetector}): every ack tells the detector the pipeline works; every missed
 *       deadline tells it one more delivery timed out. While it judges the pipeline unavailable, a due
 *       delivery is re-emitted (attempt+1, backoff still growing) but the attempt is recorded in
 *       {@code outageAttempts} and not counted toward max.attempts, and nothing is dead-lettered for
 *       MAX_ATTEMPTS. EXPIRED applies regardless.</li>
 *   <li>A send event with attempt &gt; 1 is the tracker's own re-emit coming back: the state holds it
 *       (same attempt; its send offset is recorded now), or the delivery was settled after it was emitted
 *       (nothing to do).</li>
 * </ol>
 * State, indexes, progress, re-emits, status and dead letters are written in one exactly-once transaction
 * with the input offsets, so a tracker crash neither loses a pending delivery nor emits a re-emit twice.
 */
final class TrackerProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(TrackerProcessor.class);
    private static final byte[] PRESENT = {1};
    /** How often the pending gauges are refreshed ({@link #scanPending}). */
    static final Duration PENDING_SCAN_INTERVAL = Duration.ofSeconds(5);

    private final CourierTopics topics;
    private final RedeliveryPolicy policy;
    private final long earlyAckRetentionMs;
    private final int maxPayloadBytes;
    private final long punctuateIntervalMs;
    private final int maxDuePerPunctuation;
    private final Deserializer<SendEvent> sendDeserializer;
    private final Deserializer<SpecificRecord> ackDeserializer;
    private final Deserializer<RedeliverRequest> commandDeserializer;
    private final long queuedTimeoutMs;
    private final boolean settledStatus;
    private final long heldTimeoutMs;
    private final boolean sendTracking;
    private final NotFoundGrace notFoundGrace;
    private final SplittableRandom random = new SplittableRandom();
    private final TrackerConfig config;
    private final TrackerMeters meters;

    private ProcessorContext<String, SpecificRecord> context;
    private ReemitBudget budget;
    private OutageDetector outage;
    private boolean inOutage;
    private TrackerMetrics metrics;
    private KeyValueStore<String, PendingDelivery> pending;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private KeyValueStore<Bytes, byte[]> queue;
    private KeyValueStore<Integer, byte[]> progressStore;
    private int partition;
    private ConsumerProgress progress;

    /**
     * @param notFoundGrace shared by the tracker's tasks, so that it outlives a task restarted for a 404 within it
     */
    TrackerProcessor(TrackerConfig config, CourierTopics topics, Deserializer<SendEvent> sendDeserializer,
                     Deserializer<SpecificRecord> ackDeserializer, Deserializer<RedeliverRequest> commandDeserializer,
                     NotFoundGrace notFoundGrace, TrackerMeters meters) {
        this.config = config;
        this.meters = meters;
        this.notFoundGrace = notFoundGrace;
        this.topics = topics;
        this.policy = config.redeliveryPolicy();
        this.earlyAckRetentionMs = config.getLong(TrackerConfig.EARLY_ACK_RETENTION_MS_CONFIG);
        this.maxPayloadBytes = config.getInt(TrackerConfig.MAX_PAYLOAD_BYTES_CONFIG);
        this.punctuateIntervalMs = config.getLong(TrackerConfig.PUNCTUATE_INTERVAL_MS_CONFIG);
        this.maxDuePerPunctuation = config.getInt(TrackerConfig.MAX_DUE_PER_PUNCTUATION_CONFIG);
        this.sendDeserializer = sendDeserializer;
        this.ackDeserializer = ackDeserializer;
        this.commandDeserializer = commandDeserializer;
        this.queuedTimeoutMs = config.getLong(TrackerConfig.QUEUED_TIMEOUT_MS_CONFIG);
        this.settledStatus = config.getBoolean(TrackerConfig.STATUS_SETTLED_ENABLED_CONFIG);
        this.heldTimeoutMs = config.getLong(TrackerConfig.HELD_TIMEOUT_MS_CONFIG);
        this.sendTracking = config.getBoolean(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG);
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.pending = context.getStateStore(TrackerTopology.PENDING_STORE);
        this.deadlines = context.getStateStore(TrackerTopology.DEADLINE_INDEX_STORE);
        this.partition = context.taskId().partition();
        if (sendTracking) { // the queue and the consumers' progress exist only to follow sends (TrackerTopology)
            this.queue = context.getStateStore(TrackerTopology.QUEUE_INDEX_STORE);
            this.progressStore = context.getStateStore(TrackerTopology.PROGRESS_STORE);
            this.progress = ConsumerProgress.fromBytes(progressStore.get(partition));
        } else {
            this.progress = ConsumerProgress.NONE;
        }
        // A delivery sent and acked within one commit interval then never reaches RocksDB or the changelog.
        if (!CacheCoalescing.skipUnwrittenDeletes(pending) | !CacheCoalescing.skipUnwrittenDeletes(deadlines)
                | (sendTracking && !CacheCoalescing.skipUnwrittenDeletes(queue))) {
            log.debug("task {}: a tracker store has no cache; every delete reaches it", context.taskId());
        }
        this.budget = config.reemitBudget(context.currentSystemTimeMs());
        this.outage = config.outageDetector();
        this.metrics = new TrackerMetrics(context.metrics(), context.taskId().toString(), meters);
        rebuildDeadlineIndex();
        context.schedule(Duration.ofMillis(punctuateIntervalMs), PunctuationType.WALL_CLOCK_TIME, this::onTick);
        scanPending(context.currentSystemTimeMs());
        context.schedule(PENDING_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::scanPending);
    }

    /**
     * The deadline and queue indexes have no changelog (see {@link TrackerTopology}): they are emptied and
     * rebuilt from the pending store, which is restored from its changelog, every time the task starts. So they
     * always match the pending deliveries, after a clean restart, a crash (exactly-once wipes and restores the
     * state) or a task moving between instances. Costs one scan of the task's pending deliveries.
     */
    private void rebuildDeadlineIndex() {
        int dropped = clear(deadlines) + (sendTracking ? clear(queue) : 0);
        long indexed = 0;
        try (KeyValueIterator<String, PendingDelivery> it = pending.all()) {
            while (it.hasNext()) {
                var entry = it.next();
                index(entry.key, entry.value);
                indexed++;
            }
        }
        log.info("task {}: deadline and queue indexes rebuilt from the pending store ({} deliveries; {} local entries "
                + "dropped); consumers have read partition {} through offset {}", context.taskId(), indexed, dropped,
                partition, progress.committedThrough());
    }

    /**
     * Counts the task's pending deliveries (early acks aside) and finds the oldest one's sentAt, for the
     * {@code courier.pending} gauges: one scan of the pending store every {@link #PENDING_SCAN_INTERVAL}, which holds
     * only what was read and not delivered (with send tracking, also what is queued).
     */
    private void scanPending(long now) {
        long count = 0;
        long oldest = Long.MAX_VALUE;
        try (KeyValueIterator<String, PendingDelivery> it = pending.all()) {
            while (it.hasNext()) {
                SendEvent event = it.next().value.getEvent();
                if (event != null) {
                    count++;
                    oldest = Math.min(oldest, event.getSentAt().toEpochMilli());
                }
            }
        }
        metrics.pendingScanned(count, oldest, now);
    }

    private static int clear(KeyValueStore<Bytes, byte[]> store) {
        List<Bytes> old = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(entry -> old.add(entry.key));
        }
        old.forEach(store::delete);
        return old.size();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (source.topic().equals(topics.commands())) {
            onCommand(record, source);
            return;
        }
        boolean isSend = source.topic().equals(topics.send());
        SpecificRecord value;
        try {
            value = isSend
                    ? sendDeserializer.deserialize(source.topic(), record.value())
                    : ackDeserializer.deserialize(source.topic(), record.value());
        } catch (WireFormatException e) {
            if (e.reason() == DeadLetterReason.UNKNOWN_SCHEMA_ID
                    && notFoundGrace.retry(e.schemaId(), context.currentSystemTimeMs())) {
                // A registry instance may lag: fail the task, Streams retries from the committed offsets.
                throw new SchemaRegistryException("schema id " + e.schemaId() + " of " + source.topic() + "-"
                        + source.partition() + "@" + source.offset() + " not found (yet): retried for up to "
                        + notFoundGrace.graceMs() + " ms, then dead-lettered", 404, 40403, e);
            }
            unprocessable(record, source, isSend, e.reason().name(), e.getMessage());
            return;
        } catch (SchemaRegistryException e) {
            if (e.isTransient() || e.isAuthFailure()) {
                // registry down: fail the task, Streams retries from the committed offsets; refused: the tracker
                // stops (DeliveryTracker), it would refuse every record alike
                throw e;
            }
            unprocessable(record, source, isSend, DeadLetterReason.UNKNOWN_SCHEMA_ID.name(), e.getMessage());
            return;
        }
        if (value == null) {
            unprocessable(record, source, isSend, DeadLetterReason.NULL_VALUE.name(), "record has no value (tombstone)");
            return;
        }
        if (value instanceof AckBatch batch) {
            onAckBatch(batch, record, source);
            return;
        }
        String invalid = isSend ? EventChecks.checkSend((SendEvent) value) : EventChecks.checkAck((DeliveryAck) value);
        if (invalid != null) {
            unprocessable(record, source, isSend, DeadLetterReason.INVALID_EVENT.name(), invalid);
            return;
        }
        // The delivery consumers dead-letter an oversized payload; tracking it would only re-emit it.
        String oversized = isSend ? EventChecks.checkPayloadSize((SendEvent) value, maxPayloadBytes) : null;
        if (oversized != null) {
            unprocessable(record, source, true, DeadLetterReason.OVERSIZED_PAYLOAD.name(), oversized);
            return;
        }
        if (isSend) {
            onSend((SendEvent) value, source.offset(), record.timestamp());
        } else {
            DeliveryAck ack = (DeliveryAck) value;
            onAck(ack, ack.getAckedAt().toEpochMilli(), record.timestamp());
        }
    }

    /**
     * An operator's "redeliver now" for this partition: the selected deliveries' deadlines move to now, spread
     * by the request's rate, so the punctuator re-emits them (within its own budget) instead of after their
     * back-off. Deliveries already due sooner keep their deadline.
     */
    private void onCommand(Record<String, byte[]> record, RecordMetadata source) {
        RedeliverRequest request;
        try {
            request = commandDeserializer.deserialize(source.topic(), record.value());
        } catch (WireFormatException | SchemaRegistryException e) {
            if (e instanceof SchemaRegistryException registryError
                    && (registryError.isTransient() || registryError.isAuthFailure())) {
                throw registryError; // down: retried from the committed offsets; refused: the tracker stops
            }
            log.warn("ignored an undecodable command at {}-{}@{}: {}", source.topic(), source.partition(),
                    source.offset(), e.getMessage());
            return;
        }
        if (request == null || request.getRatePerSecond() <= 0) {
            log.warn("ignored command at {}-{}@{}: {}", source.topic(), source.partition(), source.offset(),
                    request == null ? "no value" : "rate must be positive, got " + request.getRatePerSecond());
            return;
        }
        List<KeyValue<String, PendingDelivery>> selected = new ArrayList<>();
        try (KeyValueIterator<String, PendingDelivery> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingDelivery> entry = it.next();
                if (RedeliverSelection.selects(request, entry.value)) {
                    selected.add(entry);
                }
            }
        }
        long now = context.currentSystemTimeMs();
        int moved = 0;
        for (KeyValue<String, PendingDelivery> entry : selected) {
            long deadline = RedeliverSelection.deadline(request, moved, now);
            if (deadline < entry.value.getDeadline()) {
                remove(entry.key, entry.value);
                put(entry.key, PendingDelivery.newBuilder(entry.value).setDeadline(deadline).build());
                moved++;
            }
        }
        log.info("redeliver request {}: {} deliveries of partition {} due now, at {}/s (task {})",
                request.getRequestId(), moved, partition, request.getRatePerSecond(), context.taskId());
    }

    private void onSend(SendEvent event, long offset, long timestamp) {
        String key = CourierTopics.deliveryKey(event.getMessageId(), event.getRecipientId());
        PendingDelivery state = pending.get(key);
        long now = context.currentSystemTimeMs();
        if (state == null) {
            if (event.getAttempt() > 1) {
                return; // our own re-emit of a delivery settled since: nothing to do
            }
            // No PENDING status for a first attempt: most are settled within milliseconds, and the status
            // topic would carry two records per message instead of one (see DeliveryStatus).
            put(key, arrived(PendingDelivery.newBuilder().setEvent(event).setQueued(true)
                    .setDeadline(queuedDeadline(event, now)).setLastAttemptAt(now), offset));
        } else if (state.getEvent() == null) {
            if (event.getAttempt() > 1) {
                return;
            }
            remove(key, state);
            if (state.getEarlyAck() == AckStatus.HELD) {
                // A consumer read it and held it before this tracker read the send: it waits for the consumer.
                put(key, arrived(PendingDelivery.newBuilder().setEvent(event).setQueued(true).setHeld(true)
                        .setHeldAttempts(1).setDeadline(queuedDeadline(event, now)).setLastAttemptAt(now), offset));
                return;
            }
            // The ack came first: settle now.
            settle(event, state.getEarlyAck(), event.getAttempt(), now, timestamp, null);
        } else if (state.getQueued() && state.getSendOffset() < 0 && event.getAttempt() == state.getEvent().getAttempt()) {
            // Our own re-emit, read back: now its offset is known, and a consumer's progress can pass it.
            remove(key, state);
            put(key, arrived(PendingDelivery.newBuilder(state), offset));
        }
        // Otherwise the state already holds this delivery: a producer retry, or an older attempt.
    }

    /**
     * A queued delivery whose send record is at {@code offset}: armed at once if a consumer already reported
     * reading past it (the tracker read that progress report first), queued otherwise.
     */
    private PendingDelivery arrived(PendingDelivery.Builder state, long offset) {
        state.setSendOffset(offset);
        return progress.read(offset) ? armed(state, progress.committedAt()) : state.build();
    }

    /**
     * A delivery a consumer read and committed at {@code committedAt} without settling it: its deadline is the
     * attempt's back-off from that commit (held attempts were never tried, so they do not grow it). A held one
     * is the consumer's to hand over once its blocker is delivered: only the held.timeout.ms safety net applies.
     */
    private PendingDelivery armed(PendingDelivery.Builder state, long committedAt) {
        SendEvent event = state.getEvent();
        long from = Math.min(committedAt, context.currentSystemTimeMs()); // a consumer clock ahead of ours
        long deadline = state.getHeld()
                ? Math.min(saturatedAdd(from, heldTimeoutMs), policy.expiresAt(event.getSentAt().toEpochMilli()))
                : policy.deadline(backoffAttempt(event.getAttempt(), state.getHeldAttempts()),
                        event.getSentAt().toEpochMilli(), from, random);
        return state.setQueued(false).setDeadline(deadline).build();
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    /**
     * The deadline of a queued attempt emitted (or read) at {@code now}: its expiry; with send tracking, the
     * queued.timeout.ms safety net first.
     */
    private long queuedDeadline(SendEvent event, long now) {
        long expiry = policy.expiresAt(event.getSentAt().toEpochMilli());
        return sendTracking ? Math.min(saturatedAdd(now, queuedTimeoutMs), expiry) : expiry;
    }

    /**
     * One consumer transaction's report for this task's partition: its acks, in order, then its progress. A batch
     * naming another partition is poison (it would arm deliveries by the wrong offsets); an invalid ack inside an
     * otherwise good batch is dead-lettered on its own and the rest applies.
     */
    private void onAckBatch(AckBatch batch, Record<String, byte[]> record, RecordMetadata source) {
        if (batch.getSendPartition() != source.partition() || batch.getCommittedThrough() < 0) {
            unprocessable(record, source, false, DeadLetterReason.INVALID_EVENT.name(), "AckBatch for send partition "
                    + batch.getSendPartition() + " through offset " + batch.getCommittedThrough() + " written to ack partition "
                    + source.partition() + " (a batch must go to the partition numbered like the send partition)");
            return;
        }
        for (DeliveryAck ack : batch.getAcks()) {
            String invalid = EventChecks.checkAck(ack);
            if (invalid != null) {
                unprocessable(record, source, false, DeadLetterReason.INVALID_EVENT.name(), "in an AckBatch by "
                        + batch.getDeliveredBy() + ": " + invalid);
                continue;
            }
            onAck(ack, batch.getCommittedAt().toEpochMilli(), record.timestamp());
        }
        if (sendTracking) {
            onProgress(new ConsumerProgress(batch.getCommittedThrough(), batch.getCommittedAt().toEpochMilli()));
        }
    }

    /**
     * A consumer committed everything below {@code reported.committedThrough()}: every queued delivery below it,
     * still pending after that transaction's acks, was tried and not settled, and is armed. Progress only moves
     * forward (an older report, e.g. after an operator reset the group's offsets, changes nothing).
     */
    private void onProgress(ConsumerProgress reported) {
        if (reported.committedThrough() <= progress.committedThrough()) {
            return;
        }
        List<Bytes> passed = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = queue.range(Bytes.wrap(DeadlineIndex.first()),
                Bytes.wrap(DeadlineIndex.upTo(reported.committedThrough() - 1)))) {
            it.forEachRemaining(entry -> passed.add(entry.key));
        }
        for (Bytes indexKey : passed) {
            String key = DeadlineIndex.deliveryKey(indexKey.get());
            PendingDelivery state = pending.get(key);
            if (state == null || !state.getQueued() || state.getSendOffset() != DeadlineIndex.deadline(indexKey.get())) {
                queue.delete(indexKey); // settled or re-emitted since: a stale entry
                continue;
            }
            remove(key, state);
            put(key, armed(PendingDelivery.newBuilder(state), reported.committedAt()));
        }
        progress = reported;
        progressStore.put(partition, reported.toBytes());
    }

    /** One ack, read from a batch committed at {@code committedAt} (for a lone DeliveryAck, its ackedAt). */
    private void onAck(DeliveryAck ack, long committedAt, long timestamp) {
        String key = CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId());
        PendingDelivery state = pending.get(key);
        long now = context.currentSystemTimeMs();
        ackSeen(ack);
        if (ack.getStatus() == AckStatus.HELD) {
            onHeld(key, state, ack, committedAt, now);
            return;
        }
        if (ack.getStatus() == AckStatus.RETRY) {
            onRetry(key, state, ack, committedAt, now);
            return;
        }
        if (state == null && ack.getDuplicate()) {
            // A consumer's re-ack of a re-emit: the original ack came first on this partition and settled
            // the delivery (or is remembered as early). Nothing to remember.
            return;
        }
        if (state == null) {
            if (sendTracking) {
                rememberEarly(key, ack.getStatus(), now);
            }
            // Without send tracking there is nothing to settle: the delivery was never reported unsettled.
        } else if (state.getEvent() != null) {
            remove(key, state);
            SendEvent event = state.getEvent();
            settle(event, ack.getStatus(), event.getAttempt(), now, timestamp, ack.getReason());
        } else if (state.getEarlyAck() == AckStatus.HELD) {
            remove(key, state); // held, then released, all before this tracker read the send
            rememberEarly(key, ack.getStatus(), now);
        }
        // Otherwise a settling early ack is already remembered: a repeated ack changes nothing.
    }

    /** An ack whose send this tracker has not read yet: remembered until early.ack.retention.ms. */
    private void rememberEarly(String key, AckStatus status, long now) {
        put(key, PendingDelivery.newBuilder().setEarlyAck(status).setDeadline(now + earlyAckRetentionMs)
                .setLastAttemptAt(now).build());
    }

    /**
     * A delivery consumer held the delivery back for order: an earlier message of its conversation is owed.
     * The consumer keeps it and hands it over as soon as the earlier one is delivered, so the tracker only
     * waits: the attempt is marked held (not counted toward max.attempts, not growing the back-off), and its
     * deadline is the held.timeout.ms safety net from the consumer's commit. The ack carries the send event, so
     * the tracker starts tracking it here if it was not already. A consumer that loses the held copy (the
     * partition's next owner restores the hold from the ack topic without it) asks for it back with a RETRY ack
     * ({@link #onRetry}). A HELD ack without event (an older consumer) for a first attempt whose send this
     * tracker has not read yet is remembered like an early ack, so that the send, when it comes, waits for the
     * consumer too. A HELD ack for an older attempt, or a repeated one, changes nothing.
     */
    private void onHeld(String key, PendingDelivery state, DeliveryAck ack, long committedAt, long now) {
        if (state == null || state.getEvent() == null) {
            if (trackFromAck(key, state, ack, true, committedAt, now)) {
                metrics.held();
            } else if (state == null && ack.getAttempt() == 1 && sendTracking) {
                rememberEarly(key, AckStatus.HELD, now);
            }
            return;
        }
        if (state.getHeld() || ack.getAttempt() != state.getEvent().getAttempt()) {
            return;
        }
        remove(key, state);
        PendingDelivery held = armed(PendingDelivery.newBuilder(state).setHeldAttempts(state.getHeldAttempts() + 1)
                .setHeld(true), committedAt);
        put(key, held);
        metrics.held();
        log.debug("messageId={} recipient={} attempt={} held for order by {}; deadline {}", ack.getMessageId(),
                ack.getRecipientId(), ack.getAttempt(), ack.getDeliveredBy(), held.getDeadline());
    }

    /**
     * A RETRY ack: a consumer read the delivery and could not deliver it (RETRY, a Deliverer that failed), in a
     * transaction committed at {@code committedAt}: it is re-emitted one back-off after that commit. The ack
     * carries the send event, so the tracker starts tracking the delivery here if it was not already (without
     * send tracking, this is the only way a delivery gets tracker state). A RETRY without event for a held
     * delivery is a consumer asking for a copy it lost (a partition's new owner restoring an order hold): the
     * same. A RETRY for an older attempt, or for an attempt already armed, changes nothing.
     */
    private void onRetry(String key, PendingDelivery state, DeliveryAck ack, long committedAt, long now) {
        if (state == null || state.getEvent() == null) {
            trackFromAck(key, state, ack, false, committedAt, now);
            return;
        }
        if (ack.getAttempt() != state.getEvent().getAttempt() || !(state.getQueued() || state.getHeld())) {
            return;
        }
        remove(key, state);
        put(key, armed(PendingDelivery.newBuilder(state).setHeld(false), committedAt));
        log.debug("messageId={} recipient={} attempt={}: not delivered by {}, re-emit armed", ack.getMessageId(),
                ack.getRecipientId(), ack.getAttempt(), ack.getDeliveredBy());
    }

    /**
     * Starts tracking a delivery from a consumer's RETRY or HELD ack that carries its send event, armed from the
     * consumer's commit: when there is no state yet, or only an early HELD (send tracking, send not read yet).
     * Returns false, changing nothing, when the ack has no event or a settling early ack is remembered.
     */
    private boolean trackFromAck(String key, PendingDelivery state, DeliveryAck ack, boolean held, long committedAt,
                                 long now) {
        boolean earlyHeld = state != null && state.getEarlyAck() == AckStatus.HELD;
        if (ack.getEvent() == null || !(state == null || earlyHeld)) {
            return false;
        }
        if (earlyHeld) {
            remove(key, state);
        }
        PendingDelivery.Builder fresh = PendingDelivery.newBuilder().setEvent(ack.getEvent()).setLastAttemptAt(now)
                .setSendOffset(-1);
        if (held) {
            fresh.setHeld(true).setHeldAttempts(1);
        }
        put(key, armed(fresh, committedAt));
        return true;
    }

    /** The attempt number the back-off grows with: held attempts were never tried, so they do not count. */
    private static int backoffAttempt(int attempt, int heldAttempts) {
        return Math.max(1, attempt - heldAttempts);
    }

    /** An ack settled the delivery: publish the final status, or dead-letter a rejected message. */
    private void settle(SendEvent event, AckStatus status, int attempts, long now, long timestamp, String reason) {
        if (status == AckStatus.REJECTED) {
            deadLetter(event, DeadLetterReason.REJECTED.name(), "recipient side rejected the message"
                    + (reason == null ? "" : ": " + reason), attempts, now, timestamp);
            return;
        }
        if (settledStatus) {
            DeliveryState state = status == AckStatus.READ ? DeliveryState.READ : DeliveryState.DELIVERED;
            publishStatus(event, state, attempts, now, null, null, null, timestamp);
        }
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }

    /** Any ack, of any delivery, shows the pipeline works: an outage, if there was one, is over. */
    private void ackSeen(DeliveryAck ack) {
        outage.ackSeen();
        if (inOutage) {
            inOutage = false;
            log.info("ack for messageId={} recipient={} arrived: pipeline available again, re-emits count toward "
                    + "max.attempts again (task {})", ack.getMessageId(), ack.getRecipientId(), context.taskId());
        }
    }

    /**
     * One deadline-index entry read by a punctuation, and what it calls for: {@code state} is null for a
     * stale entry (settled or rescheduled since it was indexed); {@code verdict} is null for an early ack.
     */
    private record Due(Bytes indexKey, String key, PendingDelivery state, Verdict verdict) {

        boolean stale() {
            return state == null;
        }

        boolean needsBudget() {
            return verdict == Verdict.REEMIT || verdict == Verdict.REEMIT_UNCOUNTED;
        }
    }

    private void onTick(long now) {
        // Read first, act after: the index is not modified while it is being iterated.
        List<Due> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it =
                     deadlines.range(Bytes.wrap(DeadlineIndex.first()), Bytes.wrap(DeadlineIndex.upTo(now)))) {
            while (it.hasNext() && due.size() < maxDuePerPunctuation) {
                Due next = examine(it.next().key, now);
                if (next.needsBudget() && !budget.tryTake(now)) {
                    // This delivery and all later ones stay indexed as they are, first in line next time.
                    metrics.budgetExhausted();
                    log.debug("re-emit budget spent; due re-emits wait from deadline {} (task {})",
                            next.state().getDeadline(), context.taskId());
                    break;
                }
                due.add(next);
            }
        }
        for (Due entry : due) {
            deadlines.delete(entry.indexKey());
            if (entry.stale()) {
                continue;
            }
            if (entry.verdict() == null) {
                // An ack whose send never came within early.ack.retention.ms: a stray ack. Counted, dropped.
                pending.delete(entry.key());
                metrics.strayAck();
                log.debug("dropped stray ack for {}", entry.key());
                continue;
            }
            onDeadline(entry.key(), entry.state(), entry.verdict(), now);
        }
    }

    /** Looks up the state behind an index entry and, for a pending delivery, decides its verdict. */
    private Due examine(Bytes indexKey, long now) {
        String key = DeadlineIndex.deliveryKey(indexKey.get());
        PendingDelivery state = pending.get(key);
        if (state == null || state.getDeadline() != DeadlineIndex.deadline(indexKey.get())) {
            return new Due(indexKey, key, null, null); // settled or rescheduled: a stale index entry
        }
        SendEvent event = state.getEvent();
        if (event == null) {
            return new Due(indexKey, key, state, null);
        }
        outage.deadlineMissed(key, now);
        boolean unavailable = outage.unavailable(now);
        if (unavailable && !inOutage) {
            inOutage = true;
            log.warn("deliveries keep timing out with no ack at all: pipeline judged unavailable; re-emits no longer "
                    + "count toward max.attempts until an ack arrives (task {})", context.taskId());
        }
        int counted = event.getAttempt() - state.getOutageAttempts() - state.getHeldAttempts();
        return new Due(indexKey, key, state, policy.onDeadline(counted, event.getSentAt().toEpochMilli(), now, unavailable));
    }

    private void onDeadline(String key, PendingDelivery state, Verdict verdict, long now) {
        SendEvent event = state.getEvent();
        int attempt = event.getAttempt();
        remove(key, state); // its deadline entry is gone already; its queue entry, if it was queued, goes too
        switch (verdict) {
            case REEMIT, REEMIT_UNCOUNTED -> {
                boolean duringOutage = verdict == Verdict.REEMIT_UNCOUNTED;
                int outageAttempts = state.getOutageAttempts() + (duringOutage ? 1 : 0);
                SendEvent next = SendEvent.newBuilder(event).setAttempt(attempt + 1).build();
                // The re-emit is queued like any send: its back-off starts when a consumer reports reading it.
                // Until the tracker reads it back its offset is unknown, and only the safety net applies.
                long deadline = queuedDeadline(next, now);
                put(key, PendingDelivery.newBuilder(state).setEvent(next).setDeadline(deadline).setLastAttemptAt(now)
                        .setOutageAttempts(outageAttempts).setHeld(false).setQueued(true).setSendOffset(-1).build());
                if (state.getQueued()) {
                    metrics.queuedTimeout();
                    log.info("re-emitting messageId={} recipient={} attempt={}: no delivery consumer reported reading it "
                            + "within queued.timeout.ms ({} ms)", event.getMessageId(), event.getRecipientId(), attempt,
                            queuedTimeoutMs);
                }
                context.forward(new Record<String, SpecificRecord>(next.getRecipientId(), next, now),
                        TrackerTopology.REEMIT_SINK);
                publishStatus(next, DeliveryState.PENDING, attempt + 1, now, deadline, state.getDeadline(), null, now);
                metrics.reemitted(duringOutage);
                log.debug("re-emitted messageId={} recipient={} attempt={} counted={}", event.getMessageId(),
                        event.getRecipientId(), attempt + 1, !duringOutage);
            }
            case DEAD_LETTER_MAX_ATTEMPTS -> {
                int outageAttempts = state.getOutageAttempts();
                deadLetter(event, DeadLetterReason.MAX_ATTEMPTS.name(), "no ack after " + attempt + " attempts" + (outageAttempts == 0 ? ""
                        : " (" + (attempt - outageAttempts) + " counted toward max.attempts, " + outageAttempts
                        + " made while the pipeline was unavailable)"), attempt, now, now);
            }
            case DEAD_LETTER_EXPIRED -> {
                deadLetter(event, DeadLetterReason.EXPIRED.name(), "not delivered within its time-to-live of " + policy.ttlMs()
                        + " ms (sent at " + event.getSentAt() + ")", attempt, now, now);
            }
        }
    }

    /** Stores new state for {@code key} and indexes it; any earlier index entry is gone already. */
    private void put(String key, PendingDelivery state) {
        pending.put(key, state);
        index(key, state);
    }

    /** Whether {@code state} has a place in the queue index: send tracking, queued, its send offset known. */
    private boolean inQueue(PendingDelivery state) {
        return sendTracking && state.getQueued() && state.getSendOffset() >= 0;
    }

    /** Its deadline, and for a queued delivery whose send offset is known, its place in the queue. */
    private void index(String key, PendingDelivery state) {
        deadlines.put(Bytes.wrap(DeadlineIndex.key(state.getDeadline(), key)), PRESENT);
        if (inQueue(state)) {
            queue.put(Bytes.wrap(DeadlineIndex.key(state.getSendOffset(), key)), PRESENT);
        }
    }

    private void remove(String key, PendingDelivery state) {
        pending.delete(key);
        deadlines.delete(Bytes.wrap(DeadlineIndex.key(state.getDeadline(), key)));
        if (inQueue(state)) {
            queue.delete(Bytes.wrap(DeadlineIndex.key(state.getSendOffset(), key)));
        }
    }

    private void publishStatus(SendEvent event, DeliveryState state, int attempts, long now, Long nextDeadline,
                               Long missedDeadline, String reason, long timestamp) {
        DeliveryStatus status = DeliveryStatus.newBuilder()
                .setMessageId(event.getMessageId())
                .setRecipientId(event.getRecipientId())
                .setState(state)
                .setAttempts(attempts)
                .setFirstAttemptAt(event.getSentAt())
                .setLastAttemptAt(Instant.ofEpochMilli(now))
                .setNextDeadline(nextDeadline == null ? null : Instant.ofEpochMilli(nextDeadline))
                .setUpdatedAt(Instant.ofEpochMilli(now))
                .setReason(reason)
                .setMissedDeadline(missedDeadline == null ? null : Instant.ofEpochMilli(missedDeadline))
                .build();
        context.forward(new Record<String, SpecificRecord>(
                CourierTopics.deliveryKey(event.getMessageId(), event.getRecipientId()), status, timestamp),
                TrackerTopology.STATUS_SINK);
    }

    private void deadLetter(SendEvent event, String reasonCode, String reasonText, int attempts, long now,
                            long timestamp) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setEvent(event)
                .setReasonCode(reasonCode)
                .setReasonText(reasonText)
                .setMessageId(event.getMessageId())
                .setRecipientId(event.getRecipientId())
                .setAttempts(attempts)
                .setFirstAttemptAt(event.getSentAt())
                .setLastAttemptAt(Instant.ofEpochMilli(now))
                .setOriginalTopic(topics.send())
                .setDeadLetteredAt(Instant.ofEpochMilli(now))
                .build();
        context.forward(new Record<String, SpecificRecord>(event.getRecipientId(), letter, timestamp),
                TrackerTopology.DEAD_LETTER_SINK);
        metrics.deadLettered(reasonCode);
        publishStatus(event, DeliveryState.DEAD_LETTERED, attempts, now, null, null, reasonCode, timestamp);
        log.info("dead-lettered messageId={} recipient={} reason={} attempts={}", event.getMessageId(),
                event.getRecipientId(), reasonCode, attempts);
    }

    /**
     * A record the tracker cannot use. A poison send event is the delivery consumers' to dead-letter (they
     * own the send topic's hand-off and do it in their transaction), so here it is only logged: one
     * dead letter per poison record, not two. A poison ack is dead-lettered here, its only reader.
     */
    private void unprocessable(Record<String, byte[]> record, RecordMetadata source, boolean isSend,
                               String reasonCode, String reasonText) {
        if (isSend && !DeadLetterReason.UNKNOWN_SCHEMA_ID.name().equals(reasonCode)) {
            log.warn("skipped unprocessable send record topic={} partition={} offset={} reason={}: {}",
                    source.topic(), source.partition(), source.offset(), reasonCode, reasonText);
            return;
        }
        // An ack; or a send whose schema id the registry denies past its grace: the one poison reason a delivery
        // consumer may not share (its cache can hold a schema since deleted), so the tracker does not count on it.
        long now = context.currentSystemTimeMs();
        DeadLetter.Builder letter = DeadLetter.newBuilder()
                .setReasonCode(reasonCode)
                .setOriginalTopic(source.topic())
                .setOriginalPartition(source.partition())
                .setOriginalOffset(source.offset())
                .setDeadLetteredAt(Instant.ofEpochMilli(now));
        context.forward(new Record<String, SpecificRecord>(record.key(), DeadLetterSize.fit(letter, null,
                        record.value(), reasonText, DeadLetterSize.DEFAULT_MAX_REQUEST_BYTES), record.timestamp()),
                TrackerTopology.DEAD_LETTER_SINK);
        metrics.deadLettered(reasonCode);
        log.warn("dead-lettered unprocessable record topic={} partition={} offset={} reason={}: {}",
                source.topic(), source.partition(), source.offset(), reasonCode, reasonText);
    }
}
