package dev.courier.harness;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back, read_committed, everything the pipeline wrote: acks (what the application committed as
 * delivered), dead letters, and re-emits on the send topic, judged against how far the consumers had read
 * ({@link UnreadReemits}). It is the demo's and chaos run's independent view of the outcome; the verdict
 * compares it with the producer's ledger, not with any component's counters.
 */
final class DeliveryObserver implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryObserver.class);

    /** First committed, non-duplicate ack per delivery key: when the application got it. */
    private final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
    /** Committed non-duplicate acks per delivery key; more than one is a duplicate seen by the application. */
    private final Map<String, Integer> appDeliveries = new ConcurrentHashMap<>();
    private final Map<String, String> deadLettered = new ConcurrentHashMap<>();
    /** Every dead letter by reason code, poison records (no delivery key) included. */
    private final Map<String, AtomicLong> deadLettersByReason = new ConcurrentHashMap<>();
    /** "topic/partition/offset" of every dead-lettered record whose origin is known, to its reason code. */
    private final Map<String, String> deadLetteredOrigins = new ConcurrentHashMap<>();
    private final AtomicLong reemits = new AtomicLong();
    private final AtomicLong duplicateAcks = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    /** Every send record and AckBatch, for {@code reemits_of_unread}. */
    private final UnreadReemits unreadReemits = new UnreadReemits();
    /** Each partition's position as of the reading thread's last poll, for {@link #awaitRead}. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final List<TopicPartition> partitions = new ArrayList<>();

    private final CourierTopics topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<SpecificRecord> ackValues;
    private final Deserializer<DeadLetter> deadLetters;
    private final Deserializer<SendEvent> sends;
    private volatile boolean running = true;
    private final CountDownLatch stopped = new CountDownLatch(1);

    DeliveryObserver(String bootstrapServers, SchemaRegistryClient registry, CourierTopics topics) {
        this(bootstrapServers, Map.of(), registry, topics);
    }

    /** @param clientProperties Kafka client settings (security) of the observer's consumer */
    DeliveryObserver(String bootstrapServers, Map<String, ?> clientProperties, SchemaRegistryClient registry,
                     CourierTopics topics) {
        this.topics = topics;
        this.ackValues = CourierSerdes.ackValue(registry).deserializer();
        this.deadLetters = CourierSerdes.value(DeadLetter.class, registry).deserializer();
        this.sends = CourierSerdes.value(SendEvent.class, registry).deserializer();
        Map<String, Object> props = new java.util.HashMap<>(clientProperties);
        props.putAll(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        for (String topic : List.of(topics.send(), topics.ack(), topics.deadLetter())) {
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @Override
    public void run() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(200));
                boolean registryDown = false;
                for (TopicPartition tp : batch.partitions()) {
                    for (ConsumerRecord<String, byte[]> record : batch.records(tp)) {
                        try {
                            observe(record);
                        } catch (SerializationException e) {
                            // Poison records (the consumers dead-letter them) are expected: counted, not logged loud.
                            unreadable.incrementAndGet();
                            log.debug("observer could not read topic={} partition={} offset={}: {}", record.topic(),
                                    record.partition(), record.offset(), e.getMessage());
                        } catch (SchemaRegistryException e) {
                            // The registry is down (a chaos fault): read the partition on from here once it is back.
                            log.debug("observer waits for the schema registry at {}@{}: {}", tp, record.offset(), e.getMessage());
                            consumer.seek(tp, record.offset());
                            registryDown = true;
                            break;
                        }
                    }
                }
                if (registryDown) {
                    Thread.sleep(500);
                }
                publishPositions();
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("the delivery observer stopped: the run's counts freeze here", e);
            throw e;
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    /** For {@link #awaitRead}; a position not known yet (its leader unavailable) is left for a later poll. */
    private void publishPositions() {
        for (TopicPartition tp : partitions) {
            try {
                positions.put(tp, consumer.position(tp, Duration.ZERO));
            } catch (TimeoutException e) {
                // not known yet
            }
        }
    }

    private void observe(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(topics.ack())) {
            // An AckBatch (one consumer transaction's acks for one partition) or a lone DeliveryAck.
            SpecificRecord value = ackValues.deserialize(record.topic(), record.value());
            unreadReemits.acked(record.partition(), value);
            for (DeliveryAck ack : AckTopicValue.acks(value)) {
                observeAck(ack);
            }
        } else if (record.topic().equals(topics.deadLetter())) {
            DeadLetter letter = deadLetters.deserialize(record.topic(), record.value());
            deadLettersByReason.computeIfAbsent(letter.getReasonCode(), r -> new AtomicLong()).incrementAndGet();
            if (letter.getOriginalOffset() != null) {
                deadLetteredOrigins.putIfAbsent(origin(letter.getOriginalTopic(), letter.getOriginalPartition(),
                        letter.getOriginalOffset()), letter.getReasonCode());
            }
            if (letter.getMessageId() != null && letter.getRecipientId() != null) {
                deadLettered.put(CourierTopics.deliveryKey(letter.getMessageId(), letter.getRecipientId()),
                        letter.getReasonCode());
            }
        } else {
            SendEvent event = sends.deserialize(record.topic(), record.value());
            unreadReemits.sent(record.partition(), record.offset(), record.timestamp(), event);
            if (event.getAttempt() > 1) {
                reemits.incrementAndGet();
            }
        }
    }

    private void observeAck(DeliveryAck ack) {
        if (ack.getDuplicate()) {
            duplicateAcks.incrementAndGet();
        } else if (EventChecks.settles(ack.getStatus()) && ack.getStatus() != AckStatus.REJECTED) {
            String key = CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId());
            appDeliveries.merge(key, 1, Integer::sum);
            deliveredAt.putIfAbsent(key, ack.getAckedAt().toEpochMilli());
        }
    }

    Map<String, Long> deliveredAt() {
        return deliveredAt;
    }

    static String origin(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    Map<String, Long> deadLettersByReason() {
        Map<String, Long> out = new java.util.TreeMap<>();
        deadLettersByReason.forEach((reason, n) -> out.put(reason, n.get()));
        return out;
    }

    Set<String> deadLetteredOrigins() {
        return deadLetteredOrigins.keySet();
    }

    /** "topic/partition/offset" of every dead-lettered record whose origin is known, to its (first) reason code. */
    Map<String, String> deadLetterReasonByOrigin() {
        return deadLetteredOrigins;
    }

    Map<String, String> deadLettered() {
        return deadLettered;
    }

    /** Deliveries the application committed more than once (each extra commit counts one). */
    long duplicatesToApp() {
        return appDeliveries.values().stream().mapToLong(n -> n - 1).sum();
    }

    long reemits() {
        return reemits.get();
    }

    /** The tracker's re-emits judged against what the consumers had read and committed by then. */
    UnreadReemits.Result unreadReemits() {
        return unreadReemits.result();
    }

    /**
     * Waits until this observer has read each of its partitions up to {@code endOffsets} (topic -> partition
     * -> end offset: a snapshot taken at the end of a run), so that what it reports covers everything
     * written before the snapshot; false (and a warning) if it has not within {@code patience}. Under
     * read_committed a transaction still open at the snapshot holds it back until it ends.
     */
    boolean awaitRead(Map<String, Map<Integer, Long>> endOffsets, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!hasRead(endOffsets)) {
            if (System.nanoTime() > deadline) {
                log.warn("the observer had not read up to the end offsets after {}: the report may miss the last records",
                        patience);
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    private boolean hasRead(Map<String, Map<Integer, Long>> endOffsets) {
        for (TopicPartition tp : partitions) {
            long end = endOffsets.getOrDefault(tp.topic(), Map.of()).getOrDefault(tp.partition(), 0L);
            if (positions.getOrDefault(tp, -1L) < end) {
                return false;
            }
        }
        return true;
    }

    long duplicateAcks() {
        return duplicateAcks.get();
    }

    long unreadable() {
        return unreadable.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        stopped.await(30, TimeUnit.SECONDS);
    }
}
