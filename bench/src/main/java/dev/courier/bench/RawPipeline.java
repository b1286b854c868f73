package dev.courier.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The baseline: CourierProducer's own Kafka producer settings (idempotent, acks=all, same linger) without
 * Courier on top, and a plain consumer group (auto-commit). No tracking, no acks topic.
 */
final class RawPipeline extends PlainKafkaPipeline {

    RawPipeline(String bootstrap, Admin admin, String topic, int partitions, int consumers, PhaseProbe.Slot probes) {
        super(bootstrap, admin, topic, partitions, consumers, probes);
    }

    @Override
    public String name() {
        return "raw";
    }

    @Override
    protected void startConsumers() throws Exception {
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
}
