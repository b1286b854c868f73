package dev.courier.consumer;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds {@link DeliveredSet}s from the ack topic, the ledger of what was delivered: for each ack
 * partition, reads (read_committed, {@code assign()}, no group) from the first offset at or after
 * {@code now - window} up to the end offset sampled at the start (for read_committed, the last stable
 * offset). Only committed acks are seen, so an ack from an aborted or still-open transaction never
 * suppresses a delivery. Each record is an {@link AckBatch} (one per consumer transaction and partition) or,
 * written before batches existed, a single {@link DeliveryAck}; both count, expanded by
 * {@link AckTopicValue#acks}, in record order then list order (the order they were handled in). Only
 * settling acks (DELIVERED, READ, REJECTED) de-duplicate; a RETRY or HELD ack with a seq is an order hold,
 * one without a seq is nothing here.
 */
final class AckLedgerReader {

    private static final Logger log = LoggerFactory.getLogger(AckLedgerReader.class);

    private final Supplier<Consumer<String, byte[]>> readerFactory;
    private final Deserializer<SpecificRecord> ackDeserializer; // the ack topic's union [DeliveryAck, AckBatch]
    private final String ackTopic;
    private final long windowMs;
    private final int maxEntries;
    private final long timeoutMs;
    private final LongSupplier clockMs;
    private final long holdWindowMs;

    /**
     * What the ledger says about a set of partitions: per partition, the deliveries acked (de-duplication),
     * and the HELD and RETRY acks not settled since and younger than {@code order.hold.max.ms} (the order
     * holds in force when the previous owner stopped).
     */
    record Ledger(Map<Integer, DeliveredSet> delivered, Map<Integer, List<DeliveryAck>> holds) {
    }

    AckLedgerReader(Supplier<Consumer<String, byte[]>> readerFactory, Deserializer<SpecificRecord> ackDeserializer,
                    String ackTopic, long windowMs, int maxEntries, long timeoutMs, long holdWindowMs,
                    LongSupplier clockMs) {
        this.holdWindowMs = holdWindowMs;
        this.readerFactory = readerFactory;
        this.ackDeserializer = ackDeserializer;
        this.ackTopic = ackTopic;
        this.windowMs = windowMs;
        this.maxEntries = maxEntries;
        this.timeoutMs = timeoutMs;
        this.clockMs = clockMs;
    }

    /**
     * Reads the given ack partitions back.
     *
     * @throws TimeoutException if the end is not reached within {@code dedupe.rebuild.timeout.ms}
     * @throws SchemaRegistryException if the registry is unreachable (transient): retry later
     */
    Ledger rebuild(Set<Integer> partitions) {
        Map<Integer, DeliveredSet> sets = new HashMap<>();
        Map<Integer, Map<String, DeliveryAck>> held = new HashMap<>();
        if (partitions.isEmpty()) {
            return new Ledger(sets, Map.of());
        }
        long started = clockMs.getAsLong();
        long from = started - windowMs;
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            tps.add(new TopicPartition(ackTopic, p));
            sets.put(p, new DeliveredSet(windowMs, maxEntries));
            held.put(p, new LinkedHashMap<>());
        }
        try (Consumer<String, byte[]> reader = readerFactory.get()) {
            Duration timeout = Duration.ofMillis(timeoutMs);
            reader.assign(tps);
            Map<TopicPartition, Long> query = new HashMap<>();
            tps.forEach(tp -> query.put(tp, from));
            Map<TopicPartition, OffsetAndTimestamp> starts = reader.offsetsForTimes(query, timeout);
            Map<TopicPartition, Long> ends = reader.endOffsets(tps, timeout);
            Set<TopicPartition> remaining = new HashSet<>();
            for (TopicPartition tp : tps) {
                OffsetAndTimestamp start = starts.get(tp);
                long end = ends.getOrDefault(tp, 0L);
                long startOffset = start == null ? end : start.offset();
                reader.seek(tp, startOffset);
                if (startOffset < end) {
                    remaining.add(tp);
                }
            }
            long loaded = 0;
            long deadline = started + timeoutMs;
            while (!remaining.isEmpty()) {
                if (clockMs.getAsLong() > deadline) {
                    throw new TimeoutException("reading " + remaining + " back for de-duplication took over "
                            + timeoutMs + " ms");
                }
                for (ConsumerRecord<String, byte[]> rec : reader.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
                    if (rec.offset() >= ends.get(tp)) {
                        continue;
                    }
                    for (DeliveryAck ack : decode(rec)) {
                        String key = CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId());
                        if (EventChecks.settles(ack.getStatus())) {
                            sets.get(rec.partition()).recordCommitted(ack.getMessageId(), ack.getRecipientId(),
                                    new DeliveredSet.Entry(ack.getStatus(), ack.getReason(), ack.getAckedAt().toEpochMilli()));
                            held.get(rec.partition()).remove(key);
                            loaded++;
                        } else if (ack.getSeq() != null && ack.getConversationId() != null) {
                            // HELD or RETRY with a seq: owed, an order hold. Its send event (payload) is not
                            // needed to restore the hold, so it is not kept.
                            ack.setEvent(null);
                            held.get(rec.partition()).put(key, ack);
                        }
                    }
                }
                remaining.removeIf(tp -> reader.position(tp) >= ends.get(tp));
            }
            long now = clockMs.getAsLong();
            sets.values().forEach(s -> s.expire(now));
            Map<Integer, List<DeliveryAck>> holds = new HashMap<>();
            held.forEach((p, acks) -> holds.put(p, acks.values().stream()
                    .filter(a -> a.getAckedAt().toEpochMilli() >= now - holdWindowMs).toList()));
            log.info("De-duplication rebuilt from {} partitions {}: {} acks in window {} ms, read in {} ms",
                    ackTopic, partitions, loaded, windowMs, now - started);
            return new Ledger(sets, holds);
        }
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
