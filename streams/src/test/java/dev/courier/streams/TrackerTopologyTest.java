package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.metrics.CourierMeters;
import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryState;
import dev.courier.schemas.DeliveryStatus;
import dev.courier.schemas.PendingDelivery;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.AvroLimits;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.NotFoundGrace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every branch of the tracker's protocol, on the whole topology, with a hand-driven wall clock. A delivery
 * consumer's transaction is played by {@link #committed}: an {@link AckBatch} with its acks and progress.
 */
class TrackerTopologyTest {

    private static final long ACK_TIMEOUT = 1_000;
    private static final int MAX_ATTEMPTS = 3;
    private static final long TTL = 60_000;
    private static final long EARLY_ACK_RETENTION = 5_000;
    private static final long HELD_TIMEOUT = 3_000;
    private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

    @TempDir
    Path stateDir;
    private SimpleMeterRegistry meters;

    private final CourierTopics topics = CourierTopics.defaults();
    private TopologyTestDriver driver;
    private SchemaRegistryClient registry;
    private TestInputTopic<String, SendEvent> sends;
    private TestInputTopic<String, byte[]> rawSends;
    private TestInputTopic<String, DeliveryAck> acks;
    private TestInputTopic<String, byte[]> rawAcks;
    private TestInputTopic<String, SpecificRecord> batches;
    private TestInputTopic<String, RedeliverRequest> commands;
    private long clock;
    /** Records piped into the send topic so far: the next one's offset. */
    private long sendRecords;
    private TestOutputTopic<String, SendEvent> reemits;
    private TestOutputTopic<String, DeliveryStatus> statuses;
    private TestOutputTopic<String, DeadLetter> deadLetters;

    @BeforeEach
    void start() {
        start(Map.of());
    }

