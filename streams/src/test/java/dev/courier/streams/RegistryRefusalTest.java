package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that refuses the tracker's credentials (401) fails the task on every topic it decodes, so that the
 * tracker stops ({@link DeliveryTracker}) instead of leaving records out: a send is not skipped by the status index,
 * an ack not by the tracker, an operator's command not ignored.
 */
class RegistryRefusalTest {

    private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private final CourierTopics topics = CourierTopics.defaults();
    /** Where the test's producers register the schemas: the tracker's own client is refused. */
    private SchemaRegistryClient writers;
    private TopologyTestDriver driver;

    @BeforeEach
    void start() {
        Map<String, Object> props = new HashMap<>();
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://refusal-test-" + UUID.randomUUID());
        props.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toString());
        TrackerConfig config = new TrackerConfig(props);
        writers = SchemaRegistryClients.fromUrl(config.registryUrl());
        driver = new TopologyTestDriver(TrackerTopology.build(config, new Refusing()), config.streamsProperties(), START);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aSendTheStatusIndexCannotDecodeForRefusedCredentialsFailsTheTask() {
        var sends = driver.createInputTopic(topics.send(), new StringSerializer(),
                CourierSerdes.value(SendEvent.class, writers).serializer());
        SendEvent send = SendEvent.newBuilder().setMessageId("m1").setConversationId("c1").setSenderId("s")
                .setRecipientId("alice").setSentAt(START).setPayload(ByteBuffer.wrap(new byte[] {1}))
                .setContentType("text/plain").setAttempt(1).setHeaders(Map.of()).build();

        RuntimeException failed = assertThrows(RuntimeException.class, () -> sends.pipeInput("alice", send, START));
        assertTrue(SchemaRegistryException.authFailureIn(failed), "the refusal fails the task: " + failed);
    }

    @Test
    void anAckTheTrackerCannotDecodeForRefusedCredentialsFailsTheTask() {
        var acks = driver.createInputTopic(topics.ack(), new StringSerializer(), CourierSerdes.ackValue(writers).serializer());
        AckBatch batch = AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0).setCommittedThrough(1)
                .setCommittedAt(START).setDeliveredBy("consumer-1").setAcks(List.of(DeliveryAck.newBuilder()
                        .setMessageId("m1").setRecipientId("alice").setStatus(AckStatus.DELIVERED).setAckedAt(START)
                        .setDeliveredBy("consumer-1").setAttempt(1).build())).build();

        RuntimeException failed = assertThrows(RuntimeException.class, () -> acks.pipeInput(null, batch, START));
        assertTrue(SchemaRegistryException.authFailureIn(failed), "the refusal fails the task: " + failed);
    }

    @Test
    void anOperatorsCommandTheTrackerCannotDecodeForRefusedCredentialsFailsTheTask() {
        var commands = driver.createInputTopic(topics.commands(), new StringSerializer(),
                CourierSerdes.value(RedeliverRequest.class, writers).serializer());
        RedeliverRequest request = RedeliverRequest.newBuilder().setRequestId("r1").setRequestedAt(START)
                .setOlderThanMs(0).setRecipients(List.of("alice")).setRatePerSecond(2).build();

        RuntimeException failed = assertThrows(RuntimeException.class, () -> commands.pipeInput(null, request, START));
        assertTrue(SchemaRegistryException.authFailureIn(failed), "not ignored as undecodable: " + failed);
    }

    /** A registry answering every request with 401, as one does to a client with a wrong password. */
    private static final class Refusing implements SchemaRegistryClient {
        @Override
        public int register(String subject, Schema schema) {
            throw refused();
        }

        @Override
        public Schema schemaById(int id) {
            throw refused();
        }

        private static SchemaRegistryException refused() {
            return new SchemaRegistryException("401 Unauthorized: bad basic authentication credentials", 401, 40101, null);
        }
    }
}
