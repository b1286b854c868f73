package dev.courier.streams;

import java.util.HashSet;
import java.util.Set;

/**
 * Tells, for one tracker task, whether the pipeline downstream of the send topic is unavailable: whether a
 * missing ack is better explained by an outage (consumers, Deliverers or brokers down) than by the message
 * itself. Plain Java, no Kafka types; not thread-safe (a task is driven by one stream thread).
 *
 * <p>The rule: the pipeline is <em>unavailable</em> once deliveries have been timing out for at least
 * {@code silenceMs} with not a single ack arriving in between, and at least {@code minDeliveries} different
 * deliveries have timed out in that time. Any ack ends it at once. The clock starts at the first timeout
 * after the last ack (not at the last ack), so a partition that was merely idle is not taken for one that
 * is down; and several different deliveries must fail, so one undeliverable message on a quiet partition
 * still runs out of attempts. A fresh detector (a tracker that just started, a task that just moved) knows
 * of no timeouts: it must see the rule hold again before it says "unavailable".
 */
public final class OutageDetector {

    private static final long NONE = Long.MIN_VALUE;

    private final long silenceMs;
    private final int minDeliveries;
    /** Different deliveries that timed out since the last ack; holds at most {@code minDeliveries}. */
    private final Set<String> timedOut = new HashSet<>();
    private long failingSince = NONE;

    public OutageDetector(long silenceMs, int minDeliveries) {
        if (silenceMs < 0) {
            throw new IllegalArgumentException("silence must be >= 0 ms, got " + silenceMs);
        }
        if (minDeliveries < 1) {
            throw new IllegalArgumentException("min deliveries must be >= 1, got " + minDeliveries);
        }
        this.silenceMs = silenceMs;
        this.minDeliveries = minDeliveries;
    }

    /** An ack (of any delivery, in any state) arrived: the pipeline works. */
    public void ackSeen() {
        timedOut.clear();
        failingSince = NONE;
    }

    /** The deadline of {@code deliveryKey}'s latest attempt passed at {@code now} without an ack. */
    public void deadlineMissed(String deliveryKey, long now) {
        if (failingSince == NONE) {
            failingSince = now;
        }
        if (timedOut.size() < minDeliveries) {
            timedOut.add(deliveryKey);
        }
    }

    /** Whether, at {@code now}, the pipeline is unavailable by the rule above. */
    public boolean unavailable(long now) {
        return failingSince != NONE && now - failingSince >= silenceMs && timedOut.size() >= minDeliveries;
    }
}
