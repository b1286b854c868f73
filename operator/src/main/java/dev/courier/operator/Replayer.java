package dev.courier.operator;

import dev.courier.schemas.EventChecks;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one replay: reads a range of a topic of send events and writes the records that pass the filter and
 * the loop guard to the send topic, with the {@code courier.replay.*} headers, or only counts them (dry run).
 *
 * <p>Sending is transactional (one transaction per checkpoint interval, {@code transactional.id} from the
 * replay id), and the checkpoint file is written after each commit. A file cannot be written atomically with
 * Kafka, so an interrupted run may have committed records past its checkpoint: a resume first initialises the
 * same transactional id, which aborts the interrupted run's open transaction (or completes its commit), then
 * reads back what this replay id committed past the checkpoint and skips exactly those. Nothing is sent twice,
 * nothing skipped, whatever the moment of the crash.
 */
public final class Replayer {

    /** Told how far the replay is, at most a few times a second and once at the end. */
    @FunctionalInterface
    public interface Listener {
        void progress(long done, long total);
    }

    static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);
    static final int CHECKPOINT_RECORDS = 1_000;
    private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(250);
    private static final Logger log = LoggerFactory.getLogger(Replayer.class);

    private final Connection connection;

    public Replayer(Connection connection) {
        this.connection = connection;
    }

    public ReplayReport run(ReplayOptions options, Listener listener) throws InterruptedException {
        String target = connection.topics().send();
        String source = options.sourceTopic() == null ? target : options.sourceTopic();
        try (Admin admin = connection.admin()) {
            connection.requireTopics(admin, List.of(source, target));
        }
        Optional<ReplayCheckpoint> resume = options.checkpoint() == null ? Optional.empty()
                : ReplayCheckpoint.load(options.checkpoint());
        resume.filter(c -> !c.sourceTopic().equals(source)).ifPresent(c -> {
            throw new IllegalArgumentException("--checkpoint " + options.checkpoint() + " is of a replay of "
                    + c.sourceTopic() + ", not " + source);
        });
        String replayId = resume.map(ReplayCheckpoint::replayId).orElseGet(() -> UUID.randomUUID().toString());
        try (SchemaRegistryClient registry = connection.registry();
             KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(connection.readerProperties())) {
            Map<Integer, Long> next = new TreeMap<>();
            Map<Integer, Long> end = new TreeMap<>();
            if (resume.isPresent()) {
                next.putAll(resume.get().next());
                end.putAll(resume.get().end());
            } else {
                resolve(reader, source, options.range(), next, end);
            }
            Run run = new Run(options, source, target, replayId, resume, registry, reader, next, end, listener);
            return run.execute();
        }
    }

    /** The range's span of every partition of {@code topic}: the first offset to read and the end. */
    private static void resolve(KafkaConsumer<byte[], byte[]> reader, String topic, ReplayRange range,
                                Map<Integer, Long> next, Map<Integer, Long> end) {
        int count = reader.partitionsFor(topic).size();
        List<TopicPartition> tps = range.partitions(topic, count).stream().map(p -> new TopicPartition(topic, p)).toList();
        Map<TopicPartition, Long> beginning = reader.beginningOffsets(tps);
        Map<TopicPartition, Long> last = reader.endOffsets(tps);
        ReplayRange.TimeIndex index = (partition, time) -> {
            OffsetAndTimestamp found = reader.offsetsForTimes(Map.of(new TopicPartition(topic, partition), time.toEpochMilli()))
                    .get(new TopicPartition(topic, partition));
            return found == null ? null : found.offset();
        };
        for (TopicPartition tp : tps) {
            ReplayRange.Span span = range.span(tp.partition(), beginning.get(tp), last.get(tp), index);
            next.put(tp.partition(), span.start());
            end.put(tp.partition(), span.end());
        }
    }

    /** One run's state: positions, counts, the open transaction. */
    private final class Run {
        final ReplayOptions options;
        final String source;
        final String target;
        final String replayId;
        final Optional<ReplayCheckpoint> resume;
        final Deserializer<SendEvent> events;
        final KafkaConsumer<byte[], byte[]> reader;
        final Map<Integer, Long> next;
        final Map<Integer, Long> end;
        final Map<Integer, Long> start;
        final Listener listener;
        final ReplayPacer pacer;
        /** Per target partition, the offset after the last record this run wrote (from the send callbacks). */
        final Map<Integer, Long> targetNext = new ConcurrentHashMap<>();
        final List<ReplayReport.Sample> sample = new ArrayList<>();
        KafkaProducer<byte[], byte[]> producer;
        Set<String> alreadySentSources = Set.of();
        long read, wouldSend, sent, alreadySent, skippedByFilter, skippedReemits, skippedByLoopGuard, undecodable;
        int inTransaction;
        boolean transactionOpen;
        long lastCheckpointNanos = System.nanoTime();
        long lastProgressNanos;
        long firstSendNanos, lastSendNanos;

        Run(ReplayOptions options, String source, String target, String replayId, Optional<ReplayCheckpoint> resume,
            SchemaRegistryClient registry, KafkaConsumer<byte[], byte[]> reader, Map<Integer, Long> next,
            Map<Integer, Long> end, Listener listener) {
            this.options = options;
            this.source = source;
            this.target = target;
            this.replayId = replayId;
            this.resume = resume;
            this.events = CourierSerdes.value(SendEvent.class, registry).deserializer();
            this.reader = reader;
            this.next = next;
            this.end = end;
            this.start = new HashMap<>(next);
            this.listener = listener;
            this.pacer = options.execute() && options.ratePerSecond() != null ? new ReplayPacer(options.ratePerSecond()) : null;
        }

        ReplayReport execute() throws InterruptedException {
            long began = System.nanoTime();
            log.info("Replay {} of {} to {}: {} ({} records in range{})", replayId, source, target,
                    options.execute() ? "executing" : "dry run", total(), resume.isPresent() ? ", resumed" : "");
            try {
                if (options.execute()) {
                    startProducer();
                }
                readRange();
                if (options.execute()) {
                    checkpoint();
                }
            } catch (RuntimeException | InterruptedException e) {
                abortQuietly();
                throw e;
            } finally {
                if (producer != null) {
                    producer.close(Duration.ofSeconds(5));
                }
            }
            listener.progress(done(), total());
            double seconds = (System.nanoTime() - began) / 1e9;
            double rate = sent > 1 ? (sent - 1) / ((lastSendNanos - firstSendNanos) / 1e9) : 0;
            ReplayReport report = new ReplayReport(replayId, source, target, !options.execute(), resume.isPresent(), read,
                    wouldSend, sent, alreadySent, skippedByFilter, skippedReemits, skippedByLoopGuard, undecodable,
                    Math.round(rate * 10) / 10.0, Math.round(seconds * 10) / 10.0, List.copyOf(sample));
            log.debug("Replay {} done: {}", replayId, report);
            return report;
        }

        void startProducer() {
            Properties props = connection.writerProperties();
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "courier-replay-" + replayId);
            producer = new KafkaProducer<>(props);
            producer.initTransactions(); // fences an interrupted run of this replay, resolving its last transaction
            if (resume.isPresent()) {
                alreadySentSources = AlreadyReplayed.find(connection, target, replayId, resume.get().targetFrom());
                log.info("Replay {} resumed: {} records committed after the checkpoint will not be sent again",
                        replayId, alreadySentSources.size());
                targetNext.putAll(resume.get().targetFrom());
            } else {
                List<TopicPartition> tps = reader.partitionsFor(target).stream()
                        .map(p -> new TopicPartition(target, p.partition())).toList();
                reader.endOffsets(tps).forEach((tp, offset) -> targetNext.put(tp.partition(), offset));
            }
        }

        void readRange() throws InterruptedException {
            List<TopicPartition> open = new ArrayList<>();
            next.forEach((p, offset) -> {
                if (offset < end.get(p)) {
                    open.add(new TopicPartition(source, p));
                }
            });
            reader.assign(open);
            open.forEach(tp -> reader.seek(tp, next.get(tp.partition())));
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> rec : reader.poll(Duration.ofMillis(200))) {
                    if (rec.offset() >= next.get(rec.partition()) && rec.offset() < end.get(rec.partition())) {
                        handle(rec);
                        next.put(rec.partition(), rec.offset() + 1);
                        checkpointIfDue();
                    }
                }
                for (TopicPartition tp : List.copyOf(open)) {
                    long position = reader.position(tp);
                    int p = tp.partition();
                    next.put(p, Math.max(next.get(p), Math.min(position, end.get(p))));
                    if (position >= end.get(p)) {
                        open.remove(tp);
                        reader.pause(List.of(tp));
                    }
                }
                checkpointIfDue();
                if (System.nanoTime() - lastProgressNanos >= PROGRESS_INTERVAL.toNanos()) {
                    listener.progress(done(), total());
                    lastProgressNanos = System.nanoTime();
                }
            }
        }

        void handle(ConsumerRecord<byte[], byte[]> rec) throws InterruptedException {
            read++;
            String coordinates = CopyHeaders.coordinates(rec.topic(), rec.partition(), rec.offset());
            SendEvent event = decode(rec, coordinates);
            if (event == null) {
                undecodable++;
                return;
            }
            if (!options.filter().matches(event)) {
                skippedByFilter++;
                return;
            }
            if (event.getAttempt() > 1) {
                // The tracker's re-emit: a copy of the message's own earlier record, which a replay already sends
                // (or which lies before the range, where the message was published). One copy per message.
                skippedReemits++;
                return;
            }
            int count = CopyHeaders.count(rec.headers());
            if (!options.loopGuard().allows(count)) {
                skippedByLoopGuard++;
                log.debug("Loop guard: {} messageId={} was replayed {} times already", coordinates, event.getMessageId(), count);
                return;
            }
            wouldSend++;
            if (sample.size() < options.sampleSize()) {
                sample.add(new ReplayReport.Sample(event.getMessageId(), event.getRecipientId(), event.getConversationId(),
                        event.getSenderId(), event.getSeq(), event.getSentAt().toString(), coordinates, count));
            }
            if (!options.execute()) {
                return;
            }
            if (alreadySentSources.contains(coordinates)) {
                alreadySent++;
                return;
            }
            if (pacer != null) {
                pacer.acquire();
            }
            send(rec, event, coordinates, count);
        }

        SendEvent decode(ConsumerRecord<byte[], byte[]> rec, String coordinates) {
            try {
                SendEvent event = events.deserialize(rec.topic(), rec.value());
                String invalid = EventChecks.checkSend(event);
                if (invalid != null) {
                    log.warn("Skipping {}: not a valid send event ({})", coordinates, invalid);
                    return null;
                }
                return event;
            } catch (SchemaRegistryException e) {
                throw new EnvironmentUnavailableException("the schema registry at " + connection.registryUrl()
                        + " did not answer while decoding " + coordinates + ": " + e.getMessage(), e);
            } catch (SerializationException e) {
                log.warn("Skipping {}: undecodable ({})", coordinates, e.getMessage());
                return null;
            }
        }

        void send(ConsumerRecord<byte[], byte[]> rec, SendEvent event, String coordinates, int count) {
            RecordHeaders headers = new RecordHeaders();
            for (Header h : rec.headers()) {
                if (!h.key().startsWith("courier.replay.")) {
                    headers.add(h);
                }
            }
            String origin = CopyHeaders.text(rec.headers(), CopyHeaders.ORIGIN);
            headers.add(CopyHeaders.ID, utf8(replayId));
            headers.add(CopyHeaders.COUNT, utf8(String.valueOf(count + 1)));
            headers.add(CopyHeaders.ORIGIN, utf8(origin != null ? origin : coordinates));
            headers.add(CopyHeaders.SOURCE, utf8(coordinates));
            if (options.redeliver()) {
                headers.add(CopyHeaders.REDELIVER, utf8("true"));
            }
            if (!transactionOpen) {
                producer.beginTransaction();
                transactionOpen = true;
            }
            producer.send(new ProducerRecord<>(target, null, null, utf8(event.getRecipientId()), rec.value(), headers),
                    (metadata, e) -> {
                        if (e == null) {
                            targetNext.merge(metadata.partition(), metadata.offset() + 1, Math::max);
                        }
                    });
            inTransaction++;
            sent++;
            lastSendNanos = System.nanoTime();
            if (sent == 1) {
                firstSendNanos = lastSendNanos;
            }
        }

        void checkpointIfDue() {
            if (options.execute() && (inTransaction >= CHECKPOINT_RECORDS
                    || System.nanoTime() - lastCheckpointNanos >= CHECKPOINT_INTERVAL.toNanos())) {
                checkpoint();
            }
        }

        /** Commits the open transaction (acks=all: every record in it acknowledged), then saves the positions. */
        void checkpoint() {
            if (transactionOpen) {
                producer.commitTransaction();
                transactionOpen = false;
                inTransaction = 0;
            }
            if (options.checkpoint() != null) {
                new ReplayCheckpoint(replayId, source, next, end, targetNext).save(options.checkpoint());
            }
            lastCheckpointNanos = System.nanoTime();
        }

        void abortQuietly() {
            if (transactionOpen) {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException e) {
                    log.warn("Aborting replay {}'s open transaction failed: {}", replayId, e.toString());
                }
            }
        }

        long total() {
            return end.entrySet().stream().mapToLong(e -> e.getValue() - start.getOrDefault(e.getKey(), e.getValue())).sum();
        }

        long done() {
            return next.entrySet().stream().mapToLong(e -> e.getValue() - start.get(e.getKey())).sum();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
