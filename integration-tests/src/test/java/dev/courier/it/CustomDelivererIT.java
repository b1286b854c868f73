package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.backend.PublishExample;
import com.sun.net.httpserver.HttpServer;
import dev.courier.schemas.CourierTopics;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A user's own Deliverer, as the README shows it: the examples project's backend publishes with
 * {@code CourierProducer}, and {@code courier consumer --deliverer ... --classpath examples.jar} (a separate JVM,
 * whose classpath does not hold the examples) loads the webhook Deliverer from the jar and posts each copy.
 */
@ExtendWith(SharedCourier.class)
class CustomDelivererIT {

    private static final String WEBHOOK_DELIVERER = "com.example.webhook.WebhookDeliverer";

    /** One POST as the webhook received it. */
    record Hook(Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    @Test
    void theExampleBackendPublishesAndTheWebhookDelivererFromItsJarPostsEveryCopy() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("custom-deliverer", 3);
        ConcurrentLinkedQueue<Hook> received = new ConcurrentLinkedQueue<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            received.add(new Hook(Map.copyOf(exchange.getRequestHeaders()),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        Path output = Files.createTempFile("custom-deliverer", ".out");
        Process consumer = courier(output, "consumer", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", SharedCourier.prefixOf(topics),
                "--deliverer", WEBHOOK_DELIVERER, "--classpath", examplesJar().toString(),
                "--deliverer-property", "webhook.url=http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
        try {
            String messageId = publishWithTheExampleBackend(topics);

            Awaitility.await("the webhook received bob's and carol's copies").atMost(Duration.ofMinutes(2))
                    .until(() -> received.size() >= 2 || !consumer.isAlive());
            assertTrue(consumer.isAlive(), "the consumer stopped early: " + Files.readString(output));
            assertEquals(List.of("bob", "carol"), received.stream().map(h -> h.header("Courier-Recipient-Id")).sorted().toList());
            for (Hook hook : received) {
                assertEquals(messageId, hook.header("Courier-Message-Id"));
                assertEquals("lunch at noon?", hook.body());
                assertEquals("text/plain", hook.header("Content-Type"));
                assertEquals("alice", hook.header("Courier-Sender-Id"));
                // The first records after an assignment are flagged "maybe handed before" (consumer package doc).
                assertTrue(List.of("true", "false").contains(hook.header("Courier-Possible-Redelivery")), hook.toString());
            }
        } finally {
            consumer.destroy();
            consumer.waitFor(30, TimeUnit.SECONDS);
            webhook.stop(0);
        }
    }

    @Test
    void aDelivererClassThatIsNotOnTheClasspathIsAUsageErrorInOneSentence() throws Exception {
        Path output = Files.createTempFile("custom-deliverer", ".out");
        Process consumer = courier(output, "consumer", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                "--registry-url", SharedCourier.registryUrl(), "--deliverer", "com.example.NoSuchDeliverer",
                "--classpath", examplesJar().toString());

        assertTrue(consumer.waitFor(60, TimeUnit.SECONDS), "the consumer did not exit");
        String stderr = Files.readString(output);
        assertEquals(2, consumer.exitValue(), stderr);
        assertTrue(stderr.contains("Deliverer class com.example.NoSuchDeliverer cannot be loaded"), stderr);
        assertTrue(!stderr.contains("\tat "), "a stack trace reached the terminal: " + stderr);
    }

    private static String publishWithTheExampleBackend(CourierTopics topics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            PublishExample.main(new String[] {SharedCourier.bootstrapServers(), SharedCourier.registryUrl(),
                    SharedCourier.prefixOf(topics)});
        } finally {
            System.setOut(stdout);
        }
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    /** The examples project's build output, as Maven resolved it for this test. */
    private static Path examplesJar() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of).filter(p -> p.toString().contains("examples")).findFirst()
                .orElseThrow(() -> new IllegalStateException("courier-examples is not on the test classpath"));
    }

    /** {@code bin/courier ARGS} in its own JVM (this test's classpath without the examples), output to a file. */
    private static Process courier(Path output, String... args) throws IOException {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).equals(examplesJar())).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-Dlog4j2.configurationFile=log4j2.xml", // the CLI's logging, not this module's test config
                "-Dcourier.log.dir=" + Files.createTempDirectory("custom-deliverer-logs"),
                "-cp", classpath, "dev.courier.cli.Courier"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }
}
