package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.cli.Courier;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.harness.ChildJvm;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryState;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.EventChecks;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipeline end to end on a real 3-node cluster: publish, deliver, ack, tracker settles; and the same
 * under a broker SIGKILL, a delivery consumer SIGKILL and a tracker SIGKILL.
 */
@ExtendWith(SharedCourier.class)
class PipelineIT {

    private static SchemaRegistryClient registry;

    @BeforeAll
    static void registry() {
        registry = SchemaRegistryClients.fromUrl(SharedCourier.registryUrl());
    }

    @AfterAll
    static void closeRegistry() {
        registry.close();
    }

    @Test
    void messagesAreDeliveredOnceInOrderPerRecipientAndAcked() throws Exception {
        try (InProcessPipeline pipeline = new InProcessPipeline("e2e", SharedCourier.freshTopics("e2e", 6))) {
            pipeline.startTracker(5_000);
            pipeline.startConsumer("c1", 0.0);
            pipeline.startConsumer("c2", 0.0);
            pipeline.awaitConsumersJoined(2);
            CourierProducer producer = pipeline.producer();

            List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                sends.add(producer.send(message("user-" + (i % 30), i)));
            }
            sends.add(producer.send(OutgoingMessage.builder().senderId("alice").conversationId("group-1")
                    .recipients("bob", "carol", "dave").payload("hi all".getBytes(StandardCharsets.UTF_8)).build()));
            Set<String> expected = keysOf(sends);
            assertEquals(303, expected.size(), "fan-out: one delivery per recipient");

            awaitAllDelivered(pipeline.topics(), expected);
            for (String key : expected) {
                assertEquals(1, pipeline.received.get(key).get(), "handed to the application once: " + key);
            }
            assertInSendOrderPerRecipient(pipeline.receivedInOrder, sends);
            assertTrue(TopicReader.readAll(pipeline.topics().deadLetter(), DeadLetter.class, registry).isEmpty());
        }
    }

    @Test
    void aBrokerKilledMidStreamLosesNothing() throws Exception {
        try (InProcessPipeline pipeline = new InProcessPipeline("broker-kill", SharedCourier.freshTopics("broker-kill", 6))) {
            pipeline.startTracker(5_000);
            pipeline.startConsumer("c1", 0.0);
            pipeline.startConsumer("c2", 0.0);
            pipeline.awaitConsumersJoined(2);
            CourierProducer producer = pipeline.producer();

            List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
            int victim = -1;
            for (int i = 0; i < 3000; i++) {
                if (i == 1000) {
                    victim = SharedCourier.cluster().leaderOf(pipeline.topics().send(), 0);
                    SharedCourier.cluster().killNode(victim);
                }
                if (i == 2000) {
                    SharedCourier.cluster().startNode(victim);
                }
                sends.add(producer.send(message("user-" + (i % 50), i)));
                if (i % 100 == 0) {
                    Thread.sleep(50);
                }
            }
            Set<String> expected = keysOf(sends);
            assertEquals(3000, expected.size(), "every send was acknowledged (acks=all, 2 of 3 replicas)");
            awaitAllDelivered(pipeline.topics(), expected);
            // A transaction in flight when the broker died (or a rebalance meanwhile) may abort: its batch is
            // handed again, flagged possibleRedelivery, and acked once. Never an unflagged repeat.
            assertEquals(0, pipeline.unflaggedRepeats.get(), "every repeat hand-off is flagged possibleRedelivery");
        }
    }

    @Test
    void aConsumerKilledMidStreamLeadsToRedeliveryAndNoDuplicateToTheApplication() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("consumer-kill", 6);
        String prefix = SharedCourier.prefixOf(topics);
        Path dir = Files.createTempDirectory("consumer-kill");
        try (InProcessPipeline pipeline = new InProcessPipeline("consumer-kill", topics)) {
            pipeline.startTracker(5_000);
            List<ChildJvm> consumers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                consumers.add(ChildJvm.start("consumer-" + i, dir.resolve("consumer-" + i + ".log"), "256m",
                        Courier.class.getName(), List.of(
                        "consumer", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                        "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", prefix,
                        "--group", prefix + "-delivery", "--consumer-id", "consumer-" + i,
                        "--latency-ms", "5", // slow devices: a batch is in flight for a while
                        "--hand-log", dir.resolve("consumer-" + i + ".deliveries").toString())));
            }
            try {
                CourierProducer producer = pipeline.producer();
                List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
                for (int i = 0; i < 1500; i++) {
                    sends.add(producer.send(message("user-" + (i % 40), i)));
                }
                Set<String> expected = keysOf(sends);
                Path victimLog = dir.resolve("consumer-0.deliveries");
                await("consumer-0 is delivering").atMost(Duration.ofMinutes(2))
                        .until(() -> Files.exists(victimLog) && Files.readAllLines(victimLog).size() > 100);
                consumers.get(0).kill();
                Thread.sleep(2_000);
                consumers.get(0).restart();

                awaitAllDelivered(topics, expected);
                Map<String, Long> committed = TopicReader.readAcks(topics.ack(), registry).stream()
                        .filter(a -> !a.getDuplicate() && EventChecks.settles(a.getStatus()))
                        .collect(Collectors.groupingBy(a -> CourierTopics.deliveryKey(a.getMessageId(), a.getRecipientId()),
                                Collectors.counting()));
                assertEquals(expected, committed.keySet());
                assertTrue(committed.values().stream().allMatch(n -> n == 1),
                        "exactly one committed delivery per message: the killed consumer's open transaction was aborted");
                long handed = 0;
                Set<String> distinct = new HashSet<>();
                for (int i = 0; i < 2; i++) {
                    for (String line : Files.readAllLines(dir.resolve("consumer-" + i + ".deliveries"))) {
                        handed++;
                        String[] f = line.split(" ");
                        distinct.add(CourierTopics.deliveryKey(f[0], f[1]));
                    }
                }
                assertEquals(expected, distinct);
                assertTrue(handed > distinct.size(), "the killed consumer's uncommitted batch was redelivered ("
                        + handed + " hand-offs for " + distinct.size() + " messages)");
            } finally {
                for (ChildJvm c : consumers) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aTrackerKilledWithPendingMessagesLosesNone() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("tracker-kill", 6);
        String prefix = SharedCourier.prefixOf(topics);
        Path dir = Files.createTempDirectory("tracker-kill");
        try (InProcessPipeline pipeline = new InProcessPipeline("tracker-kill", topics);
             ChildJvm tracker = ChildJvm.start("tracker", dir.resolve("tracker.log"), "384m", Courier.class.getName(), List.of(
                     "tracker", "--bootstrap-servers", SharedCourier.bootstrapServers(),
                     "--registry-url", SharedCourier.registryUrl(), "--topic-prefix", prefix,
                     "--application-id", prefix + "-tracker", "--state-dir", dir.resolve("state").toString(),
                     "--ack-timeout-ms", "2000"))) {
            // Every device is offline: the consumer answers RETRY for each message, with its event, and the
            // tracker holds all of them pending and re-emits them every few seconds. (No seq: no order holds.)
            DeliveryConsumer offline = pipeline.startConsumer("offline", 1.0);
            CourierProducer producer = pipeline.producer();
            List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sends.add(producer.send(OutgoingMessage.builder().senderId("sender").recipients("user-" + (i % 20))
                        .conversationId("conv-" + i).payload(("message " + i).getBytes(StandardCharsets.UTF_8)).build()));
            }
            Set<String> expected = keysOf(sends);
            awaitAllSettled(topics, expected, DeliveryState.PENDING);
            tracker.kill();
            // Under exactly-once, state left on disk by a crash is not trusted: the restarted tracker
            // rebuilds its pending deliveries from the changelog.
            tracker.restart();
            offline.close();
            pipeline.startConsumer("online", 0.0);

            awaitAllDelivered(topics, expected);
            assertTrue(TopicReader.readAll(topics.deadLetter(), DeadLetter.class, registry).isEmpty(),
                    "nothing dead-lettered");
            long duplicates = pipeline.received.values().stream().filter(n -> n.get() > 1).count();
            assertEquals(0, duplicates, "re-emits were de-duplicated before the application");
        }
    }

    // --- helpers

    private static OutgoingMessage message(String recipient, int i) {
        return OutgoingMessage.builder().senderId("sender").recipients(recipient)
                .conversationId("conv-" + recipient).seq(i)
                .payload(("message " + i).getBytes(StandardCharsets.UTF_8)).build();
    }

    private static Set<String> keysOf(List<CompletableFuture<SendReceipt>> sends) throws Exception {
        Set<String> keys = new HashSet<>();
        for (CompletableFuture<SendReceipt> f : sends) {
            SendReceipt receipt = f.get(2, TimeUnit.MINUTES);
            receipt.placements().forEach(p -> keys.add(CourierTopics.deliveryKey(receipt.messageId(), p.recipientId())));
        }
        return keys;
    }

    /** Waits until every key has a committed DELIVERED ack (not a duplicate re-ack), reading the ack topic back. */
    private static void awaitAllDelivered(CourierTopics topics, Set<String> keys) {
        await("all " + keys.size() + " deliveries acked DELIVERED").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    Set<String> delivered = new HashSet<>();
                    for (DeliveryAck a : TopicReader.readAcks(topics.ack(), registry)) {
                        if (a.getStatus() == AckStatus.DELIVERED && !a.getDuplicate()) {
                            delivered.add(CourierTopics.deliveryKey(a.getMessageId(), a.getRecipientId()));
                        }
                    }
                    return delivered.containsAll(keys);
                });
    }

    /** Waits until the latest status of every key is {@code state}, reading the status topic back. */
    private static void awaitAllSettled(CourierTopics topics, Set<String> keys, DeliveryState state) {
        await("all " + keys.size() + " deliveries " + state).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    Map<String, DeliveryState> latest = new HashMap<>();
                    for (DeliveryStatus s : TopicReader.readAll(topics.status(), DeliveryStatus.class, registry)) {
                        latest.put(CourierTopics.deliveryKey(s.getMessageId(), s.getRecipientId()), s.getState());
                    }
                    return keys.stream().allMatch(k -> latest.get(k) == state);
                });
    }

    /** Per recipient, the application received messages in the order they were sent. */
    private static void assertInSendOrderPerRecipient(List<String> receivedInOrder,
                                                      List<CompletableFuture<SendReceipt>> sends) throws Exception {
        Map<String, Integer> sendIndex = new HashMap<>();
        for (int i = 0; i < sends.size(); i++) {
            SendReceipt r = sends.get(i).get();
            for (SendReceipt.Placement p : r.placements()) {
                sendIndex.put(CourierTopics.deliveryKey(r.messageId(), p.recipientId()), i);
            }
        }
        Map<String, Integer> lastByRecipient = new HashMap<>();
        for (String key : receivedInOrder) {
            String recipient = key.substring(key.indexOf('/') + 1);
            int index = sendIndex.get(key);
            Integer previous = lastByRecipient.put(recipient, index);
            assertTrue(previous == null || previous < index, "out of order for " + recipient);
        }
    }
}
