package dev.courier.streams;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The tracker's own metrics, one set per task, registered with Kafka Streams (so they are reported, e.g. over
 * JMX, with the rest): group {@code stream-courier-tracker-metrics}, tag {@code courier-tracker-id=<task>},
 * each as {@code <name>-rate} and {@code <name>-total}.
 */
final class TrackerMetrics {

    static final String SCOPE = "courier-tracker";
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

    private final StreamsMetrics metrics;
    private final Sensor held;
    private final Sensor strayAcks;
    private final Sensor reemits;
    private final Sensor outageReemits;
    private final Sensor budgetExhausted;
    private final Sensor queuedTimeouts;

    TrackerMetrics(StreamsMetrics metrics, String taskId) {
        this.metrics = metrics;
        this.reemits = metrics.addRateTotalSensor(SCOPE, taskId, REEMIT, Sensor.RecordingLevel.INFO);
        this.outageReemits = metrics.addRateTotalSensor(SCOPE, taskId, OUTAGE_REEMIT, Sensor.RecordingLevel.INFO);
        this.budgetExhausted = metrics.addRateTotalSensor(SCOPE, taskId, BUDGET_EXHAUSTED, Sensor.RecordingLevel.INFO);
        this.strayAcks = metrics.addRateTotalSensor(SCOPE, taskId, STRAY_ACK, Sensor.RecordingLevel.INFO);
        this.held = metrics.addRateTotalSensor(SCOPE, taskId, HELD, Sensor.RecordingLevel.INFO);
        this.queuedTimeouts = metrics.addRateTotalSensor(SCOPE, taskId, QUEUED_TIMEOUT, Sensor.RecordingLevel.INFO);
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

    void close() {
        metrics.removeSensor(reemits);
        metrics.removeSensor(outageReemits);
        metrics.removeSensor(budgetExhausted);
        metrics.removeSensor(strayAcks);
        metrics.removeSensor(held);
        metrics.removeSensor(queuedTimeouts);
    }
}
