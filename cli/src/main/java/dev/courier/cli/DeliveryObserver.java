package dev.courier.cli;

import dev.courier.schemas.AckStatus;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back, read_committed, everything the pipeline wrote: acks (what the application committed as
 * delivered), dead letters, and re-emits on the send topic. It is the demo's independent view of the
 * outcome; the verdict compares it with the producer's ledger, not with any component's counters.
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
    /** "topic/partition/offset" of every dead-lettered record whose origin is known. */
    private final Set<String> deadLetteredOrigins = ConcurrentHashMap.newKeySet();
    private final AtomicLong reemits = new AtomicLong();
    private final AtomicLong duplicateAcks = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();

    private final CourierTopics topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<SpecificRecord> ackValues;
    private final Deserializer<DeadLetter> deadLetters;
    private final Deserializer<SendEvent> sends;
    private volatile boolean running = true;
    private final CountDownLatch stopped = new CountDownLatch(1);

    DeliveryObserver(String bootstrapServers, SchemaRegistryClient registry, CourierTopics topics) {
        this.topics = topics;
        this.ackValues = CourierSerdes.ackValue(registry).deserializer();
        this.deadLetters = CourierSerdes.value(DeadLetter.class, registry).deserializer();
        this.sends = CourierSerdes.value(SendEvent.class, registry).deserializer();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
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
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        observe(record);
                    } catch (SerializationException e) {
                        // Poison records (the consumers dead-letter them) are expected here: counted, not logged loud.
                        unreadable.incrementAndGet();
                        log.debug("observer could not read topic={} partition={} offset={}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    private void observe(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(topics.ack())) {
            // An AckBatch (one consumer transaction's acks for one partition) or a lone DeliveryAck.
            for (DeliveryAck ack : AckTopicValue.acks(ackValues.deserialize(record.topic(), record.value()))) {
                observeAck(ack);
            }
        } else if (record.topic().equals(topics.deadLetter())) {
            DeadLetter letter = deadLetters.deserialize(record.topic(), record.value());
            deadLettersByReason.computeIfAbsent(letter.getReasonCode(), r -> new AtomicLong()).incrementAndGet();
            if (letter.getOriginalOffset() != null) {
                deadLetteredOrigins.add(origin(letter.getOriginalTopic(), letter.getOriginalPartition(),
                        letter.getOriginalOffset()));
            }
            if (letter.getMessageId() != null && letter.getRecipientId() != null) {
                deadLettered.put(CourierTopics.deliveryKey(letter.getMessageId(), letter.getRecipientId()),
                        letter.getReasonCode());
            }
        } else {
            SendEvent event = sends.deserialize(record.topic(), record.value());
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
