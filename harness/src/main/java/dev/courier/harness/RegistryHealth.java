package dev.courier.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * What a schema registry's {@code GET /health} says: up or not, and how many bad {@code _schemas} records it
 * skipped. An unreachable registry is down with {@code badRecords} -1.
 */
record RegistryHealth(boolean up, long badRecords, String body) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static RegistryHealth of(String registryUrl) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(registryUrl + "/health"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = Json.MAPPER.readTree(response.body());
            return new RegistryHealth(response.statusCode() == 200 && "UP".equals(json.path("status").asText()),
                    json.path("badRecords").asLong(-1), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RegistryHealth(false, -1, "interrupted");
        } catch (Exception e) {
            return new RegistryHealth(false, -1, e.toString());
        }
    }

    /** Asks every half second until {@code condition} holds or {@code patienceMs} has passed; the last answer. */
    static RegistryHealth await(String registryUrl, Predicate<RegistryHealth> condition, long patienceMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + patienceMs;
        RegistryHealth h = of(registryUrl);
        while (!condition.test(h) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            h = of(registryUrl);
        }
        return h;
    }
}
