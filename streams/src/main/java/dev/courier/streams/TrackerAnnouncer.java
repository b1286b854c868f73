package dev.courier.streams;

import dev.courier.schemas.TrackerEndpoint;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces a tracker instance's HTTP endpoint in the compacted {@code <prefix>.trackers} topic (key
 * {@code host:port}) so that operators' commands find a tracker from the cluster alone, and withdraws it with
 * a tombstone on a clean stop. An instance that crashed leaves its entry: readers try the next one.
 */
final class TrackerAnnouncer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrackerAnnouncer.class);

    private final String topic;
    private final String key;
    private final KafkaProducer<String, TrackerEndpoint> producer;

    TrackerAnnouncer(TrackerConfig config, SchemaRegistryClient registry, String host, int port) {
        this.topic = config.topics().trackers();
        this.key = host + ":" + port;
        Map<String, Object> props = new HashMap<>();
        // The same security settings as the tracker's own clients.
        config.streamsProperties().forEach((name, value) -> {
            String setting = name.toString();
            if (setting.startsWith("security.") || setting.startsWith("sasl.") || setting.startsWith("ssl.")) {
                props.put(setting, value);
            }
        });
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        this.producer = new KafkaProducer<>(props, new StringSerializer(),
                CourierSerdes.value(TrackerEndpoint.class, registry).serializer());
    }

    void announce(String applicationId) {
        TrackerEndpoint endpoint = TrackerEndpoint.newBuilder()
                .setUrl("http://" + key).setApplicationId(applicationId).setStartedAt(Instant.now()).build();
        send(endpoint);
        log.info("tracker HTTP API at http://{} announced in {}", key, topic);
    }

    @Override
    public void close() {
        send(null);
        producer.close(Duration.ofSeconds(5));
    }

    private void send(TrackerEndpoint endpoint) {
        try {
            producer.send(new ProducerRecord<>(topic, key, endpoint)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The lookup still works through every other announced instance; say so and go on.
            log.warn("could not {} this tracker's endpoint in {}: {}", endpoint == null ? "withdraw" : "announce",
                    topic, e.toString());
        }
    }
}
