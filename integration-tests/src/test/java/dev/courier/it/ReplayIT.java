package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import dev.courier.cli.ExitCodes;
import dev.courier.harness.ChildJvm;
import dev.courier.operator.ReplayCheckpoint;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code courier replay} against the shared real cluster, driven in-process through the CLI (JSON and exit
 * codes), and once in a child JVM killed mid-way to show the checkpoint resume.
 */
@ExtendWith(SharedCourier.class)
class ReplayIT {

    private static final ObjectMapper JSON = new ObjectMapper();
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
    void replaysATimeRangeThroughAFilterAtTheRequestedRateSkippingWhatItCannotDecode() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("replay-rate", 3);
        try (InProcessPipeline pipeline = new InProcessPipeline("replay-rate", topics)) {
            CourierProducer producer = pipeline.producer();
            publish(producer, 60, "before");
            Instant from = boundary();
            List<SendReceipt> inRange = publish(producer, 400, "in-range");
            try (KafkaProducer<String, byte[]> raw = rawProducer()) {
                raw.send(new ProducerRecord<>(topics.send(), "user-1", "not avro".getBytes(StandardCharsets.UTF_8))).get();
            }
            Instant to = boundary();
            publish(producer, 60, "after");

            Result r = replay(topics, "--from-time", from.toString(), "--to-time", to.toString(),
                    "--recipient", "user-1", "--recipient", "user-2", "--rate", "40", "--execute", "--json");

            assertEquals(ExitCodes.OK, r.exit, r.err);
            assertEquals(401, r.json.get("read").asLong());
            assertEquals(80, r.json.get("would_send").asLong());
            assertEquals(80, r.json.get("sent").asLong());
            assertEquals(320, r.json.get("skipped_by_filter").asLong());
            assertEquals(0, r.json.get("skipped_by_loop_guard").asLong());
            assertEquals(1, r.json.get("undecodable").asLong());

            List<ConsumerRecord<String, byte[]>> copies = replayedBy(topics, r.json.get("replay_id").asText());
            Set<String> expected = inRange.stream().filter(s -> Set.of("user-1", "user-2").contains(recipientOf(s)))
                    .map(SendReceipt::messageId).collect(Collectors.toSet());
            assertEquals(expected, copies.stream().map(ReplayIT::messageIdOf).collect(Collectors.toSet()),
                    "the filtered messages of the range, keeping their messageIds");
            for (ConsumerRecord<String, byte[]> c : copies) {
                assertTrue(Set.of("user-1", "user-2").contains(c.key()), "key = recipientId");
                assertEquals("1", header(c, CopyHeaders.COUNT));
                assertEquals(header(c, CopyHeaders.SOURCE), header(c, CopyHeaders.ORIGIN));
                assertTrue(header(c, CopyHeaders.ORIGIN).startsWith(topics.send() + "/"));
            }
            long first = copies.stream().mapToLong(ConsumerRecord::timestamp).min().orElseThrow();
            long last = copies.stream().mapToLong(ConsumerRecord::timestamp).max().orElseThrow();
            double measured = (copies.size() - 1) * 1000.0 / (last - first);
            assertTrue(Math.abs(measured - 40) <= 4, "measured rate " + measured + "/s, asked 40/s");
        }
    }

    @Test
    void aDryRunSendsNothingAndBadInputGetsItsExitCode() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("replay-dry", 3);
        try (InProcessPipeline pipeline = new InProcessPipeline("replay-dry", topics)) {
            Instant from = boundary();
            publish(pipeline.producer(), 50, "m");
            long endBefore = endOffsetsSum(topics);

            Result r = replay(topics, "--from-time", from.toString(), "--json");

            assertEquals(ExitCodes.OK, r.exit, r.err);
            assertTrue(r.json.get("dry_run").asBoolean());
            assertEquals(50, r.json.get("would_send").asLong());
            assertEquals(0, r.json.get("sent").asLong());
            assertEquals(10, r.json.get("sample").size(), "a sample of what it would send");
            assertEquals(endBefore, endOffsetsSum(topics), "nothing written to the send topic");

            assertEquals(ExitCodes.NOT_FOUND, replay(topics, "--topic", "no-such-topic", "--from-time", from.toString()).exit);
            assertEquals(ExitCodes.USAGE, replay(topics, "--from-time", from.toString(), "--to-time", from.minusSeconds(60).toString()).exit);
            assertEquals(ExitCodes.USAGE, replay(topics, "--from-time", "yesterday").exit);
            long started = System.nanoTime();
            assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, run("replay", "--bootstrap-servers", "localhost:1",
                    "--registry-url", SharedCourier.registryUrl(), "--from-time", from.toString(), "--timeout", "3s").exit);
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20), "gave up within --timeout");
        }
    }

    @Test
    void theLoopGuardRefusesRecordsAlreadyReplayed() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("replay-loop", 3);
        try (InProcessPipeline pipeline = new InProcessPipeline("replay-loop", topics)) {
            Instant from = boundary();
            publish(pipeline.producer(), 30, "m");
            assertEquals(30, replay(topics, "--from-time", from.toString(), "--execute", "--json").json.get("sent").asLong());

            // the range now holds the 30 originals and their 30 copies (replay count 1)
            Result again = replay(topics, "--from-time", from.toString(), "--execute", "--json");
            assertEquals(30, again.json.get("skipped_by_loop_guard").asLong(), "copies already replayed once are refused");
            assertEquals(30, again.json.get("sent").asLong(), "the originals may be replayed by another run");
            assertTrue(replayedBy(topics, again.json.get("replay_id").asText()).stream()
                    .allMatch(c -> "1".equals(header(c, CopyHeaders.COUNT))));

            Result twice = replay(topics, "--from-time", from.toString(), "--max-replays", "2", "--json");
            assertEquals(0, twice.json.get("skipped_by_loop_guard").asLong());
            assertEquals(90, twice.json.get("would_send").asLong());
        }
    }

    @Test
    void aKilledReplayResumesFromItsCheckpointSendingNothingTwiceAndSkippingNothing() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("replay-resume", 3);
        Path dir = Files.createTempDirectory("replay-resume");
        Path checkpoint = dir.resolve("replay.checkpoint");
        try (InProcessPipeline pipeline = new InProcessPipeline("replay-resume", topics)) {
            publish(pipeline.producer(), 400, "m");
            Set<String> originals = TopicReader.records(topics.send()).stream()
                    .map(r -> CopyHeaders.coordinates(r.topic(), r.partition(), r.offset())).collect(Collectors.toSet());
            List<String> args = new ArrayList<>(connectionArgs(topics));
            args.addAll(List.of("--from-offset", "0=0,1=0,2=0", "--execute", "--checkpoint", checkpoint.toString()));
            List<String> child = new ArrayList<>(List.of("replay"));
            child.addAll(args);
            child.addAll(List.of("--rate", "60"));
            ReplayCheckpoint early;
            try (ChildJvm replay = ChildJvm.start("replay", dir.resolve("replay.log"), "256m", Courier.class.getName(), child)) {
                early = awaitCheckpointed(checkpoint, 100);
                awaitCheckpointed(checkpoint, 200);
                replay.kill();
            }
            ReplayCheckpoint left = ReplayCheckpoint.load(checkpoint).orElseThrow();
            assertTrue(left.remaining() > 0, "killed mid-way");

            List<String> resume = new ArrayList<>(List.of("replay"));
            resume.addAll(args);
            resume.add("--json");
            Result r = run(resume.toArray(String[]::new));

            assertEquals(ExitCodes.OK, r.exit, r.err);
            assertTrue(r.json.get("resumed").asBoolean());
            assertEquals(left.replayId(), r.json.get("replay_id").asText(), "a resumed replay keeps its id");
            assertEquals(0, ReplayCheckpoint.load(checkpoint).orElseThrow().remaining());
            List<String> sources = replayedBy(topics, left.replayId()).stream()
                    .map(c -> header(c, CopyHeaders.SOURCE)).toList();
            assertEquals(originals, new HashSet<>(sources), "nothing skipped");
            assertEquals(originals.size(), sources.size(), "nothing sent twice (already sent past the checkpoint: "
                    + r.json.get("already_sent") + ")");

            // A crash between a commit and the checkpoint write: the file lags what Kafka has. Resuming from an
            // older checkpoint finds every record past it already sent, and sends none of them again.
            early.save(checkpoint);
            Result lagging = run(resume.toArray(String[]::new));
            assertEquals(ExitCodes.OK, lagging.exit, lagging.err);
            assertEquals(0, lagging.json.get("sent").asLong());
            assertEquals(early.remaining(), lagging.json.get("already_sent").asLong());
            assertEquals(originals.size(), replayedBy(topics, left.replayId()).size(), "still nothing sent twice");
        }
    }

    @Test
    void redeliverDeliveredHandsDeliveredMessagesAgainFlaggedAsReplayWhileTheDefaultDoesNot() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("replay-redeliver", 3);
        try (InProcessPipeline pipeline = new InProcessPipeline("replay-redeliver", topics)) {
            pipeline.startConsumer("c1", 0.0);
            pipeline.awaitConsumersJoined(1);
            Instant from = boundary();
            Set<String> keys = publish(pipeline.producer(), 10, "m").stream()
                    .map(s -> CourierTopics.deliveryKey(s.messageId(), recipientOf(s))).collect(Collectors.toSet());
            await("all 10 delivered").atMost(Duration.ofMinutes(2)).until(() -> pipeline.received.keySet().containsAll(keys));
            Instant to = boundary();

            assertEquals(10, replay(topics, "--from-time", from.toString(), "--to-time", to.toString(), "--execute", "--json")
                    .json.get("sent").asLong());
            await("the replayed copies settled as duplicates").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> TopicReader.readAcks(topics.ack(), registry).stream().filter(DeliveryAck::getDuplicate)
                            .map(a -> CourierTopics.deliveryKey(a.getMessageId(), a.getRecipientId()))
                            .collect(Collectors.toSet()).containsAll(keys));
            assertTrue(keys.stream().allMatch(k -> pipeline.received.get(k).get() == 1), "not handed to the application again");

            assertEquals(10, replay(topics, "--from-time", from.toString(), "--to-time", to.toString(), "--execute",
                    "--redeliver-delivered", "--json").json.get("sent").asLong());
            await("handed again, flagged replay").atMost(Duration.ofMinutes(2))
                    .until(() -> keys.stream().allMatch(k -> pipeline.receivedAsReplay.containsKey(k)));
            assertTrue(keys.stream().allMatch(k -> pipeline.received.get(k).get() == 2
                    && pipeline.receivedAsReplay.get(k).get() == 1), "once more each, as a replay");
            assertEquals(0, pipeline.unflaggedRepeats.get());
        }
    }

    // --- helpers

    /** Waits until the checkpoint file says at least {@code records} of the 400 were read, and returns it. */
    private static ReplayCheckpoint awaitCheckpointed(Path checkpoint, long records) {
        return await("the replay checkpointed " + records + " records").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> ReplayCheckpoint.load(checkpoint).orElse(null), c -> c != null && 400 - c.remaining() >= records);
    }

    private record Result(int exit, JsonNode json, String out, String err) {
    }

    private static List<String> connectionArgs(CourierTopics topics) {
        return List.of("--bootstrap-servers", SharedCourier.bootstrapServers(), "--registry-url", SharedCourier.registryUrl(),
                "--topic-prefix", SharedCourier.prefixOf(topics));
    }

    private static Result replay(CourierTopics topics, String... args) throws Exception {
        return run(Stream.concat(Stream.concat(Stream.of("replay"), connectionArgs(topics).stream()), Stream.of(args))
                .toArray(String[]::new));
    }

    private static Result run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Courier.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        String text = out.toString();
        JsonNode json = text.isBlank() || !text.trim().startsWith("{") ? null : JSON.readTree(text);
        return new Result(exit, json, text, err.toString());
    }

    /** Ten recipients, one conversation each, with seqs. */
    private static List<SendReceipt> publish(CourierProducer producer, int n, String text) throws Exception {
        List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sends.add(producer.send(OutgoingMessage.builder().senderId("sender").recipients("user-" + (i % 10))
                    .conversationId("conv-" + (i % 10)).seq(i).payload((text + " " + i).getBytes(StandardCharsets.UTF_8)).build()));
        }
        List<SendReceipt> out = new ArrayList<>();
        for (CompletableFuture<SendReceipt> f : sends) {
            out.add(f.get(2, TimeUnit.MINUTES));
        }
        return out;
    }

    /** An instant strictly after every record sent so far and before every one sent later (millisecond timestamps). */
    private static Instant boundary() throws InterruptedException {
        Thread.sleep(5);
        Instant at = Instant.now();
        Thread.sleep(5);
        return at;
    }

    private static String recipientOf(SendReceipt receipt) {
        return receipt.placements().get(0).recipientId();
    }

    private static KafkaProducer<String, byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static List<ConsumerRecord<String, byte[]>> replayedBy(CourierTopics topics, String replayId) {
        return TopicReader.records(topics.send()).stream()
                .filter(r -> replayId.equals(CopyHeaders.text(r.headers(), CopyHeaders.ID))).toList();
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return CopyHeaders.text(r.headers(), name);
    }

    private static String messageIdOf(ConsumerRecord<String, byte[]> r) {
        return CourierSerdes.value(SendEvent.class, registry).deserializer().deserialize(r.topic(), r.value()).getMessageId();
    }

    private static long endOffsetsSum(CourierTopics topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topics.send()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            return consumer.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
