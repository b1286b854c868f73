package dev.courier.schemas;

/**
 * Why something landed on the dead-letter topic: every code Courier writes to {@link DeadLetter#getReasonCode()},
 * described once. The Avro field stays a string (a reader of an older Courier must not fail on a newer code); write
 * {@link #name()}, read with {@link #of(String)}.
 */
public enum DeadLetterReason {
    /** The tracker re-emitted it max.attempts times and no consumer delivered it. */
    MAX_ATTEMPTS,
    /** Not delivered within message.ttl.ms of its sentAt (the tracker, or a consumer reading it too late). */
    EXPIRED,
    /** The recipient's side refused it (ack REJECTED). */
    REJECTED,
    /** A decodable record breaking an invariant: a missing id, an AckBatch for another partition, ... */
    INVALID_EVENT,
    /** A payload over courier.max.payload.bytes. */
    OVERSIZED_PAYLOAD,
    /** A record with no value (a tombstone) where an event belongs. */
    NULL_VALUE,
    /** The first byte is not the Confluent wire format's magic byte. */
    WRONG_MAGIC_BYTE,
    /** Fewer bytes than the wire format's 5-byte header. */
    TOO_SHORT,
    /** The registry does not know the schema id in the header (after a grace for a lagging instance). */
    UNKNOWN_SCHEMA_ID,
    /** The Avro body cannot be decoded with its writer schema, or not resolved to the reader's. */
    UNDECODABLE,
    /** The Avro body declares a string, bytes or collection longer than a Kafka record can hold. */
    LIMIT_EXCEEDED,
    /** The record kept its consumer's transaction from committing, alone, again and again. */
    UNCOMMITTABLE;

    /** The reason of a code read from a dead letter, or null for a code this version does not know. */
    public static DeadLetterReason of(String code) {
        for (DeadLetterReason reason : values()) {
            if (reason.name().equals(code)) {
                return reason;
            }
        }
        return null;
    }
}