    private void start(Map<String, Object> overrides) {
        if (driver != null) {
            driver.close();
        }
        Map<String, Object> props = new HashMap<>();
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://tracker-test-" + UUID.randomUUID());
        props.put(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, ACK_TIMEOUT);
        props.put(TrackerConfig.BACKOFF_MULTIPLIER_CONFIG, 2.0);
        props.put(TrackerConfig.BACKOFF_MAX_MS_CONFIG, 10_000L);
        props.put(TrackerConfig.BACKOFF_JITTER_CONFIG, 0.0);
        props.put(TrackerConfig.MAX_ATTEMPTS_CONFIG, MAX_ATTEMPTS);
        props.put(TrackerConfig.MESSAGE_TTL_MS_CONFIG, TTL);
        props.put(TrackerConfig.EARLY_ACK_RETENTION_MS_CONFIG, EARLY_ACK_RETENTION);
        props.put(TrackerConfig.PUNCTUATE_INTERVAL_MS_CONFIG, 100L);
        props.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(TrackerConfig.STATUS_SETTLED_ENABLED_CONFIG, true);
        props.put(TrackerConfig.HELD_TIMEOUT_MS_CONFIG, HELD_TIMEOUT);
        // Most tests here follow a delivery from its send record; the lean default is tested at the end.
        props.put(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, true);
        props.putAll(overrides);
        TrackerConfig config = new TrackerConfig(props);
        registry = SchemaRegistryClients.fromUrl(config.registryUrl());
        Properties streamsProps = config.streamsProperties();
        meters = new SimpleMeterRegistry();
        driver = new TopologyTestDriver(TrackerTopology.build(config, registry, meters), streamsProps, START);

        var keys = new StringSerializer();
        sends = driver.createInputTopic(topics.send(), keys, CourierSerdes.value(SendEvent.class, registry).serializer());
        rawSends = driver.createInputTopic(topics.send(), keys, new ByteArraySerializer());
        acks = driver.createInputTopic(topics.ack(), keys, CourierSerdes.value(DeliveryAck.class, registry).serializer());
        rawAcks = driver.createInputTopic(topics.ack(), keys, new ByteArraySerializer());
        batches = driver.createInputTopic(topics.ack(), keys, CourierSerdes.ackValue(registry).serializer());
        commands = driver.createInputTopic(topics.commands(), keys,
                CourierSerdes.value(RedeliverRequest.class, registry).serializer());
        clock = START.toEpochMilli();
        sendRecords = 0;
        var keyDeserializer = new StringDeserializer();
        reemits = driver.createOutputTopic(topics.send(), keyDeserializer,
                CourierSerdes.value(SendEvent.class, registry).deserializer());
        statuses = driver.createOutputTopic(topics.status(), keyDeserializer,
                CourierSerdes.value(DeliveryStatus.class, registry).deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetter(), keyDeserializer,
                CourierSerdes.value(DeadLetter.class, registry).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aSendReadAndCommittedWithoutAnAckIsReEmittedOneBackOffAfterThatCommit() {
        SendEvent event = send("m1", "alice");

        assertTrue(states().isEmpty(), "no status for a first attempt: it is in the pending store");
        assertNotNull(pendingStore().get(key("m1", "alice")));
        assertTrue(pendingStore().get(key("m1", "alice")).getQueued(), "no consumer has read it: queued");
        readAll(); // a consumer read it, its Deliverer answered RETRY, the transaction committed
        assertFalse(pendingStore().get(key("m1", "alice")).getQueued());
        advance(ACK_TIMEOUT - 200);
        assertTrue(reemitted().isEmpty(), "no re-emit before the deadline");

        advance(300);
        List<SendEvent> again = reemitted();
        assertEquals(1, again.size());
        assertEquals(2, again.get(0).getAttempt());
        assertEquals(event.getMessageId(), again.get(0).getMessageId());
        assertEquals(event.getPayload(), again.get(0).getPayload());
        DeliveryStatus status = lastStatus();
        assertEquals(DeliveryState.PENDING, status.getState());
        assertEquals(2, status.getAttempts());
        assertNotNull(status.getMissedDeadline(), "a re-emit's status names the deadline it was re-emitted for");
        assertFalse(status.getLastAttemptAt().isBefore(status.getMissedDeadline()), "never early");
    }

    @Test
    void anAckSettlesTheDeliveryAndNothingIsReEmittedAfterwards() {
        send("m1", "alice");
        ack("m1", "alice", AckStatus.DELIVERED);

        assertEquals(List.of(DeliveryState.DELIVERED), states());
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
        assertNull(pendingStore().get(key("m1", "alice")));
        assertEquals(0, pendingStore().approximateNumEntries());
    }

    @Test
    void aReadAckSettlesAsRead() {
        send("m1", "alice");
        ack("m1", "alice", AckStatus.READ);
        assertEquals(DeliveryState.READ, lastStatus().getState());
    }

    @Test
    void anAckThatArrivesBeforeItsSendSettlesTheSendOnArrival() {
        ack("m1", "alice", AckStatus.DELIVERED);
        assertTrue(states().isEmpty(), "an early ack publishes nothing by itself");

        send("m1", "alice");
        assertEquals(List.of(DeliveryState.DELIVERED), states());
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void repeatedAcksSettleOnce() {
        send("m1", "alice");
        ack("m1", "alice", AckStatus.DELIVERED);
        ack("m1", "alice", AckStatus.DELIVERED);
        ack("m1", "alice", AckStatus.DELIVERED);

        assertEquals(List.of(DeliveryState.DELIVERED), states());
        advance(EARLY_ACK_RETENTION + 100);
        assertTrue(reemitted().isEmpty());
        assertTrue(states().isEmpty());
        assertNull(pendingStore().get(key("m1", "alice")), "the repeated ack is forgotten after its retention");
    }

    @Test
    void aConsumersReAckOfASettledDeliveryLeavesNoState() {
        send("m1", "alice");
        ack("m1", "alice", AckStatus.DELIVERED);
        acks.pipeInput("alice", DeliveryAck.newBuilder().setMessageId("m1").setRecipientId("alice")
                .setStatus(AckStatus.DELIVERED).setAckedAt(START).setDeliveredBy("c2").setAttempt(2)
                .setDuplicate(true).build(), START);
        assertNull(pendingStore().get(key("m1", "alice")), "a duplicate=true ack is not remembered as early");
        assertEquals(List.of(DeliveryState.DELIVERED), states());
    }

    @Test
    void aStrayAckIsCountedWhenItIsDropped() {
        ack("never-sent", "alice", AckStatus.DELIVERED);
        advance(EARLY_ACK_RETENTION + 200);
        double strays = driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(TrackerMetrics.STRAY_ACK + "-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
        assertEquals(1.0, strays);
    }

    @Test
    void anAckAfterAReEmitStopsFurtherReEmits() {
        send("m1", "alice");
        readAll();
        advance(ACK_TIMEOUT + 100);
        List<SendEvent> first = reemitted();
        assertEquals(1, first.size());

        // The first attempt's ack arrives after the re-emit, then the re-emit itself comes back around.
        ack("m1", "alice", AckStatus.DELIVERED);
        sends.pipeInput("alice", first.get(0), START.plusMillis(ACK_TIMEOUT + 200));
        advance(20 * ACK_TIMEOUT);

        assertTrue(reemitted().isEmpty(), "no further re-emit");
        assertEquals(DeliveryState.DELIVERED, lastStatus().getState());
        assertTrue(deadLetters.isEmpty());
    }

    // --- ordering: a delivery consumer holds a message back (ack status HELD)

    @Test
    void aHeldAttemptWaitsForTheHeldTimeoutWithoutCountingTowardMaxAttempts() {
        // max.attempts 3, ack timeout 1 s doubling, held.timeout.ms 3 s, no jitter
        send("m1", "alice");
        advance(500);
        readAll(heldAck("m1", "alice", 1)); // t=500: read, held back for order, committed: safety net at 3500
        advance(2_900);
        assertTrue(reemitted().isEmpty(), "the consumer hands it over itself: no re-emit after one back-off");
        advance(200);                      // t=3600
        List<SendEvent> backstop = reemitted();
        assertEquals(List.of(2), backstop.stream().map(SendEvent::getAttempt).toList(),
                "the safety-net re-emit, in case the consumer lost the held message without saying so");

        // The consumer holds every re-emit too, for more attempts than max.attempts: none counts.
        for (int attempt = 2; attempt <= 6; attempt++) {
            comeBack(backstop);
            readAll(heldAck("m1", "alice", attempt));
            advance(2_900);
            assertTrue(reemitted().isEmpty(), "attempt " + attempt + ": held, so the held timeout again");
            advance(200);
            backstop = reemitted();
            assertEquals(List.of(attempt + 1), backstop.stream().map(SendEvent::getAttempt).toList());
        }
        assertTrue(deadLetters.isEmpty(), "held attempts do not count toward max.attempts");
        assertEquals(6, metric(TrackerMetrics.HELD + "-total"));

        ack("m1", "alice", AckStatus.DELIVERED);
        assertEquals(DeliveryState.DELIVERED, lastStatus().getState());
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void aRetryIsReEmittedOneBackOffAfterTheCommitThatReadItNotAfterItsPublication() {
        send("m1", "alice");
        advance(5 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty(), "queued behind a backlog for 5 back-offs: not late, not re-emitted");

        readAll(DeliveryAck.newBuilder().setMessageId("m1").setRecipientId("alice")
                .setStatus(AckStatus.RETRY).setAckedAt(START).setDeliveredBy("consumer-1").setAttempt(1)
                .setConversationId("c1").setSeq(1L).build());
        assertTrue(states().isEmpty(), "a RETRY settles nothing");
        advance(ACK_TIMEOUT - 100);
        assertTrue(reemitted().isEmpty(), "the back-off counts from the commit");
        advance(200);
        assertEquals(1, reemitted().size());
    }

    @Test
    void aQueuedDeliveryIsNeverReEmittedButItsTimeToLiveStillApplies() {
        send("m1", "alice");
        for (long t = 0; t < TTL - 1_000; t += 1_000) {
            advance(1_000);
        }
        assertTrue(reemitted().isEmpty(), "no consumer read it: it is queued, not lost");
        assertTrue(deadLetters.isEmpty());
        advance(1_000);
        DeadLetter letter = deadLetters.readValue();
        assertEquals("EXPIRED", letter.getReasonCode());
        assertEquals(1, letter.getAttempts());
        assertTrue(reemitted().isEmpty());
    }

    @Test
    void aConsumerDeathBeforeItsCommitNeedsNoReEmitTheNextOwnerReadsTheRecordAgain() {
        send("m1", "alice");
        send("m2", "alice");
        // consumer A handed both and died before committing: nothing reached the ack topic
        advance(3 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
        // consumer B, the partition's next owner, delivers both from the committed offset
        readAll(ackOf("m1", "alice", AckStatus.DELIVERED), ackOf("m2", "alice", AckStatus.DELIVERED));
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
        assertEquals(0, pendingStore().approximateNumEntries());
    }

    @Test
    void progressAfterARebalanceArmsOnlyWhatTheNewOwnerPassedAndAnOlderReportChangesNothing() {
        for (int i = 0; i < 4; i++) {
            send("m" + i, "alice");        // offsets 0..3
        }
        committed(2, "consumer-a", ackOf("m0", "alice", AckStatus.DELIVERED)); // m1 answered RETRY
        advance(2_000);
        assertEquals(List.of("m1"), reemitted().stream().map(SendEvent::getMessageId).toList(),
                "m1 was read (RETRY); m2 and m3 were not: consumer-a died, or lost the partition, before them");
        committed(4, "consumer-b", ackOf("m3", "alice", AckStatus.DELIVERED)); // the new owner: m2 RETRY at t=2000
        committed(1, "consumer-a", ackOf("m9", "alice", AckStatus.DELIVERED)); // a late, older report
        advance(ACK_TIMEOUT - 200);
        assertTrue(reemitted().isEmpty(), "m2 counts from consumer-b's commit at t=2000");
        advance(200);
        assertEquals(List.of("m2"), reemitted().stream().map(SendEvent::getMessageId).toList());
    }

    @Test
    void progressReadBeforeTheSendsArmsThemOnArrival() {
        // The tracker reads the ack partition ahead of the send partition (no time alignment between them).
        committed(3, "consumer-a", ackOf("m0", "alice", AckStatus.DELIVERED));
        advance(500);
        send("m0", "alice");
        send("m1", "alice");
        send("m2", "alice");
        send("m3", "alice");               // offset 3: not read yet
        assertEquals(List.of(DeliveryState.DELIVERED), states(), "m0 settled by its early ack");
        assertFalse(pendingStore().get(key("m1", "alice")).getQueued(), "read before it arrived: armed at once");
        assertTrue(pendingStore().get(key("m3", "alice")).getQueued());
        advance(ACK_TIMEOUT - 500 + 100);  // one back-off after the commit (t=0), not after the arrival (t=500)
        assertEquals(List.of("m1", "m2"), reemitted().stream().map(SendEvent::getMessageId).sorted().toList());
    }

    @Test
    void aReEmitIsQueuedUntilAConsumerReportsReadingItsOwnRecord() {
        send("m1", "alice");
        readAll();
        advance(ACK_TIMEOUT + 100);
        List<SendEvent> again = reemitted();
        assertEquals(1, again.size());
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty(), "attempt 2 is queued (its record not even read back yet)");
        comeBack(again);
        PendingDelivery state = pendingStore().get(key("m1", "alice"));
        assertTrue(state.getQueued());
        assertEquals(1, state.getSendOffset(), "the re-emit's own offset, once read back");
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
        readAll();
        advance(2 * ACK_TIMEOUT + 100);
        assertEquals(List.of(3), reemitted().stream().map(SendEvent::getAttempt).toList());
    }

    @Test
    void theSafetyNetReEmitsADeliveryNoConsumerReportedReadingWithinTheQueuedTimeout() {
        // for delivery consumers that write plain DeliveryAcks and no AckBatch
        start(Map.of(TrackerConfig.QUEUED_TIMEOUT_MS_CONFIG, 5_000L));
        send("m1", "alice");
        advance(4_900);
        assertTrue(reemitted().isEmpty());
        advance(200);
        assertEquals(List.of(2), reemitted().stream().map(SendEvent::getAttempt).toList());
        assertEquals(1, metric(TrackerMetrics.QUEUED_TIMEOUT + "-total"));
        ack("m1", "alice", AckStatus.DELIVERED); // a plain ack still settles
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void anAckBatchWrittenToTheWrongPartitionIsDeadLetteredAndArmsNothing() {
        send("m1", "alice");
        batches.pipeInput(null, AckBatch.newBuilder().setSendPartition(1).setFirstOffset(0).setCommittedThrough(1)
                .setCommittedAt(START).setDeliveredBy("c1").setAcks(List.of()).build(), START);
        DeadLetter letter = deadLetters.readValue();
        assertEquals("INVALID_EVENT", letter.getReasonCode());
        assertTrue(letter.getReasonText().contains("send partition 1"), letter.getReasonText());
        assertTrue(pendingStore().get(key("m1", "alice")).getQueued());
    }

    @Test
    void settledDeliveriesGetNoStatusRecordUnlessAskedFor() {
        start(Map.of(TrackerConfig.STATUS_SETTLED_ENABLED_CONFIG, false));
        send("m1", "alice");
        readAll(ackOf("m1", "alice", AckStatus.DELIVERED));
        assertTrue(states().isEmpty());
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void aHeldAckReadBeforeItsSendMakesTheSendWaitForTheConsumerAndTheReleaseSettlesIt() {
        // The tracker reads the ack partition ahead of the send partition.
        committed(2, "consumer-1", heldAck("m1", "alice", 1)); // m0 RETRY (its seq blocks m1), m1 held
        send("m0", "alice");
        send("m1", "alice");
        assertFalse(pendingStore().get(key("m0", "alice")).getHeld());
        assertTrue(pendingStore().get(key("m1", "alice")).getHeld(), "m1 waits for the consumer, not for a back-off");
        advance(ACK_TIMEOUT + 100);
        assertEquals(List.of("m0"), reemitted().stream().map(SendEvent::getMessageId).toList());
        assertEquals(clock - ACK_TIMEOUT - 100 + HELD_TIMEOUT, pendingStore().get(key("m1", "alice")).getDeadline());

        // and when held and released both come before the send, the send settles on arrival
        committed(3, "consumer-1", heldAck("m2", "bob", 1));
        committed(4, "consumer-1", ackOf("m2", "bob", AckStatus.DELIVERED));
        send("m2", "bob");
        assertNull(pendingStore().get(key("m2", "bob")));
        assertEquals(DeliveryState.DELIVERED, lastStatus().getState());
    }

    @Test
    void aConsumerThatLostAHeldCopyAsksForItWithARetryAndGetsItOneBackOffLater() {
        send("m1", "alice");
        readAll(heldAck("m1", "alice", 1)); // held by consumer-1 at t=0: safety net at t=3000
        advance(500);
        // consumer-2, the partition's new owner, restored the hold from the ack topic without the copy
        committed(1, "consumer-2", DeliveryAck.newBuilder(ackOf("m1", "alice", AckStatus.RETRY))
                .setDeliveredBy("consumer-2").setConversationId("c1").setSeq(1L).build());
        advance(900);
        assertTrue(reemitted().isEmpty());
        advance(200);                      // t=1600: one back-off after the request
        assertEquals(List.of(2), reemitted().stream().map(SendEvent::getAttempt).toList());
    }

    @Test
    void aStaleRepeatedOrUntrackedHeldAckChangesNothing() {
        held("x", "bob", 2);
        assertNull(pendingStore().get(key("x", "bob")), "a HELD ack of a re-emit the tracker does not track: settled");

        send("m1", "alice");
        readAll();
        advance(ACK_TIMEOUT + 50);         // attempt 2 re-emitted at ~t=1000
        List<SendEvent> again = reemitted();
        assertEquals(1, again.size());
        comeBack(again);
        readAll();                         // read, not settled: deadline t=1000+2000
        long deadline = pendingStore().get(key("m1", "alice")).getDeadline();
        held("m1", "alice", 1);            // for the attempt before: stale
        assertEquals(deadline, pendingStore().get(key("m1", "alice")).getDeadline());
        held("m1", "alice", 2);
        long reArmed = pendingStore().get(key("m1", "alice")).getDeadline();
        assertEquals(clock + HELD_TIMEOUT, reArmed, "held: the held timeout from now");
        advance(100);
        held("m1", "alice", 2);            // repeated
        assertEquals(reArmed, pendingStore().get(key("m1", "alice")).getDeadline());
        assertEquals(1, metric(TrackerMetrics.HELD + "-total"));
        assertTrue(states().stream().noneMatch(st -> st != DeliveryState.PENDING), "HELD settles nothing");
    }

    @Test
    void backoffGrowsBetweenAttempts() {
        send("m1", "alice");
        readAll();
        advance(ACK_TIMEOUT);          // attempt 2 emitted at t=1000, read at once, waits 2000
        comeBack(reemitted());
        readAll();
        advance(1_900);
        assertTrue(reemitted().isEmpty(), "attempt 2 waits twice as long as attempt 1");
        advance(200);
        assertEquals(3, reemitted().get(0).getAttempt());
    }

    @Test
    void reemitsDeadLettersByReasonAndPendingDeliveriesAreCourierMetersOfTheTask() {
        send("m1", "alice");
        readAll();
        advance(TrackerProcessor.PENDING_SCAN_INTERVAL.toMillis());
        assertEquals(1.0, meters.get(CourierMeters.PENDING.name()).tag(CourierMeters.TAG_TASK, "0_0").gauge().value());
        assertTrue(meters.get(CourierMeters.OLDEST_PENDING_AGE.name()).gauge().value() >= 4.0,
                "the pending delivery was sent at least 4 s ago");

        advance(ACK_TIMEOUT + 10);         // attempt 2
        readBackAndRead();
        advance(2 * ACK_TIMEOUT + 10);     // attempt 3 (the last)
        readBackAndRead();
        advance(4 * ACK_TIMEOUT + 10);     // attempt 3's deadline: give up
        assertEquals("MAX_ATTEMPTS", deadLetters.readValue().getReasonCode());

        assertEquals(2.0, meters.get(CourierMeters.REEMITTED.name()).tag(CourierMeters.TAG_TASK, "0_0")
                .functionCounter().count());
        assertEquals(1.0, meters.get(CourierMeters.DEAD_LETTERED.name()).tag(CourierMeters.TAG_REASON, "MAX_ATTEMPTS")
                .functionCounter().count());
        advance(TrackerProcessor.PENDING_SCAN_INTERVAL.toMillis());
        assertEquals(0.0, meters.get(CourierMeters.PENDING.name()).gauge().value(), "nothing pending after the dead letter");
        assertEquals(0.0, meters.get(CourierMeters.OLDEST_PENDING_AGE.name()).gauge().value());
    }

    @Test
    void afterTheLastAttemptTheMessageIsDeadLetteredWithReasonMaxAttempts() {
        send("m1", "alice");
        readAll();
        List<SendEvent> again = new ArrayList<>();
        advance(ACK_TIMEOUT + 10);         // attempt 2
        again.addAll(readBackAndRead());
        advance(2 * ACK_TIMEOUT + 10);     // attempt 3 (the last)
        again.addAll(readBackAndRead());
        advance(4 * ACK_TIMEOUT + 10);     // attempt 3's deadline: give up
        again.addAll(reemitted());
        assertEquals(2, again.size());

        DeadLetter letter = deadLetters.readValue();
        assertEquals("MAX_ATTEMPTS", letter.getReasonCode());
        assertEquals(MAX_ATTEMPTS, letter.getAttempts());
        assertEquals("m1", letter.getMessageId());
        assertEquals("m1", letter.getEvent().getMessageId());
        assertEquals(topics.send(), letter.getOriginalTopic());
        DeliveryStatus status = lastStatus();
        assertEquals(DeliveryState.DEAD_LETTERED, status.getState());
        assertEquals("MAX_ATTEMPTS", status.getReason());
        advance(100 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty(), "nothing after the dead letter");
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void aMessagePastItsTimeToLiveIsDeadLetteredAsExpired() {
        start(Map.of(TrackerConfig.MAX_ATTEMPTS_CONFIG, 100, TrackerConfig.MESSAGE_TTL_MS_CONFIG, 2_500L));
        send("m1", "alice");
        readAll();
        advance(ACK_TIMEOUT + 10);     // attempt 2, its deadline capped at the expiry (2500)
        assertEquals(1, readBackAndRead().size());
        advance(1_600);
        DeadLetter letter = deadLetters.readValue();
        assertEquals("EXPIRED", letter.getReasonCode());
        assertEquals(2, letter.getAttempts());
    }

    @Test
    void aRejectedAckDeadLettersTheMessageWithReasonRejected() {
        send("m1", "alice");
        acks.pipeInput("alice", DeliveryAck.newBuilder().setMessageId("m1").setRecipientId("alice")
                .setStatus(AckStatus.REJECTED).setAckedAt(START).setDeliveredBy("c1").setReason("blocked sender")
                .build(), START);
        DeadLetter letter = deadLetters.readValue();
        assertEquals("REJECTED", letter.getReasonCode());
        assertTrue(letter.getReasonText().contains("blocked sender"));
        assertEquals(DeliveryState.DEAD_LETTERED, lastStatus().getState());
        advance(10 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty());
    }

    @Test
    void aPoisonAckIsDeadLetteredWithItsCoordinatesAndRawBytesAndTheNextRecordStillFlows() {
        send("m1", "alice");
        byte[] garbage = "{\"not\":\"avro\"}".getBytes();
        rawAcks.pipeInput("alice", garbage, START);
        ack("m1", "alice", AckStatus.DELIVERED);

        DeadLetter letter = deadLetters.readValue();
        assertEquals("WRONG_MAGIC_BYTE", letter.getReasonCode());
        assertEquals(topics.ack(), letter.getOriginalTopic());
        assertEquals(0, letter.getOriginalPartition());
        assertEquals(0L, letter.getOriginalOffset());
        assertArrayEquals(garbage, bytes(letter.getRawValue()));
        assertEquals(List.of(DeliveryState.DELIVERED), states(), "the next ack settles as usual");
    }

    @Test
    void anAckWithAnUnknownSchemaIdIsRetriedForTheGraceThenDeadLettered() {
        byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 1, 2, 3};

        RuntimeException e = assertThrows(RuntimeException.class, () -> rawAcks.pipeInput("alice", unknownId, START));
        assertTrue(causedBy(e, SchemaRegistryException.class), e.toString());
        assertTrue(deadLetters.isEmpty(), "a registry instance may lag: the task fails and the record is read again");

        advance(NotFoundGrace.DEFAULT_GRACE_MS);
        rawAcks.pipeInput("alice", unknownId, START);
        assertEquals("UNKNOWN_SCHEMA_ID", deadLetters.readValue().getReasonCode());
    }

    @Test
    void aSendWithAnUnknownSchemaIdPastTheGraceIsDeadLetteredNotSkipped() {
        byte[] unknownId = {0, 0, 0, 0x7f, 0x7e, 1, 2, 3};
        assertThrows(RuntimeException.class, () -> rawSends.pipeInput("alice", unknownId, START));

        advance(NotFoundGrace.DEFAULT_GRACE_MS);
        rawSends.pipeInput("alice", unknownId, START);

        DeadLetter letter = deadLetters.readValue();
        assertEquals("UNKNOWN_SCHEMA_ID", letter.getReasonCode());
        assertEquals(topics.send(), letter.getOriginalTopic());
        assertArrayEquals(unknownId, bytes(letter.getRawValue()));
    }

    @Test
    void anAckDeclaringAStringLongerThanAnyRecordIsDeadLetteredAndTheNextAckFlows() throws Exception {
        byte[] valid = CourierSerdes.ackValue(registry).serializer().serialize(topics.ack(), AckBatch.newBuilder()
                .setSendPartition(0).setFirstOffset(0).setCommittedThrough(0).setCommittedAt(START)
                .setDeliveredBy("c1").setAcks(List.of()).build());
        ByteArrayOutputStream crafted = new ByteArrayOutputStream();
        crafted.write(valid, 0, 5); // the ack topic's header: a known schema id
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(crafted, null);
        encoder.writeIndex(0); // a DeliveryAck...
        encoder.writeLong(AvroLimits.MAX_RECORD_BYTES + 1L); // ...whose messageId claims more bytes than a record holds
        encoder.flush();
        send("m1", "alice");

        rawAcks.pipeInput("alice", crafted.toByteArray(), START);
        ack("m1", "alice", AckStatus.DELIVERED);

        assertEquals("LIMIT_EXCEEDED", deadLetters.readValue().getReasonCode());
        assertEquals(List.of(DeliveryState.DELIVERED), states(), "the next ack settles as usual");
    }

    @Test
    void aPoisonAckTooLargeToBeCopiedIsDeadLetteredWithoutItsBytes() {
        byte[] huge = new byte[1024 * 1024];
        huge[0] = 1; // not the wire format's magic byte

        rawAcks.pipeInput("alice", huge, START);

        DeadLetter letter = deadLetters.readValue();
        assertEquals("WRONG_MAGIC_BYTE", letter.getReasonCode());
        assertNull(letter.getRawValue(), "a letter with the raw value would exceed max.request.size");
        assertTrue(letter.getReasonText().contains("not kept"), letter.getReasonText());
        assertEquals(0L, letter.getOriginalOffset());
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anAckWithoutMessageIdIsDeadLetteredAsInvalid() {
        acks.pipeInput("alice", DeliveryAck.newBuilder().setMessageId("").setRecipientId("alice")
                .setStatus(AckStatus.DELIVERED).setAckedAt(START).setDeliveredBy("c1").build(), START);
        DeadLetter letter = deadLetters.readValue();
        assertEquals("INVALID_EVENT", letter.getReasonCode());
        assertTrue(letter.getReasonText().contains("messageId"), letter.getReasonText());
    }

    @Test
    void poisonOnTheSendTopicIsLeftToTheDeliveryConsumersAndDoesNotStopTracking() {
        // The delivery consumers dead-letter poison send records in their own transaction; the tracker
        // skips them, so each poison record is dead-lettered once, and keeps going.
        rawSends.pipeInput("alice", "garbage".getBytes(), START);
        sends.pipeInput("", event("m0", "").build(), START);
        sends.pipeInput("carol", event("big", "carol").setPayload(ByteBuffer.wrap(new byte[256 * 1024 + 1])).build(), START);
        send("m1", "bob");
        assertTrue(deadLetters.isEmpty());
        assertNotNull(pendingStore().get(key("m1", "bob")), "the next send is tracked as usual");
        assertNull(pendingStore().get(key("big", "carol")), "an oversized payload is not tracked");
    }

    @Test
    void aStrayAckIsForgottenAfterItsRetention() {
        ack("never-sent", "alice", AckStatus.DELIVERED);
        assertTrue(pendingStore().get(key("never-sent", "alice")) != null);
        advance(EARLY_ACK_RETENTION + 200);
        assertNull(pendingStore().get(key("never-sent", "alice")));
        assertTrue(states().isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void aProducerRetryOfTheSameMessageIsNotTrackedTwice() {
        SendEvent event = send("m1", "alice");
        sends.pipeInput("alice", event, START);
        assertEquals(1, pendingStore().approximateNumEntries());
        assertEquals(0, pendingStore().get(key("m1", "alice")).getSendOffset(), "the first copy's offset");
        readAll();
        advance(ACK_TIMEOUT + 10);
        assertEquals(1, reemitted().size());
    }

    @Test
    void eachRecipientOfAMessageIsTrackedOnItsOwn() {
        send("m1", "alice");
        send("m1", "bob");
        readAll(ackOf("m1", "alice", AckStatus.DELIVERED));
        advance(ACK_TIMEOUT + 10);
        List<SendEvent> again = reemitted();
        assertEquals(1, again.size());
        assertEquals("bob", again.get(0).getRecipientId());
    }

    @Test
    void manyDueDeliveriesAreSpreadOverPunctuationsWhenTheyExceedTheLimit() {
        start(Map.of(TrackerConfig.MAX_DUE_PER_PUNCTUATION_CONFIG, 10));
        for (int i = 0; i < 25; i++) {
            send("m" + i, "alice");
        }
        readAll();
        advance(ACK_TIMEOUT);
        assertEquals(10, reemitted().size(), "one punctuation handles at most the limit");
        advance(100);
        advance(100);
        assertEquals(15, reemitted().size(), "the rest follow on the next punctuations");
    }

    // --- outage-aware redelivery: rate limit, outage detection, counted attempts

    @Test
    void aBacklogDueAllAtOnceIsReEmittedWithinTheBudgetPerSecondAndAllOfItEventually() {
        start(Map.of(TrackerConfig.REDELIVERY_MAX_PER_SECOND_CONFIG, 100.0)); // burst: 2 x 100 ms = 20
        int backlog = 2_000;
        for (int i = 0; i < backlog; i++) {
            send("m" + i, "r" + (i % 50));
        }
        readAll();
        advance(ACK_TIMEOUT - 100);
        List<Integer> perTick = new ArrayList<>();
        Set<String> reEmitted = new HashSet<>();
        for (int tick = 0; tick < 250; tick++) {
            advance(100);
            List<SendEvent> now = reemitted();
            perTick.add(now.size());
            for (SendEvent e : now) {
                assertTrue(reEmitted.add(e.getMessageId()), "each re-emitted once: " + e.getMessageId());
                ack(e.getMessageId(), e.getRecipientId(), AckStatus.DELIVERED); // the recovered pipeline acks
            }
        }
        for (int from = 0; from + 10 <= perTick.size(); from++) {
            int inOneSecond = perTick.subList(from, from + 10).stream().mapToInt(Integer::intValue).sum();
            assertTrue(inOneSecond <= 100 + 20, "re-emits in the second from tick " + from + ": " + inOneSecond);
        }
        assertEquals(backlog, reEmitted.size(), "every due delivery re-emitted in the end");
        int lastBusyTick = perTick.size() - 1;
        while (perTick.get(lastBusyTick) == 0) {
            lastBusyTick--;
        }
        assertTrue(lastBusyTick < 200, "drained at the budgeted rate (~20 s), took " + (lastBusyTick + 1) + " ticks");
        assertTrue(deadLetters.isEmpty());
        assertEquals(backlog, metric(TrackerMetrics.REEMIT + "-total"));
        assertEquals(0, metric(TrackerMetrics.OUTAGE_REEMIT + "-total"), "acks kept flowing: no outage");
        assertTrue(metric(TrackerMetrics.BUDGET_EXHAUSTED + "-total") > 150, "the budget, not the scan, set the pace");
    }

    @Test
    void duringAnOutageNothingIsDeadLetteredForAttemptsAndCountingResumesOnceAcksFlowAgain() {
        // max.attempts 3, ack timeout 1 s doubling to 10 s, outage.silence.ms 2 s (default), ttl 60 s.
        List<String> ids = List.of("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
        ids.forEach(id -> send(id, "alice"));
        readAll();

        // Outage: no ack at all for 30 s (the consumers read every attempt at once, the devices take none).
        // Attempt 2 (t=1 s) counts; from t=3 s the pipeline is judged unavailable and attempts 3..6 (t=3, 7, 15,
        // 25 s) do not, though far more than max.attempts deadlines pass.
        List<Long> m0ReEmittedAt = new ArrayList<>();
        for (long t = 100; t <= 30_000; t += 100) {
            advance(100);
            var records = reemits.readRecordsToList().stream().filter(r -> r.value().getAttempt() > 1).toList();
            records.stream().filter(r -> r.value().getMessageId().equals("m0"))
                    .forEach(r -> m0ReEmittedAt.add(r.timestamp() - START.toEpochMilli()));
            comeBack(records.stream().map(r -> r.value()).toList());
            readAll();
        }
        assertEquals(List.of(1_000L, 3_000L, 7_000L, 15_000L, 25_000L), m0ReEmittedAt,
                "five re-emits of m0 (attempts 2..6), the backoff still growing through the outage");
        assertTrue(deadLetters.isEmpty(), "nothing dead-lettered during the outage");
        PendingDelivery m9 = pendingStore().get(key("m9", "alice"));
        assertEquals(6, m9.getEvent().getAttempt());
        assertEquals(4, m9.getOutageAttempts(), "attempts 3..6 were made while the pipeline was unavailable");
        assertEquals(50, metric(TrackerMetrics.REEMIT + "-total"));
        assertEquals(40, metric(TrackerMetrics.OUTAGE_REEMIT + "-total"));

        // Recovery at t=30 s: m0..m6 get through; m7..m9 are undeliverable. Live traffic is acked every 500 ms.
        ids.subList(0, 7).forEach(id -> ack(id, "alice", AckStatus.DELIVERED));
        for (long t = 30_100; t <= 50_000; t += 100) {
            advance(100);
            readBackAndRead();
            if (t % 500 == 0) {
                String live = "live-" + t;
                sends.pipeInput("bob", event(live, "bob").setSentAt(START.plusMillis(t)).build(), START.plusMillis(t));
                readAll(ackOf(live, "bob", AckStatus.DELIVERED));
            }
        }
        // t=35 s: attempt 6 times out with acks flowing, so attempt 7 counts (3rd counted); t=45 s: give up.
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(List.of("m7", "m8", "m9"), letters.stream().map(DeadLetter::getMessageId).sorted().toList());
        for (DeadLetter letter : letters) {
            assertEquals("MAX_ATTEMPTS", letter.getReasonCode());
            assertEquals(7, letter.getAttempts(), "attempts on the dead letter are the real ones");
            assertTrue(letter.getReasonText().contains("3 counted toward max.attempts, 4 made while the pipeline was unavailable"),
                    letter.getReasonText());
            assertEquals(START.plusMillis(45_000), letter.getDeadLetteredAt());
        }
        for (String id : ids.subList(0, 7)) {
            assertNull(pendingStore().get(key(id, "alice")), id + " settled by its ack");
        }
        assertEquals(40, metric(TrackerMetrics.OUTAGE_REEMIT + "-total"), "no outage re-emits after the recovery");
    }

    @Test
    void anOutageDoesNotStopExpiryAMessagePastItsTimeToLiveIsDeadLetteredAnyway() {
        start(Map.of(TrackerConfig.MESSAGE_TTL_MS_CONFIG, 20_000L));
        for (int i = 0; i < 5; i++) {
            send("m" + i, "alice");
        }
        readAll();
        for (int tick = 0; tick < 250; tick++) {
            advance(100); // no ack at all: from t=3 s the pipeline is judged unavailable
            readBackAndRead();
        }
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(5, letters.size());
        for (DeadLetter letter : letters) {
            assertEquals("EXPIRED", letter.getReasonCode(), "not MAX_ATTEMPTS though attempts passed max.attempts");
            assertEquals(5, letter.getAttempts());
            assertEquals(START.plusMillis(20_000), letter.getDeadLetteredAt());
        }
    }

    @Test
    void fewerDeliveriesThanTheOutageMinimumTimingOutAreNotAnOutageAndRunOutOfAttempts() {
        send("m1", "alice");
        send("m2", "alice"); // two, below outage.min.deliveries (3): a quiet partition, not a dead pipeline
        readAll();
        advance(ACK_TIMEOUT + 10);
        readBackAndRead();
        advance(2 * ACK_TIMEOUT + 10);
        readBackAndRead();
        advance(4 * ACK_TIMEOUT + 10);
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertEquals(2, letters.size());
        letters.forEach(l -> assertEquals("MAX_ATTEMPTS", l.getReasonCode()));
        letters.forEach(l -> assertEquals("no ack after 3 attempts", l.getReasonText()));
        assertEquals(0, metric(TrackerMetrics.OUTAGE_REEMIT + "-total"));
    }

    // --- without send tracking (the default): state only for what a consumer read and did not deliver

    @Test
    void aRedeliverRequestMovesTheSelectedRetriesToNowSpreadByItsRateAndLeavesQueuedAndOtherRecipientsAlone() {
        start(Map.of(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, false)); // back-off: 1 s, capped at 10 s
        committed(10, "consumer-1", retryAck("m1", "alice", 1), retryAck("m2", "alice", 1), retryAck("m3", "bob", 1));
        advance(100);
        assertTrue(reemitted().isEmpty(), "the back-off is a second");

        commands.pipeInput(null, RedeliverRequest.newBuilder().setRequestId("r1").setRequestedAt(Instant.ofEpochMilli(clock))
                .setOlderThanMs(0).setRecipients(List.of("alice")).setRatePerSecond(2).build(), Instant.ofEpochMilli(clock));
        advance(100);
        assertEquals(List.of("m1"), reemitted().stream().map(SendEvent::getMessageId).toList(),
                "the first at once, the next 1/rate = 500 ms later");
        advance(500);
        assertEquals(List.of("m2"), reemitted().stream().map(SendEvent::getMessageId).toList());
        advance(ACK_TIMEOUT - 800);
        assertTrue(reemitted().isEmpty(), "bob was not asked for; the re-emits are queued again, not re-emitted twice");
        advance(100);
        assertEquals(List.of("m3"), reemitted().stream().map(SendEvent::getMessageId).toList(), "bob's at its back-off");
    }

    @Test
    void withoutSendTrackingARetryWithItsEventIsReEmittedOneBackOffAfterTheCommitAndTheRedeliverySettlesIt() {
        start(Map.of(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, false));
        committed(10, "consumer-1", ackOf("m0", "alice", AckStatus.DELIVERED), retryAck("m1", "alice", 1),
                ackOf("m2", "alice", AckStatus.DELIVERED));
        assertEquals(List.of(key("m1", "alice")), pendingKeys(), "a delivered message leaves no state, not even an early ack");
        advance(ACK_TIMEOUT - 100);
        assertTrue(reemitted().isEmpty());
        advance(200);
        List<SendEvent> again = reemitted();
        assertEquals(List.of(2), again.stream().map(SendEvent::getAttempt).toList());
        assertEquals(ByteBuffer.wrap("hello m1".getBytes()), again.get(0).getPayload(), "re-emitted from the ack's event");
        advance(20 * ACK_TIMEOUT);
        assertTrue(reemitted().isEmpty(), "attempt 2 is queued: no consumer reported reading it");

        committed(11, "consumer-1", DeliveryAck.newBuilder(ackOf("m1", "alice", AckStatus.DELIVERED)).setAttempt(2).build());
        assertEquals(DeliveryState.DELIVERED, lastStatus().getState());
        assertEquals(List.of(), pendingKeys());
    }

    @Test
    void withoutSendTrackingEachRetryOfAReEmitWaitsLongerAndTheLastIsDeadLettered() {
        start(Map.of(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, false));
        committed(1, "consumer-1", retryAck("m1", "alice", 1));
        advance(ACK_TIMEOUT + 10);                       // attempt 2
        committed(2, "consumer-1", retryAck("m1", "alice", 2));
        advance(2 * ACK_TIMEOUT - 100);
        assertEquals(List.of(2), reemitted().stream().map(SendEvent::getAttempt).toList());
        advance(200);                                    // attempt 3 (the last), 2 s after the second RETRY
        assertEquals(List.of(3), reemitted().stream().map(SendEvent::getAttempt).toList());
        committed(3, "consumer-1", retryAck("m1", "alice", 3));
        committed(3, "consumer-1", retryAck("m1", "alice", 3)); // repeated: changes nothing
        advance(4 * ACK_TIMEOUT + 10);
        assertEquals("MAX_ATTEMPTS", deadLetters.readValue().getReasonCode());
        assertNull(pendingStore().get(key("m1", "alice")));
    }

    @Test
    void withoutSendTrackingAHeldMessageWaitsForTheConsumerAndALostCopyIsAskedFor() {
        start(Map.of(TrackerConfig.SEND_TRACKING_ENABLED_CONFIG, false));
        DeliveryAck held = DeliveryAck.newBuilder(heldAck("m2", "alice", 1)).setEvent(event("m2", "alice").build()).build();
        committed(3, "consumer-1", retryAck("m1", "alice", 1), held, heldAckWithEvent("m3", "alice"));
        advance(ACK_TIMEOUT + 100);
        assertEquals(List.of("m1"), reemitted().stream().map(SendEvent::getMessageId).toList(), "held ones wait");
        // consumer-1 delivers m1's re-emit and releases m2 from memory; then it dies and consumer-2 restores
        // m3's hold without the copy and asks for it
        committed(4, "consumer-1", DeliveryAck.newBuilder(ackOf("m1", "alice", AckStatus.DELIVERED)).setAttempt(2).build(),
                ackOf("m2", "alice", AckStatus.DELIVERED));
        committed(5, "consumer-2", DeliveryAck.newBuilder(ackOf("m3", "alice", AckStatus.RETRY)).setDeliveredBy("consumer-2")
                .setConversationId("c1").setSeq(3L).build());
        advance(ACK_TIMEOUT + 100);
        assertEquals(List.of("m3"), reemitted().stream().map(SendEvent::getMessageId).toList());
        assertEquals(List.of(key("m3", "alice")), pendingKeys());
    }

    // --- helpers

    /** A consumer's RETRY of the attempt it read, with the send event, as Courier's DeliveryConsumer writes it. */
    private static DeliveryAck retryAck(String messageId, String recipient, int attempt) {
        return DeliveryAck.newBuilder(ackOf(messageId, recipient, AckStatus.RETRY)).setAttempt(attempt)
                .setConversationId("c1").setEvent(event(messageId, recipient).setAttempt(attempt).build()).build();
    }

    private static DeliveryAck heldAckWithEvent(String messageId, String recipient) {
        return DeliveryAck.newBuilder(heldAck(messageId, recipient, 1)).setEvent(event(messageId, recipient).build()).build();
    }

    private SendEvent send(String messageId, String recipient) {
        SendEvent event = event(messageId, recipient).build();
        sends.pipeInput(recipient, event, START);
        sendRecords++;
        return event;
    }

    private static SendEvent.Builder event(String messageId, String recipient) {
        return SendEvent.newBuilder()
                .setMessageId(messageId)
                .setConversationId("c1")
                .setSenderId("sender")
                .setRecipientId(recipient)
                .setSentAt(START)
                .setPayload(ByteBuffer.wrap(("hello " + messageId).getBytes()))
                .setContentType("text/plain")
                .setAttempt(1)
                .setHeaders(Map.of());
    }

    /** A plain DeliveryAck on the ack topic, as Courier wrote before AckBatch (or a consumer of one's own). */
    private void ack(String messageId, String recipient, AckStatus status) {
        acks.pipeInput(recipient, ackOf(messageId, recipient, status), START);
    }

    private static DeliveryAck ackOf(String messageId, String recipient, AckStatus status) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId(recipient)
                .setStatus(status).setAckedAt(START).setDeliveredBy("consumer-1").setAttempt(1).build();
    }

    private static DeliveryAck heldAck(String messageId, String recipient, int attempt) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId(recipient)
                .setStatus(AckStatus.HELD).setAckedAt(START).setDeliveredBy("consumer-1").setAttempt(attempt).build();
    }

    /** A lone HELD DeliveryAck (as an older consumer writes it), acked now. */
    private void held(String messageId, String recipient, int attempt) {
        acks.pipeInput(recipient, DeliveryAck.newBuilder(heldAck(messageId, recipient, attempt))
                .setAckedAt(Instant.ofEpochMilli(clock)).build(), Instant.ofEpochMilli(clock));
    }

    private List<String> pendingKeys() {
        List<String> keys = new ArrayList<>();
        try (var it = pendingStore().all()) {
            it.forEachRemaining(e -> keys.add(e.key));
        }
        return keys;
    }

    /**
     * A delivery consumer's transaction on partition 0, committed now: {@code acks}, then "every send record
     * below {@code committedThrough} was handled".
     */
    private void committed(long committedThrough, String consumer, DeliveryAck... acks) {
        batches.pipeInput(null, AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0)
                .setCommittedThrough(committedThrough).setCommittedAt(Instant.ofEpochMilli(clock))
                .setDeliveredBy(consumer).setAcks(List.of(acks)).build(), Instant.ofEpochMilli(clock));
    }

    /** A consumer read every send record the tracker holds and committed now, with {@code acks}. */
    private void readAll(DeliveryAck... acks) {
        long through = 0;
        try (var it = pendingStore().all()) {
            while (it.hasNext()) {
                through = Math.max(through, it.next().value.getSendOffset() + 1);
            }
        }
        committed(Math.max(through, sendRecords), "consumer-1", acks);
    }

    /** The tracker's re-emits reach the send topic; here they are read back as its input, as in a cluster. */
    private void comeBack(List<SendEvent> reEmitted) {
        for (SendEvent e : reEmitted) {
            sends.pipeInput(e.getRecipientId(), e, Instant.ofEpochMilli(clock));
            sendRecords++;
        }
    }

    /** The re-emits so far come back, and a consumer reads them (and answers RETRY): returns them. */
    private List<SendEvent> readBackAndRead() {
        List<SendEvent> again = reemitted();
        comeBack(again);
        readAll();
        return again;
    }

    private void advance(long ms) {
        driver.advanceWallClockTime(Duration.ofMillis(ms));
        clock += ms;
    }

    /** Re-emits written to the send topic (inputs piped by the test are not outputs). */
    private List<SendEvent> reemitted() {
        return reemits.readValuesToList().stream().filter(e -> e.getAttempt() > 1).toList();
    }

    private List<DeliveryState> states() {
        return statuses.readValuesToList().stream().map(DeliveryStatus::getState).toList();
    }

    private DeliveryStatus lastStatus() {
        List<DeliveryStatus> all = statuses.readValuesToList();
        assertTrue(!all.isEmpty(), "a status was published");
        return all.get(all.size() - 1);
    }

    /** A tracker metric of this (only) task, by name. */
    private double metric(String name) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("stream-" + TrackerMetrics.SCOPE + "-metrics")
                        && e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
    }

    private KeyValueStore<String, PendingDelivery> pendingStore() {
        return driver.getKeyValueStore(TrackerTopology.PENDING_STORE);
    }

    private static String key(String messageId, String recipient) {
        return CourierTopics.deliveryKey(messageId, recipient);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
