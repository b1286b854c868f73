package dev.courier.gateway;

import dev.courier.schemas.IdempotencyRecord;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <prefix>.idempotency} as this gateway sees it: a reader thread keeps every key's owner
 * ({@link IdempotencyRules#owner}) from the whole topic, and a lookup or an append first reads the key's partition
 * up to its end, so it sees what every gateway wrote before, its own writes included.
 */
final class IdempotencyLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyLog.class);

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final Serializer<IdempotencyRecord> serializer;
    private final Deserializer<IdempotencyRecord> deserializer;
    private final Map<String, IdempotencyRecord> owners = new ConcurrentHashMap<>();
    /** Partition -> the next offset the reader will read; guarded by itself, notified on every advance. */
    private final Map<Integer, Long> positions = new HashMap<>();
    private volatile int partitionCount;
    private volatile boolean closed;
    private final Thread reader;

    IdempotencyLog(String topic, Map<String, Object> clientProps, SchemaRegistryClient registry, Duration timeout) {
        this.topic = topic;
        this.serializer = CourierSerdes.value(IdempotencyRecord.class, registry).serializer();
        this.deserializer = CourierSerdes.value(IdempotencyRecord.class, registry).deserializer();
        Map<String, Object> producerProps = new HashMap<>(clientProps);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> consumerProps = new HashMap<>(clientProps);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
        this.admin = Admin.create(clientProps);
        this.reader = new Thread(this::read, "gateway-idempotency-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The key's owner once everything written to its partition before this call has been read. */
    Optional<IdempotencyRecord> owner(String key, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int partition = partitionOf(key, deadline);
        awaitRead(partition, endOffset(partition, deadline), deadline);
        return Optional.ofNullable(owners.get(key));
    }

    /** Writes {@code record} (acks=all), reads the partition up to it, and returns the key's owner then. */
    IdempotencyRecord append(String key, IdempotencyRecord record, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int partition = partitionOf(key, deadline);
        RecordMetadata written;
        try {
            written = producer.send(new ProducerRecord<>(topic, partition, key, serializer.serialize(topic, record)))
                    .get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("writing to " + topic + " took longer than " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
        awaitRead(partition, written.offset() + 1, deadline);
        IdempotencyRecord owner = owners.get(key);
        if (owner == null) {
            throw new IllegalStateException("key " + key + " has no owner after reading its record at "
                    + topic + "-" + partition + "@" + written.offset());
        }
        return owner;
    }

    private int partitionOf(String key, long deadline) {
        synchronized (positions) {
            while (partitionCount == 0) {
                waitOn(deadline, "the partitions of " + topic);
            }
        }
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }

    private long endOffset(int partition, long deadline) {
        TopicPartition tp = new TopicPartition(topic, partition);
        try {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
                    .get(remaining(deadline), TimeUnit.NANOSECONDS).offset();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("the end offset of " + tp + " was not known in time");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }

    private void awaitRead(int partition, long offset, long deadline) {
        synchronized (positions) {
            while (positions.getOrDefault(partition, -1L) < offset) {
                waitOn(deadline, topic + "-" + partition + " up to offset " + offset);
            }
        }
    }

    /** Waits on {@link #positions} (held by the caller) until notified or {@code deadline}. */
    private void waitOn(long deadline, String what) {
        long left = remaining(deadline);
        if (left <= 0 || closed) {
            throw new TimeoutException("this gateway had not read " + what + " in time");
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(positions, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }

    private static long remaining(long deadline) {
        return deadline - System.nanoTime();
    }

    private void read() {
        List<TopicPartition> assigned = List.of();
        while (!closed) {
            try {
                if (assigned.isEmpty()) {
                    assigned = assign();
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                Map<Integer, Long> read = new HashMap<>();
                for (TopicPartition tp : assigned) {
                    read.put(tp.partition(), consumer.position(tp, Duration.ofSeconds(1)));
                }
                synchronized (positions) {
                    positions.putAll(read);
                    positions.notifyAll();
                }
            } catch (WakeupException e) {
                // closing
            } catch (KafkaException e) {
                log.warn("Reading {} failed, retrying: {}", topic, e.toString());
            }
        }
    }

    private List<TopicPartition> assign() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
            log.warn("Topic {} not found yet; create it with `courier topics create`", topic);
            return List.of();
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        synchronized (positions) {
            partitionCount = partitions.size();
            positions.notifyAll();
        }
        log.info("Reading {} ({} partitions) from the beginning", topic, partitions.size());
        return partitions;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            owners.remove(record.key());
            return;
        }
        try {
            IdempotencyRecord value = deserializer.deserialize(topic, record.value());
            owners.compute(record.key(), (key, owner) -> IdempotencyRules.owner(owner, value));
        } catch (RuntimeException e) {
            log.warn("Skipping unreadable record {}-{}@{}: {}", topic, record.partition(), record.offset(), e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
