package dev.courier.operator;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reading a topic range without a group: assigned partitions, positions set, up to end offsets taken in advance. */
final class TopicScan {

    private TopicScan() {
    }

    /** Fails with {@link NotFoundException} or {@link EnvironmentUnavailableException} unless every topic exists. */
    static void requireTopics(Connection connection, List<String> topics) {
        try (Admin admin = connection.admin()) {
            connection.requireTopics(admin, topics);
        }
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /**
     * Polls the assigned partitions, handing every record to {@code action}, until each position reaches its
     * {@code end} offset. Gives up with {@link EnvironmentUnavailableException} after {@code timeout} without
     * progress, so a cluster that goes away mid-read is an error, not a hang.
     */
    static <K, V> void readTo(KafkaConsumer<K, V> consumer, Map<TopicPartition, Long> end, Duration timeout,
                              Consumer<ConsumerRecord<K, V>> action) {
        Map<TopicPartition, Long> remaining = new HashMap<>(end);
        long lastProgress = System.nanoTime();
        while (true) {
            remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            if (remaining.isEmpty()) {
                return;
            }
            boolean progressed = false;
            for (ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                progressed = true;
                Long until = end.get(new TopicPartition(record.topic(), record.partition()));
                if (until != null && record.offset() < until) {
                    action.accept(record);
                }
            }
            if (progressed) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                throw new EnvironmentUnavailableException("no progress reading " + remaining.keySet() + " for "
                        + timeout.toSeconds() + " s: is the cluster reachable?");
            }
        }
    }
}
