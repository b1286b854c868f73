package dev.courier.it;

import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic back, read_committed, as the committed truth a test asserts on. */
final class TopicReader {

    private TopicReader() {
    }

    static <T extends SpecificRecord> List<T> readAll(String topic, Class<T> type, SchemaRegistryClient registry) {
        return readAll(topic, CourierSerdes.value(type, registry).deserializer());
    }

    /**
     * Every ack on the ack topic, in partition order: its values are {@code AckBatch}es or lone
     * {@code DeliveryAck}s (the union {@link AckTopicValue#SCHEMA}), each expanded to the acks it carries.
     */
    static List<DeliveryAck> readAcks(String ackTopic, SchemaRegistryClient registry) {
        return readAll(ackTopic, CourierSerdes.ackValue(registry).deserializer()).stream()
                .flatMap(value -> AckTopicValue.acks(value).stream()).toList();
    }

    /** {@link #readAcks(String, SchemaRegistryClient)} from a cluster of its own, with {@code clientProperties} (bootstrap, security). */
    static List<DeliveryAck> readAcks(String ackTopic, SchemaRegistryClient registry, Map<String, ?> clientProperties) {
        Deserializer<SpecificRecord> values = CourierSerdes.ackValue(registry).deserializer();
        return records(ackTopic, clientProperties).stream().map(r -> values.deserialize(ackTopic, r.value()))
                .flatMap(value -> AckTopicValue.acks(value).stream()).toList();
    }

    private static <T> List<T> readAll(String topic, Deserializer<T> values) {
        return records(topic).stream().map(r -> values.deserialize(topic, r.value())).toList();
    }

    /** Every record of the topic (headers, keys, timestamps), in partition order. */
    static List<ConsumerRecord<String, byte[]>> records(String topic) {
        return records(topic, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()));
    }

    /** Every record of the topic, read with {@code clientProperties} (bootstrap servers, security). */
    static List<ConsumerRecord<String, byte[]>> records(String topic, Map<String, ?> clientProperties) {
        Map<String, Object> props = new java.util.HashMap<>(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props,
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
