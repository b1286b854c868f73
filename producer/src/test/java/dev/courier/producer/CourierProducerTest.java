package dev.courier.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The send/receipt contract against Kafka's MockProducer; real-broker behaviour is in integration-tests. */
class CourierProducerTest {

    private final MockProducer<String, byte[]> mock =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final CourierProducerConfig config = CourierProducerConfig.builder()
            .bootstrapServers("unused:9092").schemaRegistryUrl("mem://unused").maxPayloadBytes(16).build();
    private final CourierProducer producer = new CourierProducer(config, mock,
            (topic, event) -> (event.getMessageId() + "/" + event.getRecipientId()).getBytes(StandardCharsets.UTF_8),
            null, MessageIds.create(() -> 1_000L, new Random(1)),
            Clock.fixed(Instant.ofEpochMilli(1_000L), ZoneOffset.UTC));

    private static OutgoingMessage message(String... recipients) {
        return OutgoingMessage.builder().conversationId("c").senderId("s").recipients(recipients)
                .payload(new byte[] {1}).build();
    }

    @Test
    void fansOutKeyedByRecipientAndCompletesWhenAllAreAcknowledged() throws Exception {
        CompletableFuture<SendReceipt> receipt = producer.send(message("bob", "carol"));

        List<ProducerRecord<String, byte[]>> sent = mock.history();
        assertEquals(List.of("bob", "carol"), sent.stream().map(ProducerRecord::key).toList());
        assertTrue(sent.stream().allMatch(r -> r.topic().equals("courier.send")));
        assertTrue(sent.stream().allMatch(r -> r.partition() == null), "the partitioner places by key");
        mock.completeNext();
        assertFalse(receipt.isDone(), "one of two acknowledged is not done");
        mock.completeNext();

        SendReceipt r = receipt.get();
        assertEquals(List.of("bob", "carol"), r.placements().stream().map(SendReceipt.Placement::recipientId).toList());
        assertEquals(1_000L, MessageIds.timestampOf(r.messageId()));
        assertEquals(r.messageId() + "/bob", new String(sent.get(0).value(), StandardCharsets.UTF_8));
    }

    @Test
    void failsWithTheFirstErrorCarryingTheMessageId() {
        CompletableFuture<SendReceipt> receipt = producer.send(message("bob", "carol"));
        mock.completeNext();
        mock.errorNext(new NotEnoughReplicasException("isr too small"));

        ExecutionException e = assertThrows(ExecutionException.class, receipt::get);
        SendFailedException failure = assertInstanceOf(SendFailedException.class, e.getCause());
        assertEquals("carol", failure.recipientId());
        assertInstanceOf(NotEnoughReplicasException.class, failure.getCause());
        assertEquals(new String(mock.history().get(0).value(), StandardCharsets.UTF_8), failure.messageId() + "/bob");
    }

    @Test
    void aCallerSuppliedMessageIdIsReused() throws Exception {
        String id = MessageIds.create().next();
        CompletableFuture<SendReceipt> receipt = producer.send(
                OutgoingMessage.builder().conversationId("c").senderId("s").recipients("bob")
                        .payload(new byte[0]).messageId(id).build());
        mock.completeNext();

        assertEquals(id, receipt.get().messageId());
    }

    @Test
    void anOversizedPayloadIsRefusedNamingSizeAndLimit() {
        OutgoingMessage big = OutgoingMessage.builder().conversationId("c").senderId("s").recipients("bob")
                .payload(new byte[17]).build();

        InvalidMessageException e = assertThrows(InvalidMessageException.class, () -> producer.send(big));
        assertEquals("payload", e.field());
        assertTrue(e.getMessage().contains("17 bytes") && e.getMessage().contains("16 bytes"), e.getMessage());
        assertTrue(mock.history().isEmpty());
    }

    @Test
    void anEncodingFailureFailsTheFuture() {
        CourierProducer failing = new CourierProducer(config, mock, (t, ev) -> {
            throw new IllegalStateException("registry down");
        }, null, MessageIds.create(), Clock.systemUTC());

        CompletableFuture<SendReceipt> receipt = failing.send(message("bob"));

        assertInstanceOf(SendFailedException.class, assertThrows(ExecutionException.class, receipt::get).getCause());
    }

    @Test
    void sendAfterCloseIsRefused() {
        producer.close();
        assertThrows(IllegalStateException.class, () -> producer.send(message("bob")));
    }

    @Test
    void configEnforcesGuaranteesAndPassesTheRestThrough() {
        CourierProducerConfig c = CourierProducerConfig.builder()
                .bootstrapServers("b:9092").schemaRegistryUrl("http://r:8081").topicPrefix("t")
                .producerProperty("acks", "1").producerProperty("linger.ms", "20")
                .producerProperty("client.id", "billing").build();

        Map<String, Object> props = c.kafkaProducerProps();
        assertEquals("all", props.get(ProducerConfig.ACKS_CONFIG));
        assertEquals(true, props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("20", props.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals("billing", props.get(ProducerConfig.CLIENT_ID_CONFIG));
        assertEquals("t.send", c.topics().send());
        assertEquals(java.util.Set.of("acks"), c.ignoredProducerOverrides());
        assertEquals(256 * 1024, c.maxPayloadBytes());
    }

    @Test
    void configRefusesBadValues() {
        assertThrows(ConfigException.class, () -> new CourierProducerConfig(Map.of("schema.registry.url", "mem://x")));
        assertThrows(ConfigException.class, () -> CourierProducerConfig.builder().bootstrapServers("b:1")
                .schemaRegistryUrl("mem://x").maxPayloadBytes(0).build());
        assertThrows(ConfigException.class, () -> CourierProducerConfig.builder().bootstrapServers("b:1")
                .schemaRegistryUrl("mem://x").producerProperty("max.in.flight.requests.per.connection", "6").build());
    }

}
