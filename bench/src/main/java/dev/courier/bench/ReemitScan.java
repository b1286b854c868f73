package dev.courier.bench;

import dev.courier.harness.UnreadReemits;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a Courier pipeline's send and ack topics back from the beginning (read_committed, up to their ends
 * when the scan starts) and judges its re-emits with {@link UnreadReemits}. One partition at a time (send
 * partition p and ack partition p), so only one partition's send records are held: the bench runs it after
 * its Courier phases, when half a million sends may be on the topic.
 */
final class ReemitScan {

    private ReemitScan() {
    }

    /**
     * @param patience per partition: give up (IllegalStateException) if it is not read to its end in this time
     */
    static UnreadReemits.Result scan(String bootstrap, CourierTopics topics, String registryUrl, Duration patience) {
        var registry = SchemaRegistryClients.fromUrl(registryUrl);
        Deserializer<SendEvent> sends = CourierSerdes.value(SendEvent.class, registry).deserializer();
        Deserializer<SpecificRecord> ackValues = CourierSerdes.ackValue(registry).deserializer();
        UnreadReemits.Result total = UnreadReemits.Result.NONE;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            int partitions = consumer.partitionsFor(topics.send()).size();
            for (int p = 0; p < partitions; p++) {
                UnreadReemits judge = new UnreadReemits();
                List<TopicPartition> pair = List.of(new TopicPartition(topics.send(), p), new TopicPartition(topics.ack(), p));
                consumer.assign(pair);
                consumer.seekToBeginning(pair);
                Map<TopicPartition, Long> ends = consumer.endOffsets(pair);
                long deadline = System.nanoTime() + patience.toNanos();
                while (pair.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("send/ack partition " + p + " not read to its end " + ends
                                + " in " + patience);
                    }
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        try {
                            if (r.topic().equals(topics.send())) {
                                judge.sent(r.partition(), r.offset(), r.timestamp(), sends.deserialize(r.topic(), r.value()));
                            } else {
                                judge.acked(r.partition(), ackValues.deserialize(r.topic(), r.value()));
                            }
                        } catch (SerializationException e) {
                            // poison: not a re-emit, not a batch
                        }
                    }
                }
                total = total.plus(judge.result());
            }
        }
        return total;
    }
}
