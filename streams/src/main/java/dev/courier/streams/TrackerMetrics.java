package dev.courier.streams;

import dev.courier.metrics.CourierMeters;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The tracker's own metrics, one set per task, registered with Kafka Streams (so they are reported, e.g. over
 * JMX, with the rest): group {@code stream-courier-tracker-metrics}, tag {@code courier-tracker-id=<task>},
 * each as {@code <name>-rate} and {@code <name>-total}; dead letters per reason (tag {@code reason}).
 *
 * <p>Read by {@link TrackerMeters} under {@link CourierMeters}' names, tagged with the task: re-emits and dead
 * letters from these sensors (counted once), and the task's pending deliveries and the age of its oldest from the
 * last {@link #pendingScanned scan}.
 */
final class TrackerMetrics {

    static final String SCOPE = "courier-tracker";
    static final String GROUP = "stream-" + SCOPE + "-metrics";
    /** Re-emits written to the send topic. */
    static final String REEMIT = "reemit";
    /** Re-emits made while the pipeline was judged unavailable: not counted toward max.attempts. */
    static final String OUTAGE_REEMIT = "outage-reemit";
    /** Punctuations that left due re-emits waiting because the task's re-emit budget was spent. */
    static final String BUDGET_EXHAUSTED = "budget-exhausted";

    /** Acks whose send event never arrived within early.ack.retention.ms: counted and dropped. */
    static final String STRAY_ACK = "stray-ack";

    /** Re-emits of a delivery no consumer reported reading within queued.timeout.ms (the safety net). */
    static final String QUEUED_TIMEOUT = "queued-timeout";

    /** HELD acks: a delivery consumer held an attempt back for order; its deadline was re-armed, uncounted. */
    static final String HELD = "held";

    /** Records written to the dead-letter topic, per reason: operation {@code dead-letter-<REASON>}, tag {@code reason}. */
    static final String DEAD_LETTER = "dead-letter";

    private final StreamsMetrics metrics;
    private final String taskId;
    private final TrackerMeters meters;
    private final Sensor held;
    private final Sensor strayAcks;
    private final Sensor reemits;
    private final Sensor outageReemits;
    private final Sensor budgetExhausted;
    private final Sensor queuedTimeouts;
    private final Map<String, Sensor> deadLetters = new ConcurrentHashMap<>();
    private volatile long pending;
    private volatile long oldestSentAtMs = Long.MAX_VALUE;
    private volatile long scannedAtMs;

    TrackerMetrics(StreamsMetrics metrics, String taskId, TrackerMeters meters) {
        this.metrics = metrics;
        this.taskId = taskId;
        this.meters = meters;
        this.reemits = metrics.addRateTotalSensor(SCOPE, taskId, REEMIT, Sensor.RecordingLevel.INFO);
        this.outageReemits = metrics.addRateTotalSensor(SCOPE, taskId, OUTAGE_REEMIT, Sensor.RecordingLevel.INFO);
        this.budgetExhausted = metrics.addRateTotalSensor(SCOPE, taskId, BUDGET_EXHAUSTED, Sensor.RecordingLevel.INFO);
        this.strayAcks = metrics.addRateTotalSensor(SCOPE, taskId, STRAY_ACK, Sensor.RecordingLevel.INFO);
        this.held = metrics.addRateTotalSensor(SCOPE, taskId, HELD, Sensor.RecordingLevel.INFO);
        this.queuedTimeouts = metrics.addRateTotalSensor(SCOPE, taskId, QUEUED_TIMEOUT, Sensor.RecordingLevel.INFO);
        meters.attach(taskId, this);
    }

    /** The task's Streams metric {@code <operation>-total} (of {@code reason}, if given). */
    private double total(String operation, String reason) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals(GROUP) && name.name().equals(operation + "-total")
                    && taskId.equals(name.tags().get(SCOPE + "-id"))
                    && (reason == null || reason.equals(name.tags().get(CourierMeters.TAG_REASON)))
                    && e.getValue().metricValue() instanceof Number n) {
                return n.doubleValue();
            }
        }
        return 0;
    }

    double reemitTotal() {
        return total(REEMIT, null);
    }

    double deadLetterTotal(String reason) {
        return total(DEAD_LETTER + "-" + reason, reason);
    }

    double pending() {
        return pending;
    }

    double oldestPendingAgeSeconds() {
        long oldest = oldestSentAtMs;
        return oldest == Long.MAX_VALUE ? 0 : Math.max(0, scannedAtMs - oldest) / 1000.0;
    }

    void queuedTimeout() {
        queuedTimeouts.record();
    }

    void held() {
        held.record();
    }

    void strayAck() {
        strayAcks.record();
    }

    void reemitted(boolean duringOutage) {
        reemits.record();
        if (duringOutage) {
            outageReemits.record();
        }
    }

    void budgetExhausted() {
        budgetExhausted.record();
    }

    void deadLettered(String reason) {
        deadLetters.computeIfAbsent(reason, r -> {
            // one operation per reason: Streams names a sensor by scope, entity and operation, not by its tags
            Sensor sensor = metrics.addRateTotalSensor(SCOPE, taskId, DEAD_LETTER + "-" + r, Sensor.RecordingLevel.INFO,
                    CourierMeters.TAG_REASON, r);
            meters.deadLetterReason(taskId, r);
            return sensor;
        }).record();
    }

    /**
     * The result of a scan of the task's pending store at {@code nowMs}: {@code count} deliveries, the oldest sent
     * at {@code oldestSentAtMs} ({@link Long#MAX_VALUE} when none).
     */
    void pendingScanned(long count, long oldestSentAtMs, long nowMs) {
        this.pending = count;
        this.oldestSentAtMs = oldestSentAtMs;
        this.scannedAtMs = nowMs;
    }

    void close() {
        meters.detach(taskId, this);
        metrics.removeSensor(reemits);
        metrics.removeSensor(outageReemits);
        metrics.removeSensor(budgetExhausted);
        metrics.removeSensor(strayAcks);
        metrics.removeSensor(held);
        metrics.removeSensor(queuedTimeouts);
        deadLetters.values().forEach(metrics::removeSensor);
    }
}
