package dev.courier.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real three-node cluster for the whole class: topics with the promised replication, acks=all writes
 * surviving kill -9 of a partition leader without losing a record, the killed node rejoining the ISR,
 * and {@link LocalCluster#attach} from the state file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterTest {

    private static final Logger log = LoggerFactory.getLogger(LocalClusterTest.class);
    private static final CourierTopics TOPICS = CourierTopics.withPrefix("it");
    private static final int PARTITIONS = 3;

    @TempDir
    static Path workDir;
    static LocalCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalCluster.builder()
                .nodes(3)
                .workDir(workDir)
                .brokerHeap("384m")
                // Fence a dead broker after 4 s instead of 9 s, so leadership moves sooner after kill -9.
                .brokerConfig(Map.of("broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "1000"))
                .build();
        long start = System.nanoTime();
        cluster.start();
        log.info("3-node cluster started in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        cluster.createTopics(TOPICS.specs(PARTITIONS));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            long start = System.nanoTime();
            cluster.close();
            log.info("3-node cluster stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    @Test
    @Order(1)
    void everyNodeIsRunningAndTheQuorumHasALeader() {
        assertEquals(3, cluster.size());
        assertEquals(3, cluster.bootstrapServers().split(",").length);
        IntStream.range(0, 3).forEach(node -> assertTrue(cluster.isRunning(node), "node " + node + " running"));
        int controller = cluster.activeControllerNode();
        assertTrue(controller >= 0 && controller < 3, "active controller " + controller);
    }

    @Test
    @Order(2)
    void topicsHaveThreeReplicasTwoInSyncAndTheirSpecConfigs() throws Exception {
        TopicDescription send = cluster.admin().describeTopics(List.of(TOPICS.send())).allTopicNames().get()
                .get(TOPICS.send());
        assertEquals(PARTITIONS, send.partitions().size());
        send.partitions().forEach(p -> assertEquals(3, p.replicas().size(), "replicas of " + p));

        ConfigResource status = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.status());
        Config config = cluster.admin().describeConfigs(List.of(status)).all().get().get(status);
        assertEquals("2", config.get("min.insync.replicas").value());
        assertEquals("compact", config.get("cleanup.policy").value());
    }

    @Test
    @Order(3)
    void createTopicsIsIdempotentButRefusesAPartitionCountChange() {
        cluster.createTopics(TOPICS.specs(PARTITIONS));
        List<TopicSpec> resized = List.of(new TopicSpec(TOPICS.send(), PARTITIONS + 1, Map.of()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cluster.createTopics(resized));
        assertTrue(e.getMessage().contains(TOPICS.send()), e.getMessage());
    }

    @Test
    @Order(4)
    void eligibleLeaderReplicasAreEnabled() throws Exception {
        FinalizedVersionRange elr = cluster.admin().describeFeatures().featureMetadata().get()
                .finalizedFeatures().get(KafkaNode.ELR_FEATURE);
        assertTrue(elr != null && elr.maxVersionLevel() >= 1, "finalized " + KafkaNode.ELR_FEATURE + ": " + elr);
    }

    @Test
    @Order(5)
    void attachFindsTheRunningNodesFromTheStateFile() {
        try (LocalCluster attached = LocalCluster.attach(workDir)) {
            assertEquals(cluster.size(), attached.size());
            assertEquals(cluster.bootstrapServers(), attached.bootstrapServers());
            for (int node = 0; node < cluster.size(); node++) {
                assertTrue(attached.isRunning(node));
                assertEquals(cluster.pid(node), attached.pid(node));
                assertEquals(cluster.brokerPort(node), attached.brokerPort(node));
            }
            assertEquals(cluster.activeControllerNode(), attached.activeControllerNode());
        }
        IntStream.range(0, 3).forEach(node -> assertTrue(cluster.isRunning(node), "closing an attached cluster stops nothing"));
    }

    @Test
    @Order(6)
    void acksAllWritesSurviveKillOfThePartitionLeaderAndTheNodeRejoinsTheIsr() throws Exception {
        String topic = TOPICS.send();
        TopicPartition partition = new TopicPartition(topic, 0);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
            produce(producer, partition, 0, 50, sent);

            int killed = cluster.leaderOf(topic, 0);
            cluster.killNode(killed);
            assertFalse(cluster.isRunning(killed));

            produce(producer, partition, 50, 100, sent);
            int newLeader = cluster.leaderOf(topic, 0);
            assertNotEquals(killed, newLeader, "acks=all writes were acknowledged by a new leader");
            assertFalse(cluster.inSyncReplicasOf(topic, 0).contains(killed));

            long restart = System.nanoTime();
            cluster.startNode(killed);
            log.info("node {} restarted in {} ms", killed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart));
            await("node " + killed + " back in the ISR of " + partition)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.inSyncReplicasOf(topic, 0).contains(killed));
            log.info("node {} back in the ISR {} ms after restart", killed,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart));
        }
        assertEquals(sent, consumeAll(partition, sent.size()), "every acknowledged record, once, in order");
    }

    private static void produce(KafkaProducer<String, String> producer, TopicPartition partition, int from, int to,
                                List<String> sent) throws Exception {
        for (int i = from; i < to; i++) {
            String value = "record-" + i;
            producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "key-" + i, value))
                    .get(60, TimeUnit.SECONDS);
            sent.add(value);
        }
    }

    private static List<String> consumeAll(TopicPartition partition, int expected) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await("all " + expected + " records of " + partition + " consumed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ZERO)
                    .until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                            received.add(record.value());
                        }
                        return received.size() >= expected;
                    });
        }
        return received;
    }

    private static Properties producerConfig() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return config;
    }
}
