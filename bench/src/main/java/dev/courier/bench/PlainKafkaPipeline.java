package dev.courier.bench;

import dev.courier.harness.BenchTopics;
import dev.courier.harness.Pipeline;
import dev.courier.harness.Workers;
import dev.courier.producer.CourierProducerConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the raw and share pipelines have in common: one topic, CourierProducer's own Kafka producer settings
 * (idempotent, acks=all, same linger) without Courier on top, and consumer threads. Subclasses start the
 * consumers.
 */
abstract class PlainKafkaPipeline implements Pipeline {

    protected final String bootstrap;
    protected final Admin admin;
    protected final String topic;
    protected final int partitions;
    protected final int consumers;
    protected final PhaseProbe.Slot probes;
    protected final Workers workers = new Workers();
    private KafkaProducer<String, byte[]> producer;

    PlainKafkaPipeline(String bootstrap, Admin admin, String topic, int partitions, int consumers, PhaseProbe.Slot probes) {
        this.bootstrap = bootstrap;
        this.admin = admin;
        this.topic = topic;
        this.partitions = partitions;
        this.consumers = consumers;
        this.probes = probes;
    }

    /** The producer properties CourierProducer would use, so the pipelines differ only in what is on top. */
    static Map<String, Object> producerProps(String bootstrap) {
        return CourierProducerConfig.builder().bootstrapServers(bootstrap).schemaRegistryUrl("mem://unused")
                .build().kafkaProducerProps();
    }

    /** Creates the topic and the producer; then the subclass's consumers. */
    @Override
    public final void start() throws Exception {
        BenchTopics.create(admin, partitions, Map.of(topic, Map.of()));
        producer = new KafkaProducer<>(producerProps(bootstrap));
        startConsumers();
    }

    /** Starts {@code consumers} consumer threads and returns once they all take part. */
    protected abstract void startConsumers() throws Exception;

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
