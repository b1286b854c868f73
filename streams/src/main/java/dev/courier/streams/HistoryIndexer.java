package dev.courier.streams;

import dev.courier.schemas.AckTopicValue;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.DeliveryHistory;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.WireFormatException;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every delivery's history for the status lookup ({@link TrackerTopology#HISTORY_STORE}): reads the
 * send, ack and dead-letter partitions of its task and applies {@link DeliveryHistories}. A history lives in
 * a window store whose window starts when the delivery was first seen, so the store drops it after the
 * retention (status.retention.ms) without a scan or a tombstone. Records that do not decode are skipped here:
 * the tracker or the delivery consumer dead-letters them.
 */
final class HistoryIndexer implements Processor<String, byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(HistoryIndexer.class);

    private final CourierTopics topics;
    private final Deserializer<SendEvent> sends;
    private final Deserializer<SpecificRecord> acks;
    private final Deserializer<DeadLetter> deadLetters;
    private final long retentionMs;
    private ProcessorContext<Void, Void> context;
    private WindowStore<String, DeliveryHistory> store;

    HistoryIndexer(CourierTopics topics, Deserializer<SendEvent> sends, Deserializer<SpecificRecord> acks,
                   Deserializer<DeadLetter> deadLetters, long retentionMs) {
        this.topics = topics;
        this.sends = sends;
        this.acks = acks;
        this.deadLetters = deadLetters;
        this.retentionMs = retentionMs;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(TrackerTopology.HISTORY_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        String topic = source.topic();
        try {
            if (topic.equals(topics.send())) {
                SendEvent event = sends.deserialize(topic, record.value());
                if (event != null) {
                    String redriveOf = CopyHeaders.text(record.headers(), CopyHeaders.REDRIVE_OF);
                    String replayId = CopyHeaders.text(record.headers(), CopyHeaders.ID);
                    update(event.getMessageId(), event.getRecipientId(), record.timestamp(), history ->
                            DeliveryHistories.sent(history, event, source.partition(), source.offset(), record.timestamp(),
                                    redriveOf, replayId));
                }
            } else if (topic.equals(topics.ack())) {
                SpecificRecord value = acks.deserialize(topic, record.value());
                if (value != null) {
                    for (DeliveryAck ack : AckTopicValue.acks(value)) {
                        update(ack.getMessageId(), ack.getRecipientId(), record.timestamp(),
                                history -> DeliveryHistories.acked(history, ack));
                    }
                }
            } else {
                DeadLetter deadLetter = deadLetters.deserialize(topic, record.value());
                if (deadLetter != null && deadLetter.getMessageId() != null && deadLetter.getRecipientId() != null) {
                    update(deadLetter.getMessageId(), deadLetter.getRecipientId(), record.timestamp(),
                            history -> DeliveryHistories.deadLettered(history, deadLetter));
                }
            }
        } catch (WireFormatException e) {
            log.debug("status index skips an undecodable record at {}-{}@{}: {}", topic, source.partition(),
                    source.offset(), e.getMessage());
        } catch (SchemaRegistryException e) {
            if (e.isTransient() || e.isAuthFailure()) {
                // registry down: fail the task, Streams retries from the committed offsets; refused: the tracker
                // stops (DeliveryTracker) rather than leave every record out of the index
                throw e;
            }
            log.debug("status index skips {}-{}@{}: {}", topic, source.partition(), source.offset(), e.getMessage());
        }
    }

    private void update(String messageId, String recipientId, long timestamp, UnaryOperator<DeliveryHistory> change) {
        String key = CourierTopics.deliveryKey(messageId, recipientId);
        long windowStart = timestamp;
        DeliveryHistory history = null;
        // Only live windows: the store's cache may still hold an expired one.
        long oldest = Math.max(0, context.currentStreamTimeMs() - retentionMs + 1);
        try (WindowStoreIterator<DeliveryHistory> found = store.fetch(key, oldest, Long.MAX_VALUE)) {
            while (found.hasNext()) {
                var window = found.next();
                windowStart = window.key;
                history = window.value;
            }
        }
        store.put(key, change.apply(history), windowStart);
    }
}
