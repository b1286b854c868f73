package dev.courier.harness;

import dev.courier.deploy.ProgressWait;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The one topic layout every phase uses: {@code partitions} partitions, replication 3,
 * {@code min.insync.replicas=2} (producers use acks=all).
 */
public final class BenchTopics {

    public static final short REPLICATION = 3;
    public static final String MIN_INSYNC = "2";
    private static final long ASK_TIMEOUT_S = 30;

    private BenchTopics() {
    }

    /** Creates the topics that do not exist yet and waits until all are listed, while the cluster makes progress. */
    public static void create(Admin admin, int partitions, Map<String, Map<String, String>> topicsWithConfigs) throws Exception {
        List<NewTopic> topics = topicsWithConfigs.entrySet().stream().map(e -> {
            Map<String, String> configs = new java.util.HashMap<>(e.getValue());
            configs.put("min.insync.replicas", MIN_INSYNC);
            return new NewTopic(e.getKey(), partitions, REPLICATION).configs(configs);
        }).toList();
        Set<String> names = topicsWithConfigs.keySet();
        // Listing, then creating what is missing, is idempotent: a round that timed out is simply done again.
        ProgressWait.DEFAULT.await("the bench topics " + names + " could not be created", "the brokers' logs", List.of(),
                () -> {
                    Set<String> listed = admin.listTopics().names().get(ASK_TIMEOUT_S, TimeUnit.SECONDS);
                    List<NewTopic> missing = topics.stream().filter(t -> !listed.contains(t.name())).toList();
                    if (missing.isEmpty()) {
                        return ProgressWait.Look.ready();
                    }
                    try {
                        admin.createTopics(missing).all().get(ASK_TIMEOUT_S, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                    return ProgressWait.Look.notYet(missing.size(), missing.size() + " of them not listed yet");
                });
    }
}
