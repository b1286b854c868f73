package dev.courier.producer;

import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import dev.courier.schemas.serde.CourierSerdes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library a backend service uses to hand messages to Courier. Thread-safe; share one instance per
 * process and {@link #close()} it on shutdown.
 *
 * <p>{@link #send} fans a message out into one {@link SendEvent} per recipient (see {@link FanOut}), all with
 * the same time-ordered message id ({@link MessageIds}), keyed by recipientId so each recipient's messages
 * stay in one partition of {@code <prefix>.send}, in order. The returned future completes when Kafka has
 * acknowledged every recipient's record with {@code acks=all}; it fails with a {@link SendFailedException}
 * (carrying the message id) on the first recipient that failed. The records are not written atomically:
 * after a failure some recipients may have their copy. Retrying with the same message id is safe, because
 * delivery consumers de-duplicate by (messageId, recipientId). See {@link CourierProducerConfig} for the
 * producer settings and why.
 */
public final class CourierProducer implements AutoCloseable, MeterBinder {

    private static final Logger log = LoggerFactory.getLogger(CourierProducer.class);

    private final Producer<String, byte[]> producer;
    private final BiFunction<String, SendEvent, byte[]> encoder;
    private final AutoCloseable resources;
    private final String topic;
    private final int maxPayloadBytes;
    private final MessageIds ids;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Counter published;
    private KafkaClientMetrics clientMetrics;

    /** Connects to Kafka and the schema registry named in {@code config}. */
    public CourierProducer(CourierProducerConfig config) {
        this(config, SchemaRegistryClients.fromConfigs(config.originals()));
    }

    private CourierProducer(CourierProducerConfig config, SchemaRegistryClient registry) {
        this(config, new KafkaProducer<>(config.kafkaProducerProps()), serializer(registry), registry,
                MessageIds.create(), Clock.systemUTC());
    }

    /** For tests: any {@link Producer} (e.g. {@code MockProducer}) and value encoder. */
    CourierProducer(CourierProducerConfig config, Producer<String, byte[]> producer,
                    BiFunction<String, SendEvent, byte[]> encoder, AutoCloseable resources,
                    MessageIds ids, Clock clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.resources = resources;
        this.topic = config.topics().send();
        this.maxPayloadBytes = config.maxPayloadBytes();
        this.ids = Objects.requireNonNull(ids, "ids");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!config.ignoredProducerOverrides().isEmpty()) {
            log.warn("Ignoring producer overrides {}: Courier enforces acks=all, idempotence and its serdes",
                    config.ignoredProducerOverrides());
        }
        // the passthrough may carry credentials: log only Courier's own settings
        log.info("CourierProducer started: topic={}, maxPayloadBytes={}", topic, maxPayloadBytes);
    }

    private static BiFunction<String, SendEvent, byte[]> serializer(SchemaRegistryClient registry) {
        Serde<SendEvent> serde = CourierSerdes.value(SendEvent.class, registry);
        Serializer<SendEvent> serializer = serde.serializer();
        return serializer::serialize;
    }

    /**
     * Publishes {@code message} to every recipient.
     *
     * @throws InvalidMessageException (synchronously, nothing sent) if the payload exceeds
     *         {@code courier.max.payload.bytes}
     * @throws IllegalStateException if the producer is closed
     * @return completes with the receipt once every recipient's record is acknowledged; fails with a
     *         {@link SendFailedException} otherwise
     */
    public CompletableFuture<SendReceipt> send(OutgoingMessage message) {
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            throw new IllegalStateException("CourierProducer is closed");
        }
        if (message.payloadSize() > maxPayloadBytes) {
            throw new InvalidMessageException("payload", "payload is " + message.payloadSize()
                    + " bytes, over the limit of " + maxPayloadBytes + " bytes (courier.max.payload.bytes)");
        }
        String messageId = message.messageId().orElseGet(ids::next);
        Instant sentAt = clock.instant();
        List<SendEvent> events = FanOut.events(message, messageId, sentAt);

        CompletableFuture<SendReceipt> result = new CompletableFuture<>();
        SendReceipt.Placement[] placements = new SendReceipt.Placement[events.size()];
        AtomicInteger outstanding = new AtomicInteger(events.size());
        for (int i = 0; i < events.size(); i++) {
            SendEvent event = events.get(i);
            String recipient = event.getRecipientId();
            int slot = i;
            try {
                byte[] value = encoder.apply(topic, event);
                producer.send(new ProducerRecord<>(topic, recipient, value), (metadata, error) -> {
                    if (error != null) {
                        log.warn("Send failed: topic={} messageId={} recipientId={}: {}",
                                topic, messageId, recipient, error.toString());
                        result.completeExceptionally(new SendFailedException(messageId, recipient, error));
                        return;
                    }
                    Counter counter = published;
                    if (counter != null) {
                        counter.increment();
                    }
                    placements[slot] = new SendReceipt.Placement(recipient, metadata.partition(), metadata.offset());
                    if (outstanding.decrementAndGet() == 0) {
                        result.complete(new SendReceipt(messageId, List.of(placements)));
                    }
                });
            } catch (RuntimeException e) {
                // serialization / registry failure, buffer full past max.block.ms, producer closed ...
                log.warn("Send failed before reaching Kafka: topic={} messageId={} recipientId={}: {}",
                        topic, messageId, recipient, e.toString());
                result.completeExceptionally(new SendFailedException(messageId, recipient, e));
                break;
            }
        }
        return result;
    }

    /**
     * Counts every send event Kafka acknowledges as {@link CourierMeters#PUBLISHED} in {@code registry}, and binds
     * the Kafka producer's own metrics there.
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        published = Counter.builder(CourierMeters.PUBLISHED.name())
                .description(CourierMeters.PUBLISHED.description())
                .register(registry);
        clientMetrics = new KafkaClientMetrics(producer);
        clientMetrics.bindTo(registry);
    }

    /** Sends everything buffered now, and waits for it. */
    public void flush() {
        producer.flush();
    }

    /** Waits up to 30 s for buffered records, then closes. Idempotent. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (clientMetrics != null) {
                clientMetrics.close();
            }
        }
        try {
            producer.close(timeout);
        } finally {
            if (resources != null) {
                try {
                    resources.close();
                } catch (Exception e) {
                    log.warn("Closing the schema registry client failed", e);
                }
            }
        }
        log.info("CourierProducer closed: topic={}", topic);
    }
}
