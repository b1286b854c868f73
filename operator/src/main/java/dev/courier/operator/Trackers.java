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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The trackers' HTTP APIs, as operators' commands reach them: announced by the tracker instances in the
 * compacted {@code <prefix>.trackers} topic, or given (--tracker-url). Any instance answers for every
 * partition; they are tried in turn, since a crashed one leaves its announcement behind.
 */
public final class Trackers {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final List<String> given;
    private final HttpClient http;

    /** @param urls trackers to ask; empty: the announced ones */
    public Trackers(Connection connection, List<String> urls) {
        this.connection = connection;
        this.given = List.copyOf(urls);
        this.http = HttpClient.newBuilder().connectTimeout(connection.timeout()).build();
    }

    /**
     * {@code GET pathAndQuery} of the first tracker that answers: its JSON on 200, empty on 404.
     *
     * @throws EnvironmentUnavailableException no tracker answered
     */
    public Optional<JsonNode> get(String pathAndQuery) {
        List<String> urls = given.isEmpty() ? announced() : given;
        if (urls.isEmpty()) {
            throw new EnvironmentUnavailableException("no tracker has announced an HTTP API in "
                    + connection.topics().trackers() + " (start one with `courier tracker`, or pass --tracker-url)");
        }
        List<String> failures = new ArrayList<>();
        for (String url : urls) {
            URI uri = URI.create(url.replaceAll("/+$", "") + pathAndQuery);
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(connection.timeout())
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return Optional.of(JSON.readTree(response.body()));
                }
                if (response.statusCode() == 404) {
                    return Optional.empty();
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

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The HTTP APIs tracker instances announced, newest first. */
    public List<String> announced() {
        String topic = connection.topics().trackers();
        Map<String, TrackerEndpoint> latest = new LinkedHashMap<>();
        try (SchemaRegistryClient registry = connection.registry();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(connection.readerProperties())) {
            if (consumer.partitionsFor(topic, connection.timeout()).isEmpty()) {
                throw new NotFoundException("no topic " + topic + " (is --topic-prefix right?)");
            }
            Deserializer<TrackerEndpoint> values = CourierSerdes.value(TrackerEndpoint.class, registry).deserializer();
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            TopicScan.readTo(consumer, consumer.endOffsets(List.of(partition), connection.timeout()), connection.timeout(),
                    record -> {
                        String key = new String(record.key(), StandardCharsets.UTF_8);
                        TrackerEndpoint endpoint = values.deserialize(topic, record.value());
                        latest.remove(key);
                        if (endpoint != null) {
                            latest.put(key, endpoint);
                        }
                    });
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new EnvironmentUnavailableException("the Kafka cluster at " + connection.bootstrapServers()
                    + " did not answer within " + connection.timeout().toSeconds() + " s", e);
        }
        List<String> urls = new ArrayList<>();
        latest.values().forEach(endpoint -> urls.add(0, endpoint.getUrl()));
        return urls;
    }
}
