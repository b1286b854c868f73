package dev.courier.operator;

import dev.courier.schemas.CopyHeaders;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The source records a replay already wrote to the target after its last checkpoint: read back from the
 * target (read_committed) by their {@code courier.replay.id} and {@code courier.replay.source} headers. Call
 * after the replay's transactional producer is initialised, which resolves the interrupted run's last
 * transaction, so what this finds committed stays committed and nothing else ever will be.
 */
final class AlreadyReplayed {

    private AlreadyReplayed() {
    }

    /** The {@code courier.replay.source} of every record of {@code replayId} in the target at or after {@code from}. */
    static Set<String> find(Connection connection, String target, String replayId, Map<Integer, Long> from) {
        Map<TopicPartition, Long> highWatermarks = highWatermarks(connection, target, from.keySet());
        Set<String> sources = new HashSet<>();
        Properties props = connection.readerProperties();
        long deadline = System.nanoTime() + Math.max(connection.timeout().toNanos(), Duration.ofMinutes(1).toNanos());
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = highWatermarks.keySet().stream().toList();
            reader.assign(tps);
            tps.forEach(tp -> reader.seek(tp, from.get(tp.partition())));
            // read_committed stops at the last stable offset: wait until it has passed every record that was
            // acknowledged when we looked, so the interrupted run's last transaction is decided and visible
            while (tps.stream().anyMatch(tp -> reader.position(tp) < highWatermarks.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new EnvironmentUnavailableException("reading back what replay " + replayId + " already sent to "
                            + target + " did not finish within a minute (an open transaction on the topic?)");
                }
                for (ConsumerRecord<byte[], byte[]> rec : reader.poll(Duration.ofMillis(200))) {
                    if (rec.offset() < highWatermarks.get(new TopicPartition(rec.topic(), rec.partition()))
                            && replayId.equals(CopyHeaders.text(rec.headers(), CopyHeaders.ID))) {
                        sources.add(CopyHeaders.text(rec.headers(), CopyHeaders.SOURCE));
                    }
                }
            }
        }
        return sources;
    }

    private static Map<TopicPartition, Long> highWatermarks(Connection connection, String topic, Set<Integer> partitions) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(new TopicPartition(topic, p), OffsetSpec.latest()));
        try (Admin admin = connection.admin()) {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(connection.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new EnvironmentUnavailableException("cannot read the end offsets of " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentUnavailableException("interrupted while reading the end offsets of " + topic, e);
        }
    }
}
