package dev.courier.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.HistoryEvent;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
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
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Answers "where is message X" and "how many deliveries are pending" for every partition: this instance's
 * active tasks (interactive queries) plus every other instance's, asked over HTTP at the
 * {@code application.server} Kafka Streams knows it by. A message's copies live in the partitions of their
 * recipients, so every instance is asked.
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
        for (JsonNode answer : askOthers("/v1/messages/" + encode(messageId) + "?scope=local", unreachable)) {
            answer.path("recipients").forEach(recipients::add);
        }
        return new Answer(messageId, recipients, unreachable);
    }

    /**
     * How many deliveries the tracker holds, everywhere, and how many {@code selection} would move forward:
     * {@code {"pending":N,"selected":M}}, plus {@code unreachableInstances} if some did not answer.
     */
    ObjectNode pendingEverywhere(RedeliverRequest selection, String query) {
        ObjectNode counts = pendingLocal(selection);
        List<String> unreachable = new ArrayList<>();
        for (JsonNode answer : askOthers("/v1/pending?scope=local" + (query.isEmpty() ? "" : "&" + query), unreachable)) {
            counts.put("pending", counts.path("pending").asLong() + answer.path("pending").asLong());
            counts.put("selected", counts.path("selected").asLong() + answer.path("selected").asLong());
        }
        if (!unreachable.isEmpty()) {
            unreachable.forEach(counts.putArray("unreachableInstances")::add);
        }
        return counts;
    }

    /** This instance's share of {@link #pendingEverywhere}. */
    ObjectNode pendingLocal(RedeliverRequest selection) {
        ReadOnlyKeyValueStore<String, PendingDelivery> store = streams.store(StoreQueryParameters.fromNameAndType(
                TrackerTopology.PENDING_STORE, QueryableStoreTypes.keyValueStore()));
        long pending = 0;
        long selected = 0;
        try (KeyValueIterator<String, PendingDelivery> all = store.all()) {
            while (all.hasNext()) {
                PendingDelivery state = all.next().value;
                pending += state.getEvent() == null ? 0 : 1;
                selected += RedeliverSelection.selects(selection, state) ? 1 : 0;
            }
        }
        return JSON.createObjectNode().put("pending", pending).put("selected", selected);
    }

    /** Asks every other instance with the history store for {@code pathAndQuery}; their JSON answers (404: none). */
    private List<JsonNode> askOthers(String pathAndQuery, List<String> unreachable) {
        List<JsonNode> answers = new ArrayList<>();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            HostInfo host = instance.hostInfo();
            if (host.equals(self)) {
                continue;
            }
            try {
                ask(host, pathAndQuery).ifPresent(answers::add);
            } catch (IOException e) {
                unreachable.add(host.host() + ":" + host.port());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unreachable.add(host.host() + ":" + host.port());
            }
        }
        return answers;
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

    private Optional<JsonNode> ask(HostInfo host, String pathAndQuery) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(PEER_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        return Optional.of(JSON.readTree(response.body()));
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
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
