package dev.courier.operator;

import dev.courier.schemas.CopyHeaders;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Which dead letters were redriven already, read from the send topic itself: a redrive's record carries the
 * header {@value CopyHeaders#REDRIVE_OF} naming its dead letter, so the evidence is the re-sent record and cannot disagree
 * with it (no separate ledger to write, lose or leave half-written).
 *
 * <p>A redrive is written after its dead letter, with a timestamp no earlier than the dead letter's
 * ({@link DeadLetterRedrive} sets it so), so scanning the send topic from the oldest candidate's timestamp
 * ({@code offsetsForTimes}) to the end finds every earlier redrive of the candidates. Limits: a redrive whose
 * record the send topic's retention already deleted is not seen; two redrives running at once do not see each
 * other's records.
 */
public final class RedriveHistory {

    /** Header of a redriven send record: {@code <dead-letter topic>/<partition>/<offset>} of its dead letter. */

    private RedriveHistory() {
    }

    /** The {@value CopyHeaders#REDRIVE_OF} values on {@code sendTopic} in records written at or after {@code sinceMs}. */
    static Set<String> redrivenSince(Connection connection, String sendTopic, long sinceMs) {
        Set<String> redriven = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(connection.readerProperties())) {
            List<TopicPartition> partitions = TopicScan.partitions(consumer, sendTopic);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, sinceMs));
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> toRead = new HashMap<>();
            start.forEach((tp, from) -> {
                if (from != null) { // null: nothing written since
                    toRead.put(tp, end.get(tp));
                }
            });
            consumer.assign(toRead.keySet());
            toRead.keySet().forEach(tp -> consumer.seek(tp, start.get(tp).offset()));
            TopicScan.readTo(consumer, toRead, connection.timeout(), record -> {
                Header header = record.headers().lastHeader(CopyHeaders.REDRIVE_OF);
                if (header != null) {
                    redriven.add(new String(header.value(), StandardCharsets.UTF_8));
                }
            });
        }
        return redriven;
    }
}
