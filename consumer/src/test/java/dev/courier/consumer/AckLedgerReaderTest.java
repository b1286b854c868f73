package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What the ack topic, read back, says about de-duplication and order holds. */
class AckLedgerReaderTest {

    private static final String ACK = "courier.ack";
    private static final long NOW = 100L * 24 * 3600 * 1000;
    private static final long DAY = 24L * 3600 * 1000;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    private AckLedgerReader.Ledger read(List<DeliveryAck> acks) {
        AckBatch batch = AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0).setCommittedThrough(acks.size())
                .setCommittedAt(Instant.ofEpochMilli(NOW)).setDeliveredBy("c-0").setAcks(acks).build();
        byte[] value = CourierSerdes.ackValue(registry).serializer().serialize(ACK, batch);
        AckLedgerReader reader = new AckLedgerReader(() -> new OneRecordPartition(value),
                CourierSerdes.ackValue(registry).deserializer(), ACK, DAY, 1000, 10_000, 600_000, () -> NOW);
        return reader.rebuild(Set.of(0));
    }

    private static SendEvent event(String messageId, Long seq) {
        return SendEvent.newBuilder().setMessageId(messageId).setConversationId("A").setSenderId("s")
                .setRecipientId("bob").setSentAt(Instant.ofEpochMilli(1)).setPayload(ByteBuffer.wrap(new byte[1000]))
                .setContentType("text/plain").setAttempt(3).setSeq(seq).build();
    }

    private static DeliveryAck.Builder ack(String messageId, AckStatus status) {
        return DeliveryAck.newBuilder().setMessageId(messageId).setRecipientId("bob").setStatus(status)
                .setAckedAt(Instant.ofEpochMilli(NOW)).setDeliveredBy("c-0").setAttempt(3);
    }

    @Test
    void onlyRetryAndHeldAcksWithASeqRestoreAHoldAndNeitherDeDuplicates() {
        DeliveryAck retryWithSeq = ack("a1", AckStatus.RETRY).setConversationId("A").setSeq(1L)
                .setEvent(event("a1", 1L)).build();
        DeliveryAck held = ack("a2", AckStatus.HELD).setConversationId("A").setSeq(2L).setHeldBehind("a1")
                .setHeldBehindSeq(1L).setEvent(event("a2", 2L)).build();
        DeliveryAck retryWithoutSeq = ack("n", AckStatus.RETRY).setConversationId("A").setEvent(event("n", null)).build();
        DeliveryAck delivered = ack("m", AckStatus.DELIVERED).build();

        AckLedgerReader.Ledger ledger = read(List.of(retryWithSeq, held, retryWithoutSeq, delivered));

        List<DeliveryAck> holds = ledger.holds().get(0);
        assertEquals(List.of("a1", "a2"), holds.stream().map(DeliveryAck::getMessageId).toList(),
                "a RETRY without a seq holds nothing");
        assertTrue(holds.stream().allMatch(h -> h.getEvent() == null), "the restored holds keep no payloads");
        DeliveredSet set = ledger.delivered().get(0);
        assertTrue(set.find("m", "bob").isPresent());
        assertTrue(set.find("a1", "bob").isEmpty(), "RETRY does not de-duplicate");
        assertTrue(set.find("a2", "bob").isEmpty(), "HELD does not de-duplicate");
        assertTrue(set.find("n", "bob").isEmpty());
    }

    @Test
    void aLaterSettlingAckEndsTheHold() {
        DeliveryAck retry = ack("a1", AckStatus.RETRY).setConversationId("A").setSeq(1L).setEvent(event("a1", 1L)).build();
        DeliveryAck delivered = ack("a1", AckStatus.DELIVERED).setAttempt(4).build();

        AckLedgerReader.Ledger ledger = read(List.of(retry, delivered));

        assertEquals(List.of(), ledger.holds().get(0));
        assertEquals(AckStatus.DELIVERED, ledger.delivered().get(0).find("a1", "bob").orElseThrow().status());
    }

    /** Ack partition 0 holds one record, {@code value} (MockConsumer lacks offsetsForTimes). */
    private static final class OneRecordPartition extends MockConsumer<String, byte[]> {
        private static final TopicPartition TP = new TopicPartition(ACK, 0);
        private final byte[] value;

        OneRecordPartition(byte[] value) {
            super("earliest");
            this.value = value;
            updateEndOffsets(Map.of(TP, 1L));
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query,
                                                                                    Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> starts = new HashMap<>();
            query.keySet().forEach(tp -> starts.put(tp, new OffsetAndTimestamp(0, NOW)));
            return starts;
        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
            return endOffsets(partitions);
        }

        @Override
        public synchronized void seek(TopicPartition tp, long offset) {
            super.seek(tp, offset);
            if (offset == 0) {
                addRecord(new ConsumerRecord<>(ACK, 0, 0, null, value));
            }
        }
    }
}
