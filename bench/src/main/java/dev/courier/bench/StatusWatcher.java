package dev.courier.bench;

import dev.courier.harness.Workers;
import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryState;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the tracker's status topic and the ack topic (read_committed) from their current end, feeding a
 * {@link RedeliveryLateness}: re-emit times and the deadlines they missed from PENDING (re-emit) statuses,
 * ack times from settling acks (a RETRY or HELD ack settles nothing).
 */
final class StatusWatcher implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final CourierTopics topics;
    private final Deserializer<DeliveryStatus> statuses;
    private final Deserializer<SpecificRecord> ackValues;
    private final RedeliveryLateness lateness = new RedeliveryLateness();
    private final Workers workers = new Workers();

    StatusWatcher(String bootstrap, CourierTopics topics, String registryUrl) {
        this.topics = topics;
        var registry = SchemaRegistryClients.fromUrl(registryUrl);
        this.statuses = CourierSerdes.value(DeliveryStatus.class, registry).deserializer();
        this.ackValues = CourierSerdes.ackValue(registry).deserializer();
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.status(), topics.ack())) {
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    void start() {
        workers.start("status-watcher", running -> {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    observe(r);
                }
            }
            consumer.close();
        });
    }

    private void observe(ConsumerRecord<String, byte[]> r) {
        if (r.topic().equals(topics.ack())) {
            // An AckBatch (one consumer transaction's acks for one partition) or a lone DeliveryAck.
            for (DeliveryAck ack : AckTopicValue.acks(ackValues.deserialize(r.topic(), r.value()))) {
                if (!ack.getDuplicate() && EventChecks.settles(ack.getStatus())) {
                    lateness.acked(CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId()), r.timestamp());
                }
            }
            return;
        }
        DeliveryStatus s = statuses.deserialize(r.topic(), r.value());
        if (s.getState() != DeliveryState.PENDING) {
            return;
        }
        lateness.reemitStatus(CourierTopics.deliveryKey(s.getMessageId(), s.getRecipientId()), s.getAttempts(),
                s.getLastAttemptAt().toEpochMilli(),
                s.getMissedDeadline() == null ? null : s.getMissedDeadline().toEpochMilli());
    }

    RedeliveryLateness lateness() {
        return lateness;
    }

    @Override
    public void close() throws InterruptedException {
        workers.close();
    }
}
