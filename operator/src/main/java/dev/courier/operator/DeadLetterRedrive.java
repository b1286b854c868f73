package dev.courier.operator;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.courier.schemas.CopyHeaders;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Sends the selected dead letters' events back to the send topic, keyed by recipientId (the producer
 * library's partitioning), with {@code attempt} reset to 1 and the header {@link CopyHeaders#REDRIVE_OF}; or, in a
 * dry run, says what it would send. What may not be sent is counted as refused ({@link RedrivePolicy}).
 */
public final class DeadLetterRedrive {

    /** How many of the dead letters to send are listed in the result. */
    public static final int SAMPLE_SIZE = 5;

    /** What to redrive and how: nothing is written unless {@code execute}. */
    public record Options(DeadLetterFilter filter, double ratePerSecond, boolean execute, boolean force) {
    }

    /** One dead letter to send, as the result lists it. */
    public record Item(String id, String reason, String messageId, String recipientId) {
        static Item of(DeadLetterEntry e) {
            return new Item(e.id().toString(), e.reason(), e.messageId(), e.recipientId());
        }
    }

    /** What {@code dlq redrive} prints (JSON keys are the CLI's contract). */
    public record Result(@JsonProperty("dry_run") boolean dryRun, @JsonProperty("would_send") long wouldSend,
                         long sent, long refused, @JsonProperty("refused_by_reason") Map<String, Long> refusedByReason,
                         List<Item> sample) {
    }

    /** Told after each acknowledged send. */
    public interface Progress {
        void sent(long done, long total);
    }

    private DeadLetterRedrive() {
    }

    public static Result run(Connection connection, Options options, Progress progress) {
        String sendTopic = connection.topics().send();
        TopicScan.requireTopics(connection, List.of(sendTopic));
        List<DeadLetterEntry> selected = new ArrayList<>();
        String deadLetterTopic;
        try (DeadLetterReader reader = new DeadLetterReader(connection)) {
            deadLetterTopic = reader.topic();
            reader.select(options.filter(), selected::add);
        }
        Map<String, Long> refused = new TreeMap<>();
        List<DeadLetterEntry> candidates = new ArrayList<>();
        for (DeadLetterEntry entry : selected) {
            String refusal = RedrivePolicy.refusal(entry, false, options.force());
            if (refusal == null) {
                candidates.add(entry);
            } else {
                refused.merge(refusal, 1L, Long::sum);
            }
        }
        // --force redrives regardless: no need to scan the send topic for earlier redrives
        Set<String> redriven = candidates.isEmpty() || options.force() ? Set.of() : RedriveHistory.redrivenSince(connection, sendTopic,
                candidates.stream().mapToLong(DeadLetterEntry::timestampMs).min().orElseThrow());
        List<DeadLetterEntry> toSend = new ArrayList<>();
        for (DeadLetterEntry entry : candidates) {
            String refusal = RedrivePolicy.refusal(entry, redriven.contains(entry.coordinates(deadLetterTopic)),
                    options.force());
            if (refusal == null) {
                toSend.add(entry);
            } else {
                refused.merge(refusal, 1L, Long::sum);
            }
        }
        long refusedCount = refused.values().stream().mapToLong(Long::longValue).sum();
        List<Item> sample = toSend.stream().limit(SAMPLE_SIZE).map(Item::of).toList();
        long sent = options.execute() ? send(connection, deadLetterTopic, toSend, options.ratePerSecond(), progress) : 0;
        return new Result(!options.execute(), toSend.size(), sent, refusedCount, refused, sample);
    }

    /** Sends at the paced rate and waits for every acknowledgment; returns how many were acknowledged. */
    private static long send(Connection connection, String deadLetterTopic, List<DeadLetterEntry> toSend,
                             double ratePerSecond, Progress progress) {
        String sendTopic = connection.topics().send();
        RedrivePacer pacer = new RedrivePacer(ratePerSecond);
        AtomicLong acknowledged = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        try (SchemaRegistryClient registry = connection.registry();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(connection.writerProperties())) {
            Serializer<SendEvent> values = CourierSerdes.value(SendEvent.class, registry).serializer();
            for (DeadLetterEntry entry : toSend) {
                if (firstError.get() != null) {
                    break;
                }
                pause(pacer.nanosUntilNext(System.nanoTime()));
                SendEvent event = SendEvent.newBuilder(entry.letter().getEvent()).setAttempt(1).build();
                byte[] value;
                try {
                    value = values.serialize(sendTopic, event);
                } catch (SchemaRegistryException e) {
                    throw new EnvironmentUnavailableException("the schema registry at " + connection.registryUrl()
                            + " did not answer: " + e.getMessage(), e);
                }
                // Never older than its dead letter, so RedriveHistory's scan from the dead letter's time finds it.
                long timestamp = Math.max(System.currentTimeMillis(), entry.timestampMs());
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(sendTopic, null, timestamp,
                        event.getRecipientId().getBytes(StandardCharsets.UTF_8), value);
                record.headers().add(new RecordHeader(CopyHeaders.REDRIVE_OF,
                        entry.coordinates(deadLetterTopic).getBytes(StandardCharsets.UTF_8)));
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        firstError.compareAndSet(null, error);
                    } else {
                        progress.sent(acknowledged.incrementAndGet(), toSend.size());
                    }
                });
            }
            producer.flush();
        }
        if (firstError.get() != null) {
            throw new EnvironmentUnavailableException("redrive stopped after " + acknowledged.get() + " of "
                    + toSend.size() + " sends: " + firstError.get().getMessage(), firstError.get());
        }
        return acknowledged.get();
    }

    private static void pause(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("redrive interrupted", e);
        }
    }
}
