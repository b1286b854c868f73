package dev.courier.consumer;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ack partitions back into their {@link LedgerProgress}, the ledger of what was delivered: each from where
 * its last read-back stopped (or, the first time, from the first offset at or after {@code now - window}; never
 * from before that) up to the end offset sampled when the slice starts (for read_committed, the last stable
 * offset), with {@code assign()}, no group, read_committed. Only committed acks are seen, so an ack from an
 * aborted or still-open transaction never suppresses a delivery. Each record is an {@link AckBatch} (one per
 * consumer transaction and partition) or, written before batches existed, a single {@link DeliveryAck}; both
 * count, expanded by {@link AckTopicValue#acks}, in record order then list order (the order they were handled
 * in). Only settling acks (DELIVERED, READ, REJECTED) de-duplicate; a RETRY or HELD ack with a seq is an order
 * hold, one without a seq is nothing here.
 *
 * <p>A read-back is cut in slices of at most {@code dedupe.rebuild.slice.ms}, so the consumer's loop keeps
 * polling (and processing the partitions that are caught up) while a long one goes on; a slice cut short, or
 * one that failed, loses nothing read. The reading consumer is kept between slices and closed with this object.
 */
final class AckLedgerReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AckLedgerReader.class);
    /** Bound of the offset look-ups that start a slice (a broker may be down: the slice fails, the next retries). */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<Consumer<String, byte[]>> readerFactory;
    private final Deserializer<SpecificRecord> ackDeserializer; // the ack topic's union [DeliveryAck, AckBatch]
    private final String ackTopic;
    private final long windowMs;
    private final long sliceMs;
    private final LongSupplier clockMs;
    private Consumer<String, byte[]> reader;

    AckLedgerReader(Supplier<Consumer<String, byte[]>> readerFactory, Deserializer<SpecificRecord> ackDeserializer,
                    String ackTopic, long windowMs, long sliceMs, LongSupplier clockMs) {
        this.readerFactory = readerFactory;
        this.ackDeserializer = ackDeserializer;
        this.ackTopic = ackTopic;
        this.windowMs = windowMs;
        this.sliceMs = sliceMs;
        this.clockMs = clockMs;
    }

    /**
     * Reads the given ack partitions on from where each stopped, for at most one slice, and returns those that
     * reached the end (each marked {@link LedgerProgress#caughtUp}, with its figures). The others stay behind,
     * with what was read kept, for the next slice.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException if the offsets cannot be looked up in time
     * @throws SchemaRegistryException if the registry is unreachable (transient): retry later
     */
    Map<Integer, LedgerProgress.ReadBack> readSlice(Map<Integer, LedgerProgress> partitions) {
        Map<Integer, LedgerProgress.ReadBack> done = new HashMap<>();
        if (partitions.isEmpty()) {
            return done;
        }
        long started = clockMs.getAsLong();
        Map<TopicPartition, LedgerProgress> tps = new HashMap<>();
        Map<TopicPartition, Long> query = new HashMap<>(); // where the window starts, at a read-back's first slice
        partitions.forEach((p, progress) -> {
            TopicPartition tp = new TopicPartition(ackTopic, p);
            tps.put(tp, progress);
            if (progress.readingAt(started) || progress.nextOffset().isEmpty()) {
                query.put(tp, started - windowMs);
            }
        });
        boolean completed = false;
        try {
            Consumer<String, byte[]> reader = reader();
            Map<TopicPartition, OffsetAndTimestamp> windowStarts = query.isEmpty() ? Map.of()
                    : reader.offsetsForTimes(query, LOOKUP_TIMEOUT);
            Map<TopicPartition, Long> ends = reader.endOffsets(tps.keySet(), LOOKUP_TIMEOUT);
            Set<TopicPartition> remaining = new HashSet<>();
            for (var e : tps.entrySet()) {
                TopicPartition tp = e.getKey();
                LedgerProgress progress = e.getValue();
                long end = ends.getOrDefault(tp, 0L);
                if (query.containsKey(tp)) {
                    // acks older than the window would be expired at once: never read them
                    OffsetAndTimestamp windowStart = windowStarts.get(tp);
                    progress.advanceTo(windowStart == null ? end : windowStart.offset());
                }
                long from = progress.nextOffset().orElseThrow();
                if (from < end) {
                    remaining.add(tp);
                }
            }
            reader.assign(remaining);
            remaining.forEach(tp -> reader.seek(tp, tps.get(tp).nextOffset().orElseThrow()));
            long deadline = started + sliceMs;
            // at least one poll per slice, however long the look-ups took: every slice makes progress
            for (boolean first = true; !remaining.isEmpty() && (first || clockMs.getAsLong() < deadline); first = false) {
                for (ConsumerRecord<String, byte[]> rec : reader.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
                    if (remaining.contains(tp) && rec.offset() < ends.get(tp)) {
                        tps.get(tp).apply(rec.offset(), decode(rec));
                    }
                }
                for (Iterator<TopicPartition> it = remaining.iterator(); it.hasNext(); ) {
                    TopicPartition tp = it.next();
                    long position = Math.min(reader.position(tp), ends.get(tp)); // markers and aborted records too
                    tps.get(tp).advanceTo(position);
                    if (position >= ends.get(tp)) {
                        it.remove();
                    }
                }
            }
            long now = clockMs.getAsLong();
            for (var e : tps.entrySet()) {
                if (!remaining.contains(e.getKey())) {
                    done.put(e.getKey().partition(), e.getValue().caughtUp(now));
                } else {
                    e.getValue().expire(now);
                }
            }
            completed = true;
            return done;
        } finally {
            if (!completed) {
                closeReader(); // in an unknown state: the next slice starts with a new one
            }
        }
    }

    private Consumer<String, byte[]> reader() {
        if (reader == null) {
            reader = readerFactory.get();
        }
        return reader;
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (RuntimeException e) {
                log.warn("Closing the ack-topic reader failed: {}", e.toString());
            }
            reader = null;
        }
    }

    @Override
    public void close() {
        closeReader();
    }

    /** The acks one ack-topic record carries; none if it is unreadable (skipped, logged). */
    private List<DeliveryAck> decode(ConsumerRecord<String, byte[]> rec) {
        SpecificRecord value;
        try {
            value = ackDeserializer.deserialize(rec.topic(), rec.value());
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (SerializationException e) {
            log.warn("Skipping unreadable ack at {}-{}@{}: {}", rec.topic(), rec.partition(), rec.offset(), e.getMessage());
            return List.of();
        }
        if (value == null) {
            log.warn("Skipping ack record without a value at {}-{}@{}", rec.topic(), rec.partition(), rec.offset());
            return List.of();
        }
        return AckTopicValue.acks(value);
    }
}
