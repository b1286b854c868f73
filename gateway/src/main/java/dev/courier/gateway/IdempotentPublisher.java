package dev.courier.gateway;

import dev.courier.producer.CourierProducer;
import dev.courier.producer.MessageIds;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.schemas.IdempotencyRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes through the {@link CourierProducer}, remembering Idempotency-Keys in the {@link IdempotencyLog}.
 *
 * <p>The protocol for a request with a key, all of it within the Kafka timeout:
 * <ol>
 *   <li>Look the key up, having read its partition to the end. Known: {@link IdempotencyRules#decide} (replay the
 *       receipt, resume an abandoned reservation, 409 while another request holds it, 422 for another body).</li>
 *   <li>Unknown: append a reservation with a new message id and read back to it. If another gateway's reservation
 *       came first, that one owns the key: append a copy of it (so the key's latest record, the one compaction
 *       keeps, is the owner's) and answer as in step 1.</li>
 *   <li>Owner: publish under the reserved message id, wait for every copy's acknowledgement, append the completion
 *       with the placements, answer 202.</li>
 * </ol>
 * A crash or timeout after step 2 leaves a reservation; a retry after {@code gateway.idempotency.takeover.ms}
 * publishes again under the same message id, which the delivery consumers de-duplicate by (messageId, recipientId).
 */
final class IdempotentPublisher implements Publisher {

    private static final Logger log = LoggerFactory.getLogger(IdempotentPublisher.class);
    private static final int REAFFIRM_ATTEMPTS = 3;

    private final CourierProducer producer;
    private final IdempotencyLog keys;
    private final Duration timeout;
    private final Duration takeoverAfter;
    private final MessageIds ids = MessageIds.create();
    private final Clock clock = Clock.systemUTC();

    IdempotentPublisher(CourierProducer producer, IdempotencyLog keys, Duration timeout, Duration takeoverAfter) {
        this.producer = producer;
        this.keys = keys;
        this.timeout = timeout;
        this.takeoverAfter = takeoverAfter;
    }

    @Override
    public Published publish(OutgoingMessage message, String recordKey, String fingerprint) {
        try {
            if (recordKey == null) {
                return new Published(send(message), false);
            }
            IdempotencyRecord owner = keys.owner(recordKey, timeout).orElse(null);
            if (owner == null) {
                IdempotencyRecord mine = IdempotencyRules.reservation(ids.next(), fingerprint, clock.instant());
                owner = keys.append(recordKey, mine, timeout);
                if (owner.getMessageId().equals(mine.getMessageId())) {
                    return complete(recordKey, owner, message);
                }
                log.info("Idempotency key {} was reserved first by message {}", recordKey, owner.getMessageId());
                owner = reaffirm(recordKey, owner);
            }
            return switch (IdempotencyRules.decide(owner, fingerprint, clock.instant(), takeoverAfter)) {
                case REPLAY -> new Published(IdempotencyRules.receipt(owner), true);
                case RESUME -> {
                    log.info("Resuming message {} of idempotency key {}, reserved at {} and never completed",
                            owner.getMessageId(), recordKey, owner.getReservedAt());
                    yield complete(recordKey, owner, message);
                }
                case IN_PROGRESS -> throw ApiError.keyInProgress("a request with this key (message "
                        + owner.getMessageId() + ") is being published; retry").exception();
                case REUSED -> throw ApiError.keyReused("this key was first used with another request body "
                        + "(message " + owner.getMessageId() + ")").exception();
            };
        } catch (KafkaException e) {
            throw ApiError.kafkaUnavailable("Kafka did not answer within " + timeout.toMillis() + " ms (" + e.getMessage()
                    + "); retry with the same Idempotency-Key").exception();
        }
    }

    private Published complete(String recordKey, IdempotencyRecord reservation, OutgoingMessage message) {
        SendReceipt receipt = send(message.withMessageId(reservation.getMessageId()));
        keys.append(recordKey, IdempotencyRules.completion(reservation, receipt, clock.instant()), timeout);
        return new Published(receipt, false);
    }

    /** Appends the owner's record again until the key's latest record is the owner as it stands. */
    private IdempotencyRecord reaffirm(String recordKey, IdempotencyRecord owner) {
        IdempotencyRecord latest = owner;
        for (int i = 0; i < REAFFIRM_ATTEMPTS; i++) {
            IdempotencyRecord after = keys.append(recordKey, latest, timeout);
            if (after.equals(latest)) {
                return after;
            }
            latest = after;
        }
        return latest;
    }

    private SendReceipt send(OutgoingMessage message) {
        try {
            return producer.send(message).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException("not every copy was acknowledged in time");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }
}
