package dev.courier.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}) scraping the given targets every second, and
 * its HTTP query API.
 */
final class PrometheusProcess implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Starts Prometheus in {@code dir} with one job per entry of {@code targets} (job name to host:port). */
    PrometheusProcess(Path dir, Map<String, String> targets) throws IOException {
        this.port = freePort();
        String jobs = targets.entrySet().stream().map(e -> """
                  - job_name: %s
                    static_configs:
                      - targets: ['%s']
                """.formatted(e.getKey(), e.getValue())).collect(Collectors.joining());
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                """ + jobs);
        this.process = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Awaitility.await("Prometheus ready on port " + port).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> get("/-/ready").statusCode() == 200);
    }

    /** The server's base URL. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The value of an instant query returning one series, empty while it returns none. */
    OptionalDouble query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode result = JSON.readTree(response.body()).path("data").path("result");
        if (response.statusCode() != 200 || result.isEmpty()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
    }

    /** The scrape health of every target, by job ({@code up}, {@code down} or {@code unknown}). */
    Map<String, String> targetHealth() throws IOException, InterruptedException {
        JsonNode active = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return java.util.stream.StreamSupport.stream(active.spliterator(), false).collect(Collectors.toMap(
                t -> t.path("labels").path("job").asText(), t -> t.path("health").asText(), (a, b) -> a + "," + b));
    }

    /** Every target's job, health and last scrape error, for a failure message. */
    String describeTargets() throws IOException, InterruptedException {
        JsonNode active = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return java.util.stream.StreamSupport.stream(active.spliterator(), false)
                .map(t -> t.path("labels").path("job").asText() + " " + t.path("health").asText()
                        + (t.path("lastError").asText().isEmpty() ? "" : " (" + t.path("lastError").asText() + ")")
                        + " last scrape " + t.path("lastScrape").asText() + " took " + t.path("lastScrapeDuration").asText() + " s")
                .collect(Collectors.joining("; "));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
