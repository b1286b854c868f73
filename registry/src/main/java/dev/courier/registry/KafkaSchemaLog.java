package dev.courier.registry;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaLog} on partition 0 of a single-partition compacted Kafka topic. Creates the topic if
 * missing (replication min(3, brokers), min.insync.replicas min(2, brokers), unless configured), writes
 * with an idempotent producer and acks=all, and follows the partition from offset 0 with an unassigned-
 * group consumer on one thread. A record the handler throws on stops the follower; the status says so.
 */
final class KafkaSchemaLog implements SchemaLog {

    private static final Logger log = LoggerFactory.getLogger(KafkaSchemaLog.class);
    /** Replay progress is logged each time it passes a multiple of this many offsets. */
    private static final long REPLAY_REPORT_EVERY = 100_000;

    /** How to reach and lay out the topic; replication 0 and min ISR 0 mean "from the broker count". */
    record Settings(String bootstrapServers, String topic, int replicationFactor, int minInsyncReplicas,
                    Map<String, Object> clientProperties) {
        Settings {
            clientProperties = Map.copyOf(clientProperties);
        }
    }

    private final Settings settings;
    private final TopicPartition partition;
    private final Producer<String, String> producer;
    private final Consumer<String, String> consumer;
    private volatile boolean running = true;
    private volatile boolean following;
    private volatile long position;
    private volatile long endOffset = -1;
    private volatile String failure;
    private Thread follower;

    /** Creates the topic if missing, then the producer and consumer. */
    static KafkaSchemaLog connect(Settings settings) {
        ensureTopic(settings);
        Map<String, Object> producerProps = new HashMap<>(settings.clientProperties());
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "courier-registry-producer");
        Map<String, Object> consumerProps = new HashMap<>(settings.clientProperties());
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "courier-registry-follower");
        return new KafkaSchemaLog(settings,
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer()),
                new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer()));
    }

    KafkaSchemaLog(Settings settings, Producer<String, String> producer, Consumer<String, String> consumer) {
        this.settings = settings;
        this.partition = new TopicPartition(settings.topic(), 0);
        this.producer = producer;
        this.consumer = consumer;
    }

    private static void ensureTopic(Settings settings) {
        Map<String, Object> adminProps = new HashMap<>(settings.clientProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        try (Admin admin = Admin.create(adminProps)) {
            int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            short replication = (short) (settings.replicationFactor() > 0 ? settings.replicationFactor() : Math.min(3, brokers));
            int minIsr = settings.minInsyncReplicas() > 0 ? settings.minInsyncReplicas() : Math.min(2, brokers);
            NewTopic topic = new NewTopic(settings.topic(), 1, replication).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minIsr)));
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                log.info("Created schema topic {} (1 partition, replication {}, min.insync.replicas {}, compacted)",
                        settings.topic(), replication, minIsr);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                TopicDescription existing = admin.describeTopics(Set.of(settings.topic())).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(settings.topic());
                if (existing.partitions().size() != 1) {
                    throw new IllegalStateException("schema topic " + settings.topic() + " has "
                            + existing.partitions().size() + " partitions; the registry needs exactly 1 for a total order");
                }
                log.info("Using existing schema topic {}", settings.topic());
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot create or check schema topic " + settings.topic() + " on "
                    + settings.bootstrapServers() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating schema topic " + settings.topic(), e);
        }
    }

    /** Replays from offset 0 on the follower thread; waits while it makes progress, however long the log. */
    @Override
    public void start(RecordHandler handler, Duration stallTimeout) {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), stallTimeout).get(partition);
        endOffset = end;
        CountDownLatch caughtUp = new CountDownLatch(1);
        following = true;
        follower = new Thread(() -> follow(handler, end, caughtUp), "courier-registry-follower-" + settings.topic());
        follower.setDaemon(true);
        follower.start();
        long progressAt = System.nanoTime();
        long progressed = -1;
        try {
            while (!caughtUp.await(100, TimeUnit.MILLISECONDS)) {
                if (!following) {
                    throw new KafkaException("schema topic " + settings.topic() + " follower stopped at offset "
                            + position + " during replay: " + failure);
                }
                if (position > progressed) {
                    if (progressed / REPLAY_REPORT_EVERY < position / REPLAY_REPORT_EVERY) {
                        log.info("Replaying schema topic {}: offset {} of {}", settings.topic(), position, end);
                    }
                    progressed = position;
                    progressAt = System.nanoTime();
                } else if (System.nanoTime() - progressAt > stallTimeout.toNanos()) {
                    throw new KafkaException("schema topic " + settings.topic() + " replay stalled at offset " + position
                            + " of " + end + ": no progress for " + stallTimeout.toMillis() + " ms");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while replaying schema topic " + settings.topic(), e);
        }
    }

    private void follow(RecordHandler handler, long replayEnd, CountDownLatch caughtUp) {
        try {
            while (running) {
                position = consumer.position(partition);
                consumer.currentLag(partition).ifPresent(lag -> endOffset = position + lag);
                if (position >= replayEnd) {
                    caughtUp.countDown();
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    handler.onRecord(record.offset(), record.key(), record.value());
                    position = record.offset() + 1;
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = "woken up unexpectedly";
                log.error("Schema topic follower for {} woken up unexpectedly", settings.topic(), e);
            }
        } catch (RuntimeException e) {
            failure = e.toString();
            log.error("Schema topic follower for {} stopped at offset {}: the registry no longer sees new writes",
                    settings.topic(), position, e);
        } finally {
            following = false;
            consumer.close();
        }
    }

    @Override
    public FollowerStatus status() {
        return new FollowerStatus(following, endOffset, failure);
    }

    @Override
    public CompletableFuture<Long> append(String key, String value) {
        CompletableFuture<Long> written = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(settings.topic(), 0, key, value), (metadata, error) -> {
            if (error != null) {
                written.completeExceptionally(error);
            } else {
                written.complete(metadata.offset());
            }
        });
        return written;
    }

    @Override
    public String describe() {
        return "topic " + settings.topic() + " at " + settings.bootstrapServers();
    }

    @Override
    public void close() {
        running = false;
        producer.close(Duration.ofSeconds(5));
        if (follower != null && follower.isAlive()) {
            consumer.wakeup();
            try {
                follower.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (follower == null) {
            consumer.close();
        }
    }
}
