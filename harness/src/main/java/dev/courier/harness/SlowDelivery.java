package dev.courier.harness;

import dev.courier.producer.FanOut;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The slow fault's traffic (chaos): a message to {@link #RECIPIENT}, whose simulated device keeps the consumer's
 * Deliverer {@link #DELIVERY_MS} (the chaos consumers' {@code --slow-recipients}), past the consumers'
 * {@link #TRANSACTION_TIMEOUT_MS} and the brokers' next check for timed-out transactions. It is written in one
 * Kafka transaction right behind a poison record for the same recipient, so that the consumer reads both in one
 * batch and has a dead letter to write before it calls the slow device: a consumer that wrote it at once would
 * open its transaction before the slow delivery, and the coordinator would abort it under the Deliverer. What the
 * product must do with the message: hand it to the device once and commit it ({@link DeliveryVerdict}).
 */
final class SlowDelivery implements AutoCloseable {

    /** The recipient whose deliveries are slow; {@link #RECIPIENTS} matches it and no other recipient of the load. */
    static final String RECIPIENT = "slow-0";
    static final String RECIPIENTS = "slow-.*";
    /** The chaos consumers' {@code transaction.timeout.ms} (the product's default is 30 s). */
    static final long TRANSACTION_TIMEOUT_MS = 15_000;
    /** The brokers' {@code transaction.abort.timed.out.transaction.cleanup.interval.ms} (Kafka's default). */
    static final long TIMEOUT_CHECK_MS = 10_000;
    /** How long one delivery to {@link #RECIPIENT} takes: past the timeout, and past the check that acts on it. */
    static final long DELIVERY_MS = TRANSACTION_TIMEOUT_MS + TIMEOUT_CHECK_MS + 5_000;

    private final CourierTopics topics;
    private final SendLedger ledger;
    private final PoisonInjector poison;
    private final DeliveryObserver observer;
    private final Serializer<SendEvent> sends;
    private final KafkaProducer<String, byte[]> producer;
    /** Delivery key of every slow message Kafka confirmed, to when it was sent. */
    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private long seq;

    /**
     * Slow messages go into {@code ledger} like the load's, their poison records into {@code poison}'s account;
     * {@code observer} tells when a slow message is settled.
     */
    SlowDelivery(String bootstrapServers, SchemaRegistryClient registry, CourierTopics topics, SendLedger ledger,
                 PoisonInjector poison, DeliveryObserver observer) {
        this.topics = topics;
        this.ledger = ledger;
        this.poison = poison;
        this.observer = observer;
        this.sends = CourierSerdes.value(SendEvent.class, registry).serializer();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "courier-chaos-slow-" + UUID.randomUUID(),
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    /**
     * Writes an undecodable poison record and then one message to {@link #RECIPIENT} (the same partition: both keyed
     * by the recipient), in one transaction; returns the message's delivery key.
     *
     * @throws Exception if Kafka did not commit them (the send then counts as failed in the ledger)
     */
    synchronized String send() throws Exception {
        long sentAt = System.currentTimeMillis();
        OutgoingMessage message = OutgoingMessage.builder().senderId("chaos").recipients(RECIPIENT)
                .conversationId("slow").seq(seq++)
                .payload(("slow message " + seq).getBytes(StandardCharsets.UTF_8)).build();
        String messageId = UUID.randomUUID().toString();
        SendEvent event = FanOut.events(message, messageId, Instant.ofEpochMilli(sentAt)).get(0);
        ledger.intent();
        try {
            producer.beginTransaction();
            Future<RecordMetadata> bad = producer.send(new ProducerRecord<>(topics.send(), RECIPIENT,
                    poison.value(PoisonInjector.SendPoison.UNDECODABLE, RECIPIENT)));
            producer.send(new ProducerRecord<>(topics.send(), RECIPIENT, sends.serialize(topics.send(), event)));
            producer.commitTransaction();
            poison.written(PoisonInjector.SendPoison.UNDECODABLE, bad.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            ledger.failed().incrementAndGet();
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
        String key = CourierTopics.deliveryKey(messageId, RECIPIENT);
        ledger.acked().put(key, sentAt);
        sent.put(key, sentAt);
        return key;
    }

    /** Waits until the delivery {@code key} is delivered or dead-lettered, by what was committed; whether it was. */
    boolean awaitSettled(String key, long patienceMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + patienceMs;
        while (!settled(key) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
        }
        return settled(key);
    }

    private boolean settled(String key) {
        return observer.deliveredAt().containsKey(key) || observer.deadLettered().containsKey(key);
    }

    /** The delivery keys of the slow messages Kafka confirmed. */
    Set<String> keys() {
        return sent.keySet();
    }

    @Override
    public void close() {
        producer.close();
    }
}
