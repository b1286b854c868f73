package dev.courier.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.HistoryEvent;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Answers "where is message X" for every partition: this instance's histories (interactive query of its
 * active tasks) plus every other instance's, asked over HTTP at the {@code application.server} Kafka Streams
 * knows it by. A message's copies live in the partitions of their recipients, so every instance is asked.
 */
final class StatusLookup {

    /** The answer: the message's recipients found, and the instances that could not be asked. */
    record Answer(String messageId, List<JsonNode> recipients, List<String> unreachable) {

        boolean found() {
            return !recipients.isEmpty();
        }

        ObjectNode toJson() {
            ObjectNode json = JSON.createObjectNode().put("messageId", messageId);
            ArrayNode array = json.putArray("recipients");
            recipients.stream().sorted(Comparator.comparing(r -> r.path("recipientId").asText())).forEach(array::add);
            if (!unreachable.isEmpty()) {
                unreachable.forEach(json.putArray("unreachableInstances")::add);
            }
            return json;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PEER_TIMEOUT).build();

    private final Duration retention;

    StatusLookup(KafkaStreams streams, HostInfo self, Duration retention) {
        this.streams = streams;
        this.self = self;
        this.retention = retention;
    }

    /** This instance's and every other instance's histories of {@code messageId}. */
    Answer everywhere(String messageId) {
        List<JsonNode> recipients = new ArrayList<>(local(messageId));
        List<String> unreachable = new ArrayList<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            HostInfo host = instance.hostInfo();
            if (host.equals(self) || !instance.stateStoreNames().contains(TrackerTopology.HISTORY_STORE)) {
                continue;
            }
            try {
                JsonNode answer = ask(host, messageId);
                answer.path("recipients").forEach(recipients::add);
            } catch (IOException e) {
                unreachable.add(host.host() + ":" + host.port());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unreachable.add(host.host() + ":" + host.port());
            }
        }
        return new Answer(messageId, recipients, unreachable);
    }

    /** The histories of {@code messageId} in this instance's active tasks, as JSON. */
    List<JsonNode> local(String messageId) {
        ReadOnlyWindowStore<String, DeliveryHistory> store = streams.store(StoreQueryParameters.fromNameAndType(
                TrackerTopology.HISTORY_STORE, QueryableStoreTypes.windowStore()));
        List<JsonNode> found = new ArrayList<>();
        // Keys are messageId/recipientId: one range covers every recipient of the message.
        try (KeyValueIterator<Windowed<String>, DeliveryHistory> range = store.fetch(
                messageId + "/", messageId + "/\uffff", Instant.now().minus(retention), Instant.ofEpochMilli(Long.MAX_VALUE))) {
            while (range.hasNext()) {
                KeyValue<Windowed<String>, DeliveryHistory> entry = range.next();
                found.add(toJson(entry.value));
            }
        }
        return found;
    }

    private JsonNode ask(HostInfo host, String messageId) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + "/v1/messages/"
                + URLEncoder.encode(messageId, StandardCharsets.UTF_8).replace("+", "%20") + "?scope=local");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(PEER_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return JSON.createObjectNode();
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    static ObjectNode toJson(DeliveryHistory history) {
        ObjectNode json = JSON.createObjectNode()
                .put("recipientId", history.getRecipientId())
                .put("status", history.getProgress().name())
                .put("attempts", history.getAttempts());
        if (history.getReason() != null) {
            json.put("reason", history.getReason());
        }
        ArrayNode timeline = json.putArray("timeline");
        for (HistoryEvent step : history.getTimeline()) {
            ObjectNode entry = timeline.addObject()
                    .put("event", step.getEvent())
                    .put("at", step.getAt().toString())
                    .put("attempt", step.getAttempt());
            if (step.getDetail() != null) {
                entry.put("detail", step.getDetail());
            }
        }
        return json;
    }
}
