package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What the ack topic, read back, says about de-duplication and order holds; how a read-back goes on in slices. */
class AckLedgerReaderTest {

    private static final String ACK = "courier.ack";
    private static final long NOW = 100L * 24 * 3600 * 1000;
    private static final long DAY = 24L * 3600 * 1000;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    private final AtomicLong clock = new AtomicLong(NOW);

    private LedgerProgress read(List<DeliveryAck> acks) {
        StoredAckPartition partition = new StoredAckPartition(clock, 0);
        partition.append(batch(acks));
        LedgerProgress progress = new LedgerProgress(DAY, 1000, 600_000);
        Map<Integer, LedgerProgress.ReadBack> done = reader(partition, 10_000).readSlice(Map.of(0, progress));
        assertEquals(Set.of(0), done.keySet());
        return progress;
    }

    private AckLedgerReader reader(StoredAckPartition partition, long sliceMs) {
        return new AckLedgerReader(() -> partition, CourierSerdes.ackValue(registry).deserializer(), ACK, DAY, sliceMs,
                clock::get);
    }

    private byte[] batch(List<DeliveryAck> acks) {
        AckBatch batch = AckBatch.newBuilder().setSendPartition(0).setFirstOffset(0).setCommittedThrough(acks.size())
                .setCommittedAt(Instant.ofEpochMilli(NOW)).setDeliveredBy("c-0").setAcks(acks).build();
        return CourierSerdes.ackValue(registry).serializer().serialize(ACK, batch);
    }

    private byte[] delivered(String messageId) {
        return batch(List.of(ack(messageId, AckStatus.DELIVERED).build()));
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

        LedgerProgress ledger = read(List.of(retryWithSeq, held, retryWithoutSeq, delivered));

        List<DeliveryAck> holds = ledger.holds(NOW);
        assertEquals(List.of("a1", "a2"), holds.stream().map(DeliveryAck::getMessageId).toList(),
                "a RETRY without a seq holds nothing");
        assertTrue(holds.stream().allMatch(h -> h.getEvent() == null), "the restored holds keep no payloads");
        DeliveredSet set = ledger.delivered();
        assertTrue(set.find("m", "bob").isPresent());
        assertTrue(set.find("a1", "bob").isEmpty(), "RETRY does not de-duplicate");
        assertTrue(set.find("a2", "bob").isEmpty(), "HELD does not de-duplicate");
        assertTrue(set.find("n", "bob").isEmpty());
    }

    @Test
    void aLaterSettlingAckEndsTheHold() {
        DeliveryAck retry = ack("a1", AckStatus.RETRY).setConversationId("A").setSeq(1L).setEvent(event("a1", 1L)).build();
        DeliveryAck delivered = ack("a1", AckStatus.DELIVERED).setAttempt(4).build();

        LedgerProgress ledger = read(List.of(retry, delivered));

        assertEquals(List.of(), ledger.holds(NOW));
        assertEquals(AckStatus.DELIVERED, ledger.delivered().find("a1", "bob").orElseThrow().status());
    }

    @Test
    void aReadBackCutShortBySliceGoesOnWhereItStoppedAndReadsEachRecordOnce() {
        StoredAckPartition partition = new StoredAckPartition(clock, 2); // 2 records per poll, 100 ms each
        for (int i = 0; i < 10; i++) {
            partition.append(delivered("m" + i));
        }
        AckLedgerReader reader = reader(partition, 250);
        LedgerProgress progress = new LedgerProgress(DAY, 1000, 600_000);

        Map<Integer, LedgerProgress.ReadBack> first = reader.readSlice(Map.of(0, progress));

        assertEquals(Map.of(), first, "not caught up after one slice");
        assertFalse(progress.isCaughtUp());
        long readSoFar = progress.nextOffset().orElseThrow();
        assertTrue(readSoFar > 0 && readSoFar < 10, "part of the partition was read: " + readSoFar);
        assertTrue(progress.delivered().find("m0", "bob").isPresent());

        Map<Integer, LedgerProgress.ReadBack> rest = Map.of();
        for (int slice = 0; slice < 10 && rest.isEmpty(); slice++) {
            rest = reader.readSlice(Map.of(0, progress));
        }

        assertEquals(10, rest.get(0).records(), "every record read once over all slices, none again");
        assertEquals(10, partition.handedOut, "the reader was never sent back to the start");
        assertTrue(progress.isCaughtUp());
        assertEquals(10, progress.delivered().size());
    }

