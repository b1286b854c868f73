package dev.courier.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * A real headless Chromium (Debian's {@code /usr/bin/chromium}) driven over the Chrome DevTools Protocol with the
 * JDK's WebSocket client: one page, navigate, evaluate JavaScript, take a screenshot.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    /** Starts Chromium with its profile in {@code dir} and attaches to its first page. */
    HeadlessChromium(Path dir) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        this.process = new ProcessBuilder(BINARY.toString(), "--headless=new", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--window-size=1200,900", "about:blank")
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        // Chromium writes the port it chose (and the browser's WebSocket path) to DevToolsActivePort.
        Path activePort = profile.resolve("DevToolsActivePort");
        Awaitility.await("Chromium's DevTools port").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.exists(activePort) && Files.readAllLines(activePort).size() >= 2);
        int port = Integer.parseInt(Files.readAllLines(activePort).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        String pageUrl = null;
        for (JsonNode target : JSON.readTree(http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body())) {
            if (target.path("type").asText().equals("page")) {
                pageUrl = target.path("webSocketDebuggerUrl").asText();
            }
        }
        if (pageUrl == null) {
            throw new IllegalStateException("Chromium has no page to attach to");
        }
        this.page = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), new Listener()).get(30, TimeUnit.SECONDS);
    }

    /** Loads {@code url} and waits for its load event's command to return. */
    void navigate(String url) throws Exception {
        send("Page.enable", JSON.createObjectNode());
        send("Page.navigate", JSON.createObjectNode().put("url", url));
    }

    /** The value of a JavaScript expression in the page (a promise is awaited), as JSON. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("JavaScript failed: " + result.path("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** The page's text content of element {@code id}, empty if there is none. */
    String text(String id) throws Exception {
        return evaluate("(document.getElementById('" + id + "') || {textContent: ''}).textContent").asText();
    }

    /** A PNG of the whole page at 1200 px wide. */
    void screenshot(Path file) throws Exception {
        send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", 1200).put("height", 900)
                .put("deviceScaleFactor", 1).put("mobile", false));
        JsonNode shot = send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
                .put("captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    private JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
        command.set("params", params);
        page.sendText(command.toString(), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        JsonNode response = answer.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (response.has("error")) {
            throw new IllegalStateException(method + " failed: " + response.path("error"));
        }
        return response.path("result");
    }

    /** Collects a message's frames; hands each command's response to its waiting future, ignores events. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder frames = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frames.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(frames.toString());
                    CompletableFuture<JsonNode> waiting = message.has("id") ? pending.remove(message.path("id").asInt()) : null;
                    if (waiting != null) {
                        waiting.complete(message);
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                frames.setLength(0);
            }
            socket.request(1);
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        page.abort();
        process.descendants().forEach(ProcessHandle::destroy); // renderers, zygote, GPU helper
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
