package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.DeliveryProgress;
import dev.courier.schemas.HistoryEvent;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status index on the whole default topology: what each send, ack and dead letter makes of a delivery's history. */
class HistoryIndexTest {

    private static final Instant START = Instant.parse("2026-11-30T12:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(7);

    @TempDir
    Path stateDir;

    private final CourierTopics topics = CourierTopics.defaults();
    private TopologyTestDriver driver;
    private TestInputTopic<String, SendEvent> sends;
    private TestInputTopic<String, SpecificRecord> acks;
    private TestInputTopic<String, DeadLetter> deadLetters;
    private long sendOffset;
    /** The latest record time piped: the task's stream time. */
    private Instant streamTime = START;

    @BeforeEach
    void start() {
        Map<String, Object> props = new HashMap<>();
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://history-test-" + UUID.randomUUID());
        props.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(TrackerConfig.STATUS_RETENTION_MS_CONFIG, RETENTION.toMillis());
        TrackerConfig config = new TrackerConfig(props);
        SchemaRegistryClient registry = SchemaRegistryClients.fromUrl(config.registryUrl());
        driver = new TopologyTestDriver(TrackerTopology.build(config, registry), config.streamsProperties(), START);
        var keys = new StringSerializer();
        sends = driver.createInputTopic(topics.send(), keys, CourierSerdes.value(SendEvent.class, registry).serializer());
        acks = driver.createInputTopic(topics.ack(), keys, CourierSerdes.ackValue(registry).serializer());
        deadLetters = driver.createInputTopic(topics.deadLetter(), keys,
                CourierSerdes.value(DeadLetter.class, registry).serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aPublishedMessageIsQueuedThenDeliveredWithItsTimeline() {
        send("m1", "alice", 1, START);
        assertEquals(DeliveryProgress.QUEUED, history("m1", "alice").getProgress());

        committed(at(2), ack("m1", "alice", AckStatus.DELIVERED, 1, at(2)));

        DeliveryHistory history = history("m1", "alice");
        assertEquals(DeliveryProgress.DELIVERED, history.getProgress());
        assertEquals(1, history.getAttempts());
        assertEquals(List.of("published", "delivered"), events(history));
        assertEquals(START, history.getTimeline().get(0).getAt(), "published at the sender's sentAt");
    }

    @Test
    void aRetryThenAReEmitThenADeliveryWalkTheStates() {
        send("m1", "bob", 1, START);
        committed(at(1), ack("m1", "bob", AckStatus.RETRY, 1, at(1)));
        assertEquals(DeliveryProgress.RETRYING, history("m1", "bob").getProgress());

        send("m1", "bob", 2, at(3));
        assertEquals(DeliveryProgress.IN_DELIVERY, history("m1", "bob").getProgress());
        committed(at(4), ack("m1", "bob", AckStatus.HELD, 2, at(4)));
        assertEquals(DeliveryProgress.HELD, history("m1", "bob").getProgress());
        committed(at(5), ack("m1", "bob", AckStatus.READ, 2, at(5)));

        DeliveryHistory history = history("m1", "bob");
        assertEquals(DeliveryProgress.READ, history.getProgress());
        assertEquals(2, history.getAttempts());
        assertEquals(List.of("published", "retry", "re-emitted", "held", "read"), events(history));
    }

    @Test
    void anAckReadBeforeItsSendKeepsTheDeliverySettled() {
        committed(at(1), ack("m1", "carol", AckStatus.DELIVERED, 1, at(1)));
        send("m1", "carol", 1, START);

        assertEquals(DeliveryProgress.DELIVERED, history("m1", "carol").getProgress());
        assertEquals(List.of("delivered", "published"), events(history("m1", "carol")));
    }

    @Test
    void aLateReportOfAnEarlierAttemptDoesNotMoveTheDeliveryBack() {
        send("m1", "dave", 1, START);
        send("m1", "dave", 2, at(3));
        committed(at(4), ack("m1", "dave", AckStatus.RETRY, 1, at(1)));

        assertEquals(DeliveryProgress.IN_DELIVERY, history("m1", "dave").getProgress());
    }

    @Test
    void deadLettersSayWhyAndExpiryIsItsOwnState() {
        send("m1", "erin", 1, START);
        deadLetter("m1", "erin", "MAX_ATTEMPTS", 10, at(60));
        send("m2", "erin", 1, START);
        deadLetter("m2", "erin", "EXPIRED", 1, at(60));

        DeliveryHistory dead = history("m1", "erin");
        assertEquals(DeliveryProgress.DEAD_LETTERED, dead.getProgress());
        assertEquals("MAX_ATTEMPTS: given up", dead.getReason());
        assertEquals(10, dead.getAttempts());
        assertEquals(DeliveryProgress.EXPIRED, history("m2", "erin").getProgress());
    }

    @Test
    void aHistoryIsDroppedAfterTheRetention() {
        send("m1", "frank", 1, START);
        committed(at(1), ack("m1", "frank", AckStatus.DELIVERED, 1, at(1)));

        // Stream time moves on with later traffic; the store drops segments older than the retention.
        send("m2", "frank", 1, START.plus(RETENTION).plus(RETENTION));

        assertNull(history("m1", "frank"));
        assertEquals(DeliveryProgress.QUEUED, history("m2", "frank").getProgress());
    }

    @Test
    void aRedriveStartsADeadLetteredDeliveryOverAndItsDeliverySettlesIt() {
        send("m1", "gina", 1, START);
        deadLetter("m1", "gina", "MAX_ATTEMPTS", 2, at(10));
        copy("m1", "gina", CopyHeaders.REDRIVE_OF, "courier.dead-letter/0/0", at(20));

        DeliveryHistory redriven = history("m1", "gina");
        assertEquals(DeliveryProgress.QUEUED, redriven.getProgress());
        assertEquals(1, redriven.getAttempts());
        assertNull(redriven.getReason());

        committed(at(21), ack("m1", "gina", AckStatus.DELIVERED, 1, at(21)));
        assertEquals(DeliveryProgress.DELIVERED, history("m1", "gina").getProgress());
        assertEquals(List.of("published", "dead-lettered", "redriven", "delivered"), events(history("m1", "gina")));
    }

    @Test
    void aReplayedCopyOfADeliveredMessageLeavesItDelivered() {
        send("m1", "hank", 1, START);
        committed(at(1), ack("m1", "hank", AckStatus.DELIVERED, 1, at(1)));
        copy("m1", "hank", CopyHeaders.ID, "replay-7", at(30));
        committed(at(31), DeliveryAck.newBuilder(ack("m1", "hank", AckStatus.DELIVERED, 1, at(31))).setDuplicate(true).build());

        assertEquals(DeliveryProgress.DELIVERED, history("m1", "hank").getProgress());
        assertEquals(List.of("published", "delivered", "replayed", "duplicate"), events(history("m1", "hank")));
    }

    @Test
    void aReplayedCopyOfARedriveIsAReplayNotANewStart() {
        send("m1", "jack", 1, START);
        committed(at(1), ack("m1", "jack", AckStatus.DELIVERED, 1, at(1)));
        SendEvent event = SendEvent.newBuilder().setMessageId("m1").setConversationId("c1").setSenderId("s")
                .setRecipientId("jack").setSentAt(START).setPayload(ByteBuffer.wrap(new byte[] {1}))
                .setContentType("text/plain").setAttempt(1).setHeaders(Map.of()).build();
        sends.pipeInput(new TestRecord<>("jack", event, new RecordHeaders()
                .add(CopyHeaders.REDRIVE_OF, "courier.dead-letter/0/0".getBytes(StandardCharsets.UTF_8))
                .add(CopyHeaders.ID, "replay-8".getBytes(StandardCharsets.UTF_8)), at(40)));

        assertEquals(DeliveryProgress.DELIVERED, history("m1", "jack").getProgress());
        assertEquals(List.of("published", "delivered", "replayed"), events(history("m1", "jack")));
    }

    @Test
    void aLateDeliveryAfterADeadLetterIsTheTruth() {
        send("m1", "ivy", 1, START);
        deadLetter("m1", "ivy", "MAX_ATTEMPTS", 3, at(10));
        committed(at(11), ack("m1", "ivy", AckStatus.DELIVERED, 3, at(11)));

        assertEquals(DeliveryProgress.DELIVERED, history("m1", "ivy").getProgress());
    }

    private void moved(Instant at) {
        streamTime = at.isAfter(streamTime) ? at : streamTime;
    }

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }

    private void send(String messageId, String recipient, int attempt, Instant at) {
        sends.pipeInput(recipient, SendEvent.newBuilder()
                .setMessageId(messageId).setConversationId("c1").setSenderId("s").setRecipientId(recipient)
                .setSentAt(START).setPayload(ByteBuffer.wrap(new byte[] {1})).setContentType("text/plain")
                .setAttempt(attempt).setHeaders(Map.of()).build(), at);
        sendOffset++;
        moved(at);
    }

    /** A copy an operator's command wrote: the original event with {@code header} set. */
    private void copy(String messageId, String recipient, String header, String value, Instant at) {
        SendEvent event = SendEvent.newBuilder().setMessageId(messageId).setConversationId("c1").setSenderId("s")
                .setRecipientId(recipient).setSentAt(START).setPayload(ByteBuffer.wrap(new byte[] {1}))
                .setContentType("text/plain").setAttempt(1).setHeaders(Map.of()).build();
        sends.pipeInput(new TestRecord<>(recipient, event,
                new RecordHeaders().add(header, value.getBytes(StandardCharsets.UTF_8)), at));
        sendOffset++;
        moved(at);
    }

    private static DeliveryAck ack(String messageId, String recipient, AckStatus status, int attempt, Instant at) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId(recipient).setStatus(status)
                .setAckedAt(at).setDeliveredBy("consumer-1").setAttempt(attempt).build();
    }

    private void committed(Instant at, DeliveryAck... batch) {
        acks.pipeInput(null, AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0).setCommittedThrough(sendOffset)
                .setCommittedAt(at).setDeliveredBy("consumer-1").setAcks(List.of(batch)).build(), at);
        moved(at);
    }

    private void deadLetter(String messageId, String recipient, String reason, int attempts, Instant at) {
        deadLetters.pipeInput(recipient, DeadLetter.newBuilder().setMessageId(messageId).setRecipientId(recipient)
                .setReasonCode(reason).setReasonText("given up").setAttempts(attempts).setDeadLetteredAt(at).build(), at);
        moved(at);
    }

    /** The history as the lookup reads it: windows within the retention of now (the stream time here). */
    private DeliveryHistory history(String messageId, String recipient) {
        WindowStore<String, DeliveryHistory> store = driver.getWindowStore(TrackerTopology.HISTORY_STORE);
        DeliveryHistory latest = null;
        try (WindowStoreIterator<DeliveryHistory> found = store.fetch(CourierTopics.deliveryKey(messageId, recipient),
                streamTime.minus(RETENTION).toEpochMilli(), Long.MAX_VALUE)) {
            while (found.hasNext()) {
                latest = found.next().value;
            }
        }
        return latest;
    }

    private static List<String> events(DeliveryHistory history) {
        List<String> events = new ArrayList<>();
        for (HistoryEvent step : history.getTimeline()) {
            events.add(step.getEvent());
        }
        return events;
    }
}
