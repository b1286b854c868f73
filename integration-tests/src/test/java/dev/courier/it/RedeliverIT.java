package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * `courier redeliver` on real brokers: after every device was offline, the failed deliveries wait out a
 * two-minute back-off; once the outage is fixed, a redeliver request sends them now. The dry run writes nothing.
 */
@ExtendWith(SharedCourier.class)
class RedeliverIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 20;

    @Test
    void afterAConsumerOutageRedeliverSendsThePendingDeliveriesNowNotAfterTheirBackOff() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("redeliver", 6);
        try (RecordingPipeline pipeline = new RecordingPipeline("redeliver", topics)) {
            // a first failure waits two minutes
            DeliveryTracker tracker = pipeline.track(new DeliveryTracker(pipeline.trackerConfig(120_000, Map.of(
                    TrackerConfig.HTTP_PORT_CONFIG, 0))));
            tracker.start();
            tracker.awaitRunning(Duration.ofMinutes(2));
            DeliveryConsumer offline = pipeline.startConsumer("offline", 1.0); // the outage: every device unreachable
            pipeline.awaitConsumersJoined(1);
            CourierProducer producer = pipeline.producer();
            for (int i = 0; i < MESSAGES; i++) {
                producer.send(OutgoingMessage.builder().senderId("ops").conversationId("c-" + i).recipients("user-" + i)
                        .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).build()).get(1, TimeUnit.MINUTES);
            }
            String[] connection = {"--bootstrap-servers", SharedCourier.bootstrapServers(),
                    "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", SharedCourier.prefixOf(topics)};
            Awaitility.await("every delivery failed once and waits out its back-off").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> run(connection, "redeliver", "--json").path("would_redeliver").asInt() == MESSAGES);

            offline.close();
            pipeline.startConsumer("recovered", 0.0); // the outage is fixed
            pipeline.awaitConsumersJoined(1);
            Map<TopicPartition, Long> before = endOffsets(List.of(topics.send(), topics.commands()));
            JsonNode dryRun = run(connection, "redeliver", "--recipient", "user-1", "--recipient", "user-2", "--json");
            assertEquals(2, dryRun.path("would_redeliver").asInt(), dryRun.toString());
            assertTrue(dryRun.path("dry_run").asBoolean());
            assertEquals(before, endOffsets(List.of(topics.send(), topics.commands())), "a dry run writes nothing");

            long asked = System.nanoTime();
            JsonNode executed = run(connection, "redeliver", "--rate", "50", "--execute", "--json");
            assertTrue(executed.path("requested").asBoolean(), executed.toString());
            assertEquals(MESSAGES, executed.path("would_redeliver").asInt());
            Awaitility.await("every message delivered long before its two-minute back-off")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> pipeline.received.size() == MESSAGES);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked);
            assertTrue(seconds < 60, "delivered " + seconds + " s after the request");
        }
    }

    private static JsonNode run(String[] connection, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(connection));
        StringWriter out = new StringWriter();
        CommandLine cli = Courier.commandLine();
        cli.setOut(new PrintWriter(out, true));
        int code = cli.execute(all.toArray(String[]::new));
        assertEquals(0, code, out.toString());
        return JSON.readTree(out.toString());
    }

    private static Map<TopicPartition, Long> endOffsets(List<String> topicNames) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            for (var description : admin.describeTopics(topicNames).allTopicNames().get().values()) {
                description.partitions().forEach(p ->
                        request.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> ends = new java.util.TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }
}
