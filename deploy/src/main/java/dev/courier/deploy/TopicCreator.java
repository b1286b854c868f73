package dev.courier.deploy;

import dev.courier.schemas.TopicSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Courier's topics with the replication its promise needs ({@link Durability}): replication
 * factor {@code min(3, n)} and {@code min.insync.replicas = min(2, n)} on every topic, plus each spec's own
 * configs. Idempotent: an existing topic is left as it is if its partition count matches the spec, and is
 * an error otherwise (send and ack must stay co-partitioned).
 */
public final class TopicCreator {

    private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);
    /** Bound of each admin call; one that does not answer in time is asked again ({@link ProgressWait}). */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;
    private final int clusterSize;
    private final ProgressWait wait;
    private final String see;

    /** @param clusterSize number of nodes in the cluster, which decides replication */
    public TopicCreator(Admin admin, int clusterSize) {
        this(admin, clusterSize, ProgressWait.DEFAULT, "the brokers' logs");
    }

    /**
     * @param wait how long creating may go without progress, and in all
     * @param see  where to look if it fails (the brokers' logs), for the failure sentence
     */
    public TopicCreator(Admin admin, int clusterSize, ProgressWait wait, String see) {
        if (clusterSize < 1) {
            throw new IllegalArgumentException("cluster size must be >= 1, got " + clusterSize);
        }
        this.admin = admin;
        this.clusterSize = clusterSize;
        this.wait = wait;
        this.see = see;
    }

    /**
     * Creates the missing topics and waits until every partition of every spec is led and hosted by its replicas.
     *
     * @throws NotReadyException if the cluster stops making progress on it ({@link ProgressWait})
     */
    public void create(List<TopicSpec> specs) {
        List<String> names = specs.stream().map(TopicSpec::name).toList();
        String topics = names.size() == 1 ? "topic " + names.get(0) : names.size() + " topics (" + String.join(", ", names) + ")";
        Poll.uninterruptibly(topics, () -> {
            // Listing, then creating what is missing, is idempotent: a round that timed out is simply done again.
            wait.call(topics + " could not be created", see, () -> {
                createMissing(specs);
                return null;
            });
            // The broker answering may learn of a new topic from the metadata log a moment after the controller
            // created it, and say UNKNOWN_TOPIC_OR_PARTITION (retriable) until then; the next describe may go to
            // another broker that is later still. So look again, and check the partition counts on the very
            // description that showed every partition led.
            AtomicReference<Map<String, TopicDescription>> led = new AtomicReference<>();
            wait.await("the partitions of " + topics + " did not all get a leader", see, List.of(), () -> {
                Map<String, TopicDescription> described = describe(names);
                long leaderless = leaderless(described);
                if (leaderless == 0) {
                    led.set(described);
                    return ProgressWait.Look.ready();
                }
                return ProgressWait.Look.notYet(leaderless, leaderless + " partitions have no leader yet");
            });
            checkPartitionCounts(specs, led.get());
            // The description shows what the controller decided; each replica's broker applies it from the metadata
            // log a moment later, and a leader that has not yet answers NOT_LEADER_OR_FOLLOWER. An idempotent producer
            // whose first batches meet that can be left retrying OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery
            // timeout. So wait until every replica's broker hosts its partition's log.
            Map<Integer, Set<TopicPartition>> expected = new HashMap<>();
            led.get().values().forEach(topic -> topic.partitions().forEach(partition -> partition.replicas().forEach(
                    node -> expected.computeIfAbsent(node.id(), id -> new HashSet<>())
                            .add(new TopicPartition(topic.name(), partition.partition())))));
            wait.await("not every replica's broker hosts the partitions of " + topics, see, List.of(), () -> {
                Map<Integer, Set<TopicPartition>> missing = missingReplicas(expected);
                return missing.isEmpty() ? ProgressWait.Look.ready() : ProgressWait.Look.notYet(missing, missing.entrySet()
                        .stream().map(e -> "broker " + e.getKey() + " lacks " + e.getValue().size() + " replicas")
                        .collect(Collectors.joining(", ")));
            });
            return null;
        });
    }

    private void createMissing(List<TopicSpec> specs) {
        Set<String> existing = Poll.get(admin.listTopics().names(), ASK_TIMEOUT, "list topics");
        List<NewTopic> missing = specs.stream()
                .filter(spec -> !existing.contains(spec.name()))
                .map(this::newTopic)
                .toList();
        if (!missing.isEmpty()) {
            admin.createTopics(missing).values().forEach(this::awaitCreated);
        }
    }

    /** The expected partitions each broker does not host yet (a broker that does not answer: all of its). */
    private Map<Integer, Set<TopicPartition>> missingReplicas(Map<Integer, Set<TopicPartition>> expected) {
        Map<Integer, Set<TopicPartition>> missing = new HashMap<>();
        Map<Integer, KafkaFuture<Map<String, LogDirDescription>>> dirs =
                admin.describeLogDirs(expected.keySet()).descriptions();
        expected.forEach((broker, partitions) -> {
            Set<TopicPartition> absent = new HashSet<>(partitions);
            try {
                Poll.get(dirs.get(broker), ASK_TIMEOUT, "describe log dirs of broker " + broker).values()
                        .forEach(dir -> absent.removeAll(dir.replicaInfos().keySet()));
            } catch (IllegalStateException e) {
                log.debug("broker {} did not describe its log dirs: {}", broker, e.getMessage());
            }
            if (!absent.isEmpty()) {
                missing.put(broker, absent);
            }
        });
        return missing;
    }

    NewTopic newTopic(TopicSpec spec) {
        Map<String, String> configs = new HashMap<>(spec.configs());
        // The cluster, not the spec, decides durability (see TopicSpec).
        configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(Durability.minInsyncReplicas(clusterSize)));
        return new NewTopic(spec.name(), spec.partitions(), Durability.replicationFactor(clusterSize)).configs(configs);
    }

    private void awaitCreated(String topic, KafkaFuture<Void> future) {
        try {
            Poll.get(future, ASK_TIMEOUT, "create topic " + topic);
            log.info("Created topic {}", topic);
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            log.info("Topic {} was created concurrently by someone else", topic);
        }
    }

    private static void checkPartitionCounts(List<TopicSpec> specs, Map<String, TopicDescription> described) {
        String mismatches = specs.stream()
                .filter(spec -> described.get(spec.name()).partitions().size() != spec.partitions())
                .map(spec -> spec.name() + " has " + described.get(spec.name()).partitions().size()
                        + " partitions, spec wants " + spec.partitions())
                .collect(Collectors.joining("; "));
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException("existing topics do not match their specs: " + mismatches);
        }
    }

    private static long leaderless(Map<String, TopicDescription> described) {
        return described.values().stream()
                .flatMap(topic -> topic.partitions().stream())
                .filter(partition -> partition.leader() == null || partition.leader().isEmpty())
                .count();
    }

    private Map<String, TopicDescription> describe(List<String> names) {
        return Poll.get(admin.describeTopics(names).allTopicNames(), ASK_TIMEOUT, "describe topics " + names);
    }
}
