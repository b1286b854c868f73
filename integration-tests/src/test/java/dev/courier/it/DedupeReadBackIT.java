package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.DeliveryConsumerMetrics;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.AckBatch;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The de-duplication read-back on real brokers: a partition handed back is read on from where it stopped (only
 * what another owner wrote meanwhile), and an ack partition that takes many slices to read is read once, in
 * slices, while the consumer stays in its group and then delivers.
 */
@ExtendWith(SharedCourier.class)
class DedupeReadBackIT {

    private static final Logger log = LoggerFactory.getLogger(DedupeReadBackIT.class);
    /** Acks written to one ack partition before the consumer starts; -Dcourier.it.readback.acks to measure more. */
    private static final int READ_BACK_ACKS = Integer.getInteger("courier.it.readback.acks", 100_000);
    private static final int ACKS_PER_RECORD = 100;
    /** Short, so that the read-back takes several; -Dcourier.it.readback.slice.ms to measure with another. */
    private static final long SLICE_MS = Long.getLong("courier.it.readback.slice.ms", 10);


    @Test
    void aPartitionHandedBackIsReadOnFromWhereItStoppedNotReadAgain() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("hand-back", 3);
        try (RecordingPipeline pipeline = new RecordingPipeline("hand-back", topics)) {
            DeliveryConsumer c1 = pipeline.startConsumer("c1", 0.0);
            pipeline.awaitConsumersJoined(1);
            CourierProducer producer = pipeline.producer();
            pipeline.awaitReceived(RecordingPipeline.deliveryKeys(sendAll(producer, 0, 300)));

            DeliveryConsumer c2 = pipeline.startConsumer("c2", 0.0);
            pipeline.awaitConsumersJoined(2);
            pipeline.awaitReceived(RecordingPipeline.deliveryKeys(sendAll(producer, 300, 300)));
            await("c2 owns partitions and committed").atMost(Duration.ofMinutes(1)).until(() -> c2.metrics().batches() > 0);
            long c1ReadBefore = c1.metrics().dedupeRebuildRecords();
            long c1ReadBacksBefore = c1.metrics().dedupeRebuilds();
            c2.close();
            pipeline.awaitConsumersJoined(1);
            pipeline.awaitReceived(RecordingPipeline.deliveryKeys(sendAll(producer, 600, 300)));

            long writtenByC2 = ackRecordsWrittenBy(topics, "c2");
            DeliveryConsumerMetrics m = c1.metrics();
            log.info("Hand-back: c1 read {} ack records in {} read-backs; c2 had written {}; the ack topic holds {}",
                    m.dedupeRebuildRecords() - c1ReadBefore, m.dedupeRebuilds() - c1ReadBacksBefore, writtenByC2,
                    TopicReader.records(topics.ack()).size());
            assertTrue(m.dedupeRebuilds() > c1ReadBacksBefore, "c1 read the partitions handed back");
            assertEquals(writtenByC2, m.dedupeRebuildRecords() - c1ReadBefore,
                    "c1 read only what c2 wrote while it owned them, not its own acks again");
            for (var e : pipeline.received.entrySet()) {
                assertEquals(1, e.getValue().get(), "handed once: " + e.getKey());
            }
        }
    }

    @Test
    void anAckPartitionLongerThanASliceIsReadOnceInSlicesAndTheConsumerThenDelivers() throws Exception {
        CourierTopics topics = SharedCourier.freshTopics("read-back", 1);
        int records = writeAcks(topics, READ_BACK_ACKS);
        try (RecordingPipeline pipeline = new RecordingPipeline("read-back", topics)) {
            DeliveryConsumer consumer = pipeline.startConsumer("c1", 0.0,
                    Map.of(DeliveryConsumerConfig.DEDUPE_REBUILD_SLICE_MS_CONFIG, SLICE_MS));
            CourierProducer producer = pipeline.producer();
            Set<String> keys = RecordingPipeline.deliveryKeys(sendAll(producer, 0, 100));
            pipeline.awaitReceived(keys);

            DeliveryConsumerMetrics m = consumer.metrics();
            log.info("Read-back of one ack partition: {} acks in {} records, read in {} ms (slices of {} ms)",
                    READ_BACK_ACKS, m.dedupeRebuildRecords(), m.dedupeRebuildMsMax(), SLICE_MS);
            assertEquals(records, m.dedupeRebuildRecords(), "every record read once, across all slices");
            assertTrue(m.dedupeRebuildMsMax() > SLICE_MS, "the read-back spanned several slices: "
                    + m.dedupeRebuildMsMax() + " ms");
            assertEquals(0, m.dedupeEvictions());
        }
    }

    /** Writes {@code acks} DELIVERED acks, acked now, to ack partition 0 in AckBatches as consumers would; returns the record count. */
    private static int writeAcks(CourierTopics topics, int acks) throws Exception {
        Serializer<SpecificRecord> serializer = CourierSerdes.ackValue(SharedCourier.registryClient()).serializer();
        int records = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedCourier.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            Instant now = Instant.now();
            for (int first = 0; first < acks; first += ACKS_PER_RECORD) {
                List<DeliveryAck> batch = new ArrayList<>();
                for (int i = first; i < Math.min(acks, first + ACKS_PER_RECORD); i++) {
                    batch.add(DeliveryAck.newBuilder().setMessageId("00000000-0000-7000-8000-" + String.format("%012d", i))
                            .setRecipientId("user-" + (i % 1000)).setStatus(AckStatus.DELIVERED).setAckedAt(now)
                            .setDeliveredBy("earlier-consumer").setAttempt(1).build());
                }
                AckBatch value = AckBatch.newBuilder().setSendPartition(0).setFirstOffset(first)
                        .setCommittedThrough(first + batch.size()).setCommittedAt(now).setDeliveredBy("earlier-consumer")
                        .setAcks(batch).build();
                producer.send(new ProducerRecord<>(topics.ack(), 0, null, serializer.serialize(topics.ack(), value)));
                records++;
            }
            producer.flush();
        }
        return records;
    }

    private static long ackRecordsWrittenBy(CourierTopics topics, String consumerId) {
        var values = CourierSerdes.ackValue(SharedCourier.registryClient()).deserializer();
        long n = 0;
        for (ConsumerRecord<String, byte[]> rec : TopicReader.records(topics.ack())) {
            if (values.deserialize(topics.ack(), rec.value()) instanceof AckBatch b && consumerId.equals(b.getDeliveredBy())) {
                n++;
            }
        }
        return n;
    }

    private static List<CompletableFuture<SendReceipt>> sendAll(CourierProducer producer, int from, int count) {
        List<CompletableFuture<SendReceipt>> sends = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            sends.add(producer.send(OutgoingMessage.builder().senderId("sender").recipients("user-" + (i % 30))
                    .conversationId("conv-" + (i % 30)).seq(i).payload(("message " + i).getBytes(StandardCharsets.UTF_8))
                    .build()));
        }
        return sends;
    }
}
