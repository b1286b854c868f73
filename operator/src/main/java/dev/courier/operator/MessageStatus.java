package dev.courier.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.schemas.TrackerEndpoint;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * "Where is message X": asks a tracker's HTTP API ({@code GET /v1/messages/{id}}), found in the compacted
 * {@code <prefix>.trackers} topic where tracker instances announce themselves, or given by the operator.
 * Instances are tried in turn (a crashed one leaves its announcement behind).
 */
public final class MessageStatus {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final HttpClient http;

    public MessageStatus(Connection connection) {
        this.connection = connection;
        this.http = HttpClient.newBuilder().connectTimeout(connection.timeout()).build();
    }

    /**
     * The tracker's answer: {@code {"messageId":..,"recipients":[{"recipientId","status","attempts","timeline"}]}}.
     *
     * @param trackerUrls where to ask; empty: the announced instances
     * @throws NotFoundException no tracker knows the message
     * @throws EnvironmentUnavailableException no tracker answered
     */
    public JsonNode lookup(String messageId, List<String> trackerUrls) {
        List<String> urls = trackerUrls.isEmpty() ? announcedTrackers() : trackerUrls;
        if (urls.isEmpty()) {
            throw new EnvironmentUnavailableException("no tracker has announced an HTTP API in "
                    + connection.topics().trackers() + " (start one with `courier tracker`, or pass --tracker-url)");
        }
        List<String> failures = new ArrayList<>();
        for (String url : urls) {
            URI uri = URI.create(url.replaceAll("/+$", "") + "/v1/messages/"
                    + URLEncoder.encode(messageId, StandardCharsets.UTF_8).replace("+", "%20"));
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(connection.timeout())
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return JSON.readTree(response.body());
                }
                if (response.statusCode() == 404) {
                    throw new NotFoundException("message " + messageId + " is not known to the tracker (never "
                            + "published, or settled longer ago than the status retention)");
                }
                failures.add(url + " answered " + response.statusCode());
            } catch (IOException e) {
                failures.add(url + ": " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EnvironmentUnavailableException("interrupted while asking the trackers", e);
            }
        }
        throw new EnvironmentUnavailableException("no tracker answered: " + String.join("; ", failures));
    }

    /** The HTTP APIs tracker instances announced, newest first. */
    public List<String> announcedTrackers() {
        String topic = connection.topics().trackers();
        Properties props = connection.readerProperties();
        Map<String, TrackerEndpoint> latest = new LinkedHashMap<>();
        try (SchemaRegistryClient registry = connection.registry();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            if (consumer.partitionsFor(topic, connection.timeout()).isEmpty()) {
                throw new NotFoundException("no topic " + topic + " (is --topic-prefix right?)");
            }
            Deserializer<TrackerEndpoint> values = CourierSerdes.value(TrackerEndpoint.class, registry).deserializer();
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), connection.timeout()).get(partition);
            long deadline = System.nanoTime() + connection.timeout().toNanos();
            while (consumer.position(partition, connection.timeout()) < end) {
                if (System.nanoTime() > deadline) {
                    throw new EnvironmentUnavailableException("could not read " + topic + " within " + connection.timeout());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    TrackerEndpoint endpoint = values.deserialize(topic, record.value());
                    latest.remove(key);
                    if (endpoint != null) {
                        latest.put(key, endpoint);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new EnvironmentUnavailableException("the Kafka cluster at " + connection.bootstrapServers()
                    + " did not answer within " + connection.timeout().toSeconds() + " s", e);
        }
        List<String> urls = new ArrayList<>();
        latest.values().forEach(endpoint -> urls.add(0, endpoint.getUrl()));
        return urls;
    }
}