    @Test
    void aPartitionReadBeforeIsReadOnFromWhereItStoppedNotFromTheStartOfTheWindow() {
        StoredAckPartition partition = new StoredAckPartition(clock, 0);
        for (int i = 0; i < 5; i++) {
            partition.append(delivered("old" + i));
        }
        AckLedgerReader reader = reader(partition, 10_000);
        LedgerProgress progress = new LedgerProgress(DAY, 1000, 600_000);
        reader.readSlice(Map.of(0, progress));
        partition.append(delivered("new0")); // written by the partition's owner meanwhile
        partition.append(delivered("new1"));
        progress.behind(); // the partition is handed back

        LedgerProgress.ReadBack again = reader.readSlice(Map.of(0, progress)).get(0);

        assertEquals(2, again.records());
        assertEquals(7, partition.handedOut);
        assertTrue(progress.delivered().find("new1", "bob").isPresent());
        assertTrue(progress.delivered().find("old0", "bob").isPresent());
    }

    @Test
    void aReadBackNeverStartsBeforeTheWindow() {
        StoredAckPartition partition = new StoredAckPartition(clock, 0);
        for (int i = 0; i < 5; i++) {
            partition.append(delivered("m" + i));
        }
        partition.windowStart = 3; // the first record acked at or after now - window

        LedgerProgress.ReadBack read = reader(partition, 10_000).readSlice(Map.of(0, new LedgerProgress(DAY, 1000, 600_000)))
                .get(0);

        assertEquals(2, read.records());
    }

    @Test
    void aFailedSliceKeepsWhatItReadAndTheNextGoesOnWithANewReader() {
        StoredAckPartition partition = new StoredAckPartition(clock, 1);
        for (int i = 0; i < 4; i++) {
            partition.append(delivered("m" + i));
        }
        partition.failAtPoll = 3;
        List<StoredAckPartition> made = new ArrayList<>();
        AckLedgerReader reader = new AckLedgerReader(() -> {
            made.add(partition);
            return partition;
        }, CourierSerdes.ackValue(registry).deserializer(), ACK, DAY, 10_000, clock::get);
        LedgerProgress progress = new LedgerProgress(DAY, 1000, 600_000);

        assertThrows(KafkaException.class, () -> reader.readSlice(Map.of(0, progress)));
        assertEquals(2, progress.nextOffset().orElseThrow(), "two records read before the failure, kept");

        reader.readSlice(Map.of(0, progress));

        assertTrue(progress.isCaughtUp());
        assertEquals(4, progress.delivered().size());
        assertEquals(2, made.size(), "the failed reader was replaced");
    }

    /**
     * Ack partition 0 as a list of records, handed out {@code perPoll} at a time (all if 0) from the position,
     * each poll advancing the clock 100 ms (MockConsumer lacks offsetsForTimes and re-reading after a seek).
     */
    private static final class StoredAckPartition extends MockConsumer<String, byte[]> {
        private static final TopicPartition TP = new TopicPartition(ACK, 0);
        private final List<byte[]> values = new ArrayList<>();
        private final AtomicLong clock;
        private final int perPoll;
        private long next;
        long windowStart;
        int handedOut;
        int polls;
        int failAtPoll = -1;

        StoredAckPartition(AtomicLong clock, int perPoll) {
            super("earliest");
            this.clock = clock;
            this.perPoll = perPoll;
        }

        void append(byte[] value) {
            values.add(value);
        }

        @Override
        public synchronized void seek(TopicPartition tp, long offset) {
            super.seek(tp, offset);
            next = offset;
        }

        @Override
        public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
            if (++polls == failAtPoll) {
                throw new KafkaException("broker gone");
            }
            long until = perPoll == 0 ? values.size() : Math.min(values.size(), next + perPoll);
            for (long o = next; o < until; o++) {
                addRecord(new ConsumerRecord<>(ACK, 0, o, null, values.get((int) o)));
                handedOut++;
            }
            next = until;
            clock.addAndGet(100);
            return super.poll(timeout);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query,
                                                                                    Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> starts = new HashMap<>();
            query.keySet().forEach(tp -> starts.put(tp, windowStart < values.size()
                    ? new OffsetAndTimestamp(windowStart, NOW) : null));
            return starts;
        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions, Duration timeout) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            partitions.forEach(tp -> ends.put(tp, tp.equals(TP) ? (long) values.size() : 0L));
            return ends;
        }

        @Override
        public synchronized void close() {
            // kept for the next reader the test hands out
        }
    }
}
