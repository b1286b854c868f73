package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.cli.Courier;
import dev.courier.cli.ExitCodes;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.harness.ChildJvm;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.CourierTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer id is one running delivery consumer's: a second one started with it stops with one sentence
 * ({@code bin/courier consumer} exits 2) and leaves the running one alone, while a consumer restarted after a
 * SIGKILL takes its own id over.
 */
@ExtendWith(SharedCourier.class)
class ConsumerIdIT {

    private static final Logger log = LoggerFactory.getLogger(ConsumerIdIT.class);
    private static final int SESSION_TIMEOUT_MS = 10_000; // DeliveryConsumerConfig's default

    @Test
    void aSecondConsumerWithARunningConsumersIdStopsWithOneSentenceAndTheFirstKeepsDelivering() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("twin", 3);
        Path dir = Files.createTempDirectory("twin");
        try (RecordingPipeline pipeline = new RecordingPipeline("twin", topics)) {
            DeliveryConsumer running = pipeline.startConsumer("c1", 0.0);
            pipeline.awaitConsumersJoined(1);
            CourierProducer producer = pipeline.producer();
            Set<String> before = keysOf(sendAll(producer, 0, 200));
            awaitReceived(pipeline, before);

            OptionalInt exit;
            try (ChildJvm twin = ChildJvm.start("twin", dir.resolve("twin.log"), "256m", Courier.class.getName(), List.of(
                    "consumer", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                    "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", SharedCourier.prefixOf(topics),
                    "--group", pipeline.consumerGroup(), "--consumer-id", "c1"))) {
                List<CompletableFuture<SendReceipt>> during = sendAll(producer, 200, 200);
                exit = twin.awaitExit(Duration.ofSeconds(SESSION_TIMEOUT_MS / 1000 + 60));
                awaitReceived(pipeline, keysOf(during));
            }

            assertEquals(OptionalInt.of(ExitCodes.USAGE), exit, "the twin stops with the usage exit code");
            String said = Files.readString(dir.resolve("twin.log"));
            assertTrue(said.contains("courier consumer: consumer id 'c1' is already in use by a running consumer in group '"
                    + pipeline.consumerGroup() + "'"), "one sentence on the terminal, got:\n" + said);
            assertTrue(said.lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace on the terminal:\n" + said);
            assertEquals(0, running.metrics().abortedBatches(), "the running consumer was never fenced");
            for (String key : before) {
                assertEquals(1, pipeline.received.get(key).get(), "handed once: " + key);
            }
        }
    }

    @Test
    void aConsumerRestartedAfterSigkillTakesItsIdOver() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("takeover", 3);
        String prefix = SharedCourier.prefixOf(topics);
        String group = prefix + "-delivery";
        Path dir = Files.createTempDirectory("takeover");
        Path hands = dir.resolve("c1.deliveries");
        try (RecordingPipeline pipeline = new RecordingPipeline("takeover", topics);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()));
             ChildJvm c1 = ChildJvm.start("c1", dir.resolve("c1.log"), "256m", Courier.class.getName(), List.of(
                     "consumer", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                     "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", prefix,
                     "--group", group, "--consumer-id", "c1", "--hand-log", hands.toString()))) {
            CourierProducer producer = pipeline.producer();
            Set<String> first = keysOf(sendAll(producer, 0, 200));
            awaitHanded(hands, first);
            String killedMember = memberWithClientId(admin, group, "c1");

            c1.kill();
            long restartedAt = System.nanoTime();
            c1.restart();
            await("the restarted c1 joined in place of the killed one").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> {
                        String m = memberWithClientId(admin, group, "c1");
                        return m != null && !m.equals(killedMember);
                    });
            long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
            log.info("c1 restarted after SIGKILL joined its group {} ms after the restart", takeoverMs);

            Set<String> second = keysOf(sendAll(producer, 200, 200));
            awaitHanded(hands, second);
            // how long the takeover took is logged, not asserted: it includes a JVM start on a shared machine
            assertTrue(c1.isAlive(), "the restarted consumer is running and delivered what was sent after the restart");
        }
    }

    private static String memberWithClientId(Admin admin, String group, String clientId) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(10, TimeUnit.SECONDS);
        if (d.groupState() != GroupState.STABLE) {
            return null;
        }
        return d.members().stream().filter(m -> clientId.equals(m.clientId())).map(m -> m.consumerId())
                .findFirst().orElse(null);
    }

    private static List<CompletableFuture<SendReceipt>> sendAll(CourierProducer producer, int from, int count) {
        List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            sends.add(producer.send(OutgoingMessage.builder().senderId("sender").recipients("user-" + (i % 20))
                    .conversationId("conv-" + (i % 20)).seq(i).payload(("message " + i).getBytes(StandardCharsets.UTF_8))
                    .build()));
        }
        return sends;
    }

    private static Set<String> keysOf(List<CompletableFuture<SendReceipt>> sends) throws Exception {
        Set<String> keys = new HashSet<>();
        for (CompletableFuture<SendReceipt> f : sends) {
            SendReceipt receipt = f.get(2, TimeUnit.MINUTES);
            receipt.placements().forEach(p -> keys.add(CourierTopics.deliveryKey(receipt.messageId(), p.recipientId())));
        }
        return keys;
    }

    private static void awaitReceived(RecordingPipeline pipeline, Set<String> keys) {
        await("all " + keys.size() + " handed to the devices").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200)).until(() -> pipeline.received.keySet().containsAll(keys));
    }

    private static void awaitHanded(Path handLog, Set<String> keys) {
        await("all " + keys.size() + " in the hand log").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    Set<String> handed = new HashSet<>();
                    for (String line : Files.readAllLines(handLog)) {
                        String[] f = line.split(" ");
                        handed.add(CourierTopics.deliveryKey(f[0], f[1]));
                    }
                    return handed.containsAll(keys);
                });
    }
}
