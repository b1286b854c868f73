package dev.courier.harness;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Every send intent and what Kafka answered. */
final class SendLedger {
    private final AtomicLong intents = new AtomicLong();
    private final Map<String, Long> acked = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong indeterminate = new AtomicLong();

    void intent() {
        intents.incrementAndGet();
    }

    long intents() {
        return intents.get();
    }

    /** delivery key -> when it was sent, for every send the brokers acknowledged. */
    Map<String, Long> acked() {
        return acked;
    }

    AtomicLong failed() {
        return failed;
    }

    AtomicLong indeterminate() {
        return indeterminate;
    }
}
