package dev.courier.harness;

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

    private BenchTopics() {
    }

    public static void create(Admin admin, int partitions, Map<String, Map<String, String>> topicsWithConfigs) throws Exception {
        List<NewTopic> topics = topicsWithConfigs.entrySet().stream().map(e -> {
            Map<String, String> configs = new java.util.HashMap<>(e.getValue());
            configs.put("min.insync.replicas", MIN_INSYNC);
            return new NewTopic(e.getKey(), partitions, REPLICATION).configs(configs);
        }).toList();
        try {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        Set<String> names = topicsWithConfigs.keySet();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(names)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("topics " + names + " not visible after 60 s");
            }
            Thread.sleep(200);
        }
    }
}
