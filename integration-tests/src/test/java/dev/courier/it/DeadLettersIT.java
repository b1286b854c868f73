package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.streams.TrackerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code courier dlq list|show|redrive} on real brokers: messages that ran out of attempts are counted, shown,
 * redriven once (a dry run writes nothing) and end delivered; poison is listed and shown but never redriven.
 */
@ExtendWith(SharedCourier.class)
class DeadLettersIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 6;

    /** One run of {@code courier <args>} in this JVM: its exit code and what it printed. */
    private record Run(int exitCode, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    private static Run courier(CourierTopics topics, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", SharedCourier.bootstrapServers(), "--registry-url",
                SharedCourier.registryUrl(), "--topic-prefix", SharedCourier.prefixOf(topics), "--timeout", "20s"));
        int code = Courier.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void deadLettersAreListedShownAndRedrivenOnceUntilDelivered() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("dlq", 3);
        try (RecordingPipeline pipeline = new RecordingPipeline("dlq", topics)) {
            // Every device offline and two attempts at most: each message ends MAX_ATTEMPTS within seconds.
            pipeline.startTracker(500, Map.of(TrackerConfig.MAX_ATTEMPTS_CONFIG, 2));
            DeliveryConsumer offline = pipeline.startConsumer("offline", 1.0);
            CourierProducer producer = pipeline.producer();
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < MESSAGES; i++) {
                SendReceipt receipt = producer.send(OutgoingMessage.builder().senderId("sender").recipients("user-" + i)
                        .conversationId("conv-" + i).payload(("message " + i).getBytes(StandardCharsets.UTF_8))
                        .build()).get(2, TimeUnit.MINUTES);
                expected.add(CourierTopics.deliveryKey(receipt.messageId(), "user-" + i));
            }
            // A poison send record (the consumer dead-letters it with its raw bytes, no event) ...
            writeRaw(topics.send(), "user-0", "not avro".getBytes(StandardCharsets.UTF_8));
            await("every message dead-lettered MAX_ATTEMPTS, and the poison record").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        List<DeadLetter> letters = TopicReader.readAll(topics.deadLetter(), DeadLetter.class, SharedCourier.registryClient());
                        return letters.stream().filter(l -> l.getReasonCode().equals("MAX_ATTEMPTS")).count() == MESSAGES
                                && letters.size() == MESSAGES + 1;
                    });
            offline.close();
            // ... and a record on the dead-letter topic that is not a DeadLetter at all.
            writeRaw(topics.deadLetter(), "junk", new byte[] {7, 7, 7});

            Run list = courier(topics, "dlq", "list", "--json");
            assertEquals(0, list.exitCode(), list.err());
            JsonNode listing = list.json();
            assertEquals(MESSAGES + 2, listing.get("total").asInt());
            assertEquals(MESSAGES, listing.get("by_reason").get("MAX_ATTEMPTS").asInt());
            assertEquals(1, listing.get("by_reason").get("WRONG_MAGIC_BYTE").asInt());
            assertEquals(1, listing.get("by_reason").get("UNDECODABLE_DEAD_LETTER").asInt());
            assertEquals(MESSAGES + 2, listing.get("newest").size());
            assertEquals(MESSAGES, courier(topics, "dlq", "list", "--reason", "MAX_ATTEMPTS", "--json").json()
                    .get("total").asInt());
            assertEquals(0, courier(topics, "dlq", "list", "--since", "2099-01-01T00:00:00Z", "--json").json()
                    .get("total").asInt());

            Run table = courier(topics, "dlq", "list");
            assertEquals(0, table.exitCode(), table.err());
            assertTrue(table.out().contains("MAX_ATTEMPTS") && table.out().contains("newest:"), table.out());

            JsonNode maxAttempts = rowWithReason(listing, "MAX_ATTEMPTS");
            Run show = courier(topics, "dlq", "show", maxAttempts.get("id").asText(), "--json");
            assertEquals(0, show.exitCode(), show.err());
            JsonNode shown = show.json();
            assertEquals("MAX_ATTEMPTS", shown.get("reason").asText());
            assertEquals(2, shown.get("attempts").asInt());
            assertEquals(maxAttempts.get("messageId").asText(), shown.get("event").get("messageId").asText());
            assertTrue(shown.get("event").get("payload").asText().startsWith("message "));
            JsonNode byMessageId = courier(topics, "dlq", "show", maxAttempts.get("messageId").asText(), "--json").json();
            assertEquals(1, byMessageId.size(), "a messageId shows every dead letter of that message");
            JsonNode poison = courier(topics, "dlq", "show", rowWithReason(listing, "WRONG_MAGIC_BYTE").get("id").asText(),
                    "--json").json();
            assertEquals(hex("not avro"), poison.get("rawValueHex").asText());
            Run shownAsText = courier(topics, "dlq", "show", maxAttempts.get("id").asText());
            assertTrue(shownAsText.out().contains("reasonText:") && shownAsText.out().contains("event:"), shownAsText.out());
            Run missing = courier(topics, "dlq", "show", "0-999999", "--json");
            assertEquals(3, missing.exitCode());
            assertEquals("not_found", missing.json().get("error").asText());

            Map<TopicPartition, Long> before = endOffsets(topics.send());
            JsonNode dryRun = courier(topics, "dlq", "redrive", "--json").json();
            assertEquals(MESSAGES, dryRun.get("would_send").asInt());
            assertEquals(0, dryRun.get("sent").asInt());
            assertEquals(2, dryRun.get("refused").asInt(), "the poison record and the undecodable one");
            assertTrue(courier(topics, "dlq", "redrive").out().startsWith("DRY RUN: would send " + MESSAGES));
            assertEquals(before, endOffsets(topics.send()), "a dry run writes nothing");

            pipeline.startConsumer("online", 0.0);
            pipeline.awaitConsumersJoined(1);
            Run redrive = courier(topics, "dlq", "redrive", "--execute", "--rate", "20", "--json");
            assertEquals(0, redrive.exitCode(), redrive.err());
            assertEquals(MESSAGES, redrive.json().get("sent").asInt());
            assertEquals(2, redrive.json().get("refused").asInt());
            await("every redriven message delivered").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> deliveredFirstAttempt(topics).containsAll(expected));
            expected.forEach(key -> assertEquals(1, pipeline.received.get(key).get(), "delivered once: " + key));

            JsonNode again = courier(topics, "dlq", "redrive", "--execute", "--json").json();
            assertEquals(0, again.get("sent").asInt());
            assertEquals(MESSAGES, again.get("refused_by_reason").get("ALREADY_REDRIVEN").asInt());
            assertEquals(MESSAGES + 2, courier(topics, "dlq", "list", "--json").json().get("total").asInt(),
                    "nothing dead-lettered again");
        }
    }

    @Test
    void badInputExitsWithItsCodeAndOneSentence() {
        CourierTopics nowhere = CourierTopics.withPrefix("no-such-prefix");
        Run unknownTopic = courier(nowhere, "dlq", "list");
        assertEquals(3, unknownTopic.exitCode());
        assertTrue(unknownTopic.err().contains("no-such-prefix.dead-letter"), unknownTopic.err());
        assertEquals(2, courier(nowhere, "dlq", "list", "--since", "yesterday-ish").exitCode());

        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int unreachable = Courier.commandLine().setErr(new PrintWriter(err, true)).execute("dlq", "list",
                "--bootstrap-servers", "localhost:1", "--registry-url", SharedCourier.registryUrl(), "--timeout", "3s");
        assertEquals(4, unreachable, err.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "gave up within the timeout");
    }

    private static JsonNode rowWithReason(JsonNode listing, String reason) {
        for (JsonNode row : listing.get("newest")) {
            if (row.get("reason").asText().equals(reason)) {
                return row;
            }
        }
        throw new AssertionError("no " + reason + " row in " + listing);
    }

    /** Delivery keys acked DELIVERED, not as duplicates, from an attempt-1 copy: a redrive's. */
    private static Set<String> deliveredFirstAttempt(CourierTopics topics) {
        return TopicReader.readAcks(topics.ack(), SharedCourier.registryClient()).stream()
                .filter(a -> a.getStatus() == AckStatus.DELIVERED && !a.getDuplicate() && a.getAttempt() == 1)
                .map(a -> CourierTopics.deliveryKey(a.getMessageId(), a.getRecipientId()))
                .collect(Collectors.toSet());
    }

    private static void writeRaw(String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get(1, TimeUnit.MINUTES);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return new HashMap<>(consumer.endOffsets(consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList()));
        }
    }

    private static String hex(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }
}
