package dev.courier.operator;

import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the dead-letter topic, read_committed, from the beginning or from a time to the end offsets captured
 * when the read starts, decoding each value; a value that is not a readable DeadLetter becomes an
 * {@link DeadLetterEntry#UNDECODABLE_DEAD_LETTER} entry instead of an error.
 */
public final class DeadLetterReader implements AutoCloseable {

    private final Connection connection;
    private final String topic;
    private final SchemaRegistryClient registry;
    private final Deserializer<DeadLetter> values;
    private final KafkaConsumer<byte[], byte[]> consumer;

    /** Fails with {@link NotFoundException} or {@link EnvironmentUnavailableException} if the topic cannot be read. */
    public DeadLetterReader(Connection connection) {
        this.connection = connection;
        this.topic = connection.topics().deadLetter();
        TopicScan.requireTopics(connection, List.of(topic));
        this.registry = connection.registry();
        this.values = CourierSerdes.value(DeadLetter.class, registry).deserializer();
        this.consumer = new KafkaConsumer<>(connection.readerProperties());
    }

    public String topic() {
        return topic;
    }

    /** Every dead letter {@code filter} matches, in partition order; reads from its {@code since} if it has one. */
    public void select(DeadLetterFilter filter, Consumer<DeadLetterEntry> action) {
        forEach(filter.since(), entry -> {
            if (filter.matches(entry)) {
                action.accept(entry);
            }
        });
    }

    /**
     * The dead letter with id {@code <partition>-<offset>}, or, when {@code idOrMessageId} is not such an id, every
     * dead letter of that messageId; empty if there is none.
     */
    public List<DeadLetterEntry> find(String idOrMessageId) {
        Optional<DeadLetterEntry.Id> id = DeadLetterEntry.Id.parse(idOrMessageId);
        if (id.isPresent()) {
            return at(id.get()).stream().toList();
        }
        List<DeadLetterEntry> found = new ArrayList<>();
        select(new DeadLetterFilter(null, null, Set.of(idOrMessageId.trim())), found::add);
        return found;
    }

    /** Every dead letter written at or after {@code since} (null: from the beginning), in partition order. */
    private void forEach(Instant since, Consumer<DeadLetterEntry> action) {
        List<TopicPartition> partitions = TopicScan.partitions(consumer, topic);
        consumer.assign(partitions);
        Map<TopicPartition, Long> start = since == null ? consumer.beginningOffsets(partitions)
                : startOffsets(partitions, since.toEpochMilli());
        start.forEach(consumer::seek);
        TopicScan.readTo(consumer, consumer.endOffsets(partitions), connection.timeout(), record -> action.accept(decode(record)));
    }

    /** The dead letter at {@code id}, or empty if that partition has no dead letter at that offset. */
    private Optional<DeadLetterEntry> at(DeadLetterEntry.Id id) {
        TopicPartition tp = new TopicPartition(topic, id.partition());
        if (TopicScan.partitions(consumer, topic).stream().noneMatch(tp::equals)) {
            return Optional.empty();
        }
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        if (id.offset() >= end || id.offset() < consumer.beginningOffsets(List.of(tp)).get(tp)) {
            return Optional.empty();
        }
        consumer.seek(tp, id.offset());
        DeadLetterEntry[] found = new DeadLetterEntry[1];
        // read_committed: the first record at or past the offset (an aborted record or a marker is skipped)
        TopicScan.readTo(consumer, Map.of(tp, Math.min(end, id.offset() + 1)), connection.timeout(), record -> {
            if (record.offset() == id.offset()) {
                found[0] = decode(record);
            }
        });
        return Optional.ofNullable(found[0]);
    }

    private Map<TopicPartition, Long> startOffsets(List<TopicPartition> partitions, long sinceMs) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, sinceMs));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> start = new HashMap<>();
        partitions.forEach(tp -> start.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
        return start;
    }

    private DeadLetterEntry decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            DeadLetter letter = values.deserialize(topic, record.value());
            if (letter == null) {
                return DeadLetterEntry.undecodable(record.partition(), record.offset(), record.timestamp(), null,
                        "null value (tombstone)");
            }
            return DeadLetterEntry.decoded(record.partition(), record.offset(), record.timestamp(), letter);
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                throw new EnvironmentUnavailableException("the schema registry at " + connection.registryUrl()
                        + " did not answer: " + e.getMessage(), e);
            }
            if (e.isAuthFailure()) {
                throw e; // the command's credentials, not the record: no entry is undecodable for it
            }
            return DeadLetterEntry.undecodable(record.partition(), record.offset(), record.timestamp(), record.value(),
                    e.getMessage());
        } catch (SerializationException e) {
            return DeadLetterEntry.undecodable(record.partition(), record.offset(), record.timestamp(), record.value(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        consumer.close();
        registry.close();
    }
}
