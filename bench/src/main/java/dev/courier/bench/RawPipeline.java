package dev.courier.bench;

import dev.courier.producer.CourierProducerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The baseline: CourierProducer's own Kafka producer settings (idempotent, acks=all, same linger) without
 * Courier on top, and a plain consumer group (auto-commit). No tracking, no acks topic.
 */
final class RawPipeline implements Pipeline {

    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final int consumers;
    private final PhaseProbe.Slot probes;
    private final Admin admin;
    private final Workers workers = new Workers();
    private KafkaProducer<String, byte[]> producer;

    RawPipeline(String bootstrap, Admin admin, String topic, int partitions, int consumers, PhaseProbe.Slot probes) {
        this.bootstrap = bootstrap;
        this.admin = admin;
        this.topic = topic;
        this.partitions = partitions;
        this.consumers = consumers;
        this.probes = probes;
    }

    @Override
    public String name() {
        return "raw";
    }

    /** The producer properties CourierProducer would use, so raw and Courier differ only in what is on top. */
    static Map<String, Object> producerProps(String bootstrap) {
        return CourierProducerConfig.builder().bootstrapServers(bootstrap).schemaRegistryUrl("mem://unused")
                .build().kafkaProducerProps();
    }

    @Override
    public void start() throws Exception {
        BenchTopics.create(admin, partitions, Map.of(topic, Map.of()));
        producer = new KafkaProducer<>(producerProps(bootstrap));
        CountDownLatch assigned = new CountDownLatch(consumers);
        String group = topic + "-group";
        for (int i = 0; i < consumers; i++) {
            workers.start("raw-consumer-" + i, running -> {
                try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, group,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                        new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(topic));
                    boolean counted = false;
                    while (running.get()) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            probes.delivered(r.partition(), r.value());
                        }
                        if (!counted && !consumer.assignment().isEmpty()) {
                            assigned.countDown();
                            counted = true;
                        }
                    }
                }
            });
        }
        if (!assigned.await(90, TimeUnit.SECONDS)) {
            throw new IllegalStateException("raw consumers not assigned after 90 s");
        }
    }

    @Override
    public void send(String key, byte[] payload, Runnable onFailure) {
        producer.send(new ProducerRecord<>(topic, key, payload), (metadata, error) -> {
            if (error != null) {
                onFailure.run();
            }
        });
    }

    @Override
    public void close() throws Exception {
        workers.close();
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
