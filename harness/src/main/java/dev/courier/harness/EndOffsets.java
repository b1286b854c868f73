package dev.courier.harness;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * End offsets (the log end: every record and transaction marker appended, committed or not) read with the
 * admin client: of some partitions, or of every partition of every topic in the cluster, internal ones
 * included, for {@link RecordsWritten}. The one place the bench and the CLI read end offsets.
 */
public final class EndOffsets {

    private static final long REQUEST_TIMEOUT_S = 10;

    private EndOffsets() {
    }

    /** The end offset of each of {@code partitions}. */
    public static Map<TopicPartition, Long> of(Admin admin, Collection<TopicPartition> partitions)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(REQUEST_TIMEOUT_S, TimeUnit.SECONDS)
                .forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    /**
     * Topic -> partition -> end offset, for every topic of the cluster (internal ones too:
     * {@code __consumer_offsets}, {@code __transaction_state}; Streams' changelogs are ordinary topics). A
     * partition without a leader (a broker just killed) fails a round; rounds are retried until {@code patience}
     * has passed, then the last failure is thrown.
     */
    public static Map<String, Map<Integer, Long>> ofEveryTopic(Admin admin, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return everyTopicOnce(admin);
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    private static Map<String, Map<Integer, Long>> everyTopicOnce(Admin admin) throws Exception {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                .get(REQUEST_TIMEOUT_S, TimeUnit.SECONDS);
        Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames()
                .get(REQUEST_TIMEOUT_S, TimeUnit.SECONDS);
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        of(admin, topics.values().stream().flatMap(t -> t.partitions().stream()
                .map(p -> new TopicPartition(t.name(), p.partition()))).toList())
                .forEach((tp, end) -> out.computeIfAbsent(tp.topic(), t -> new TreeMap<>()).put(tp.partition(), end));
        return out;
    }
}
