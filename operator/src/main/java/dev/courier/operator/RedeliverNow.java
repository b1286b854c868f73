package dev.courier.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.schemas.RedeliverRequest;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.Serializer;

/**
 * "Redeliver now" after an outage is fixed: the deliveries the tracker holds after a failed attempt go out now,
 * at a bounded rate, instead of at the end of their back-off. The count comes from the trackers
 * ({@code GET /v1/pending}); the request is one {@link RedeliverRequest} per partition of
 * {@code <prefix>.commands}, each carrying its share of the rate, read by the tracker task of that partition.
 */
public final class RedeliverNow {

    /** What was (or would be) asked. */
    public record Result(long pending, long selected, String requestId) {
    }

    private final Connection connection;
    private final Trackers trackers;

    public RedeliverNow(Connection connection, Trackers trackers) {
        this.connection = connection;
        this.trackers = trackers;
    }

    /** The trackers' pending deliveries and how many {@code olderThan} and {@code recipients} select. */
    public Result count(Duration olderThan, List<String> recipients) {
        StringBuilder query = new StringBuilder("/v1/pending?olderThanMs=").append(olderThan.toMillis());
        recipients.forEach(r -> query.append("&recipient=").append(Trackers.encode(r)));
        JsonNode counts = trackers.get(query.toString()).orElseThrow(() -> new EnvironmentUnavailableException(
                "the tracker has no /v1/pending (an older version?)"));
        return new Result(counts.path("pending").asLong(), counts.path("selected").asLong(), null);
    }

    /** Asks every tracker task to move the selected deliveries forward at {@code ratePerSecond} in all. */
    public Result request(Duration olderThan, List<String> recipients, double ratePerSecond) {
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("--rate must be positive, got " + ratePerSecond);
        }
        Result counted = count(olderThan, recipients);
        String topic = connection.topics().commands();
        String requestId = UUID.randomUUID().toString();
        try (SchemaRegistryClient registry = connection.registry();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(connection.writerProperties())) {
            Serializer<RedeliverRequest> values = CourierSerdes.value(RedeliverRequest.class, registry).serializer();
            List<PartitionInfo> partitions = producer.partitionsFor(topic);
            RedeliverRequest request = RedeliverRequest.newBuilder().setRequestId(requestId).setRequestedAt(Instant.now())
                    .setOlderThanMs(olderThan.toMillis()).setRecipients(recipients)
                    .setRatePerSecond(ratePerSecond / partitions.size()).build();
            byte[] value = values.serialize(topic, request);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (PartitionInfo partition : partitions) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition.partition(), null, value)));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get(connection.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new EnvironmentUnavailableException("could not write the request to " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentUnavailableException("interrupted while writing to " + topic, e);
        }
        return new Result(counted.pending(), counted.selected(), requestId);
    }
}
