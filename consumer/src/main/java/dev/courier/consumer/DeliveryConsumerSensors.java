package dev.courier.consumer;

import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.utils.Time;

/**
 * A delivery consumer's counters, registered as Kafka metrics and reported over JMX: group
 * {@value #GROUP}, tag {@code consumer-id}, each count as {@code <name>-total} and {@code <name>-rate} (per
 * second), plus {@code last-delivery-at-ms}. JMX: {@code courier:type=courier-delivery-consumer,consumer-id=<id>}.
 * {@link #snapshot()} reads them back as a {@link DeliveryConsumerMetrics}. Thread-safe.
 *
 * <p>The same counts are bound to a Micrometer registry under {@link CourierMeters}' names (function counters
 * reading these metrics, so nothing is counted twice); dead letters are also counted per reason (tag
 * {@code reason}, a child sensor of {@code dead-lettered}), and the send-to-delivered latency of every committed
 * delivery is recorded in the {@link CourierMeters#DELIVERY_LATENCY} timer.
 *
 * <p>Counts of a batch are recorded once, when its transaction commits ({@link #committed}), so the totals
 * are cumulative sums of per-batch tallies; {@code aborted-batches}, {@code holds-expired} and the
 * de-duplication figures are recorded as they happen: {@code dedupe-evictions} (acks dropped from a full
 * de-duplication set), {@code dedupe-rebuilds} (ack partitions read back to the end), {@code dedupe-rebuild-records}
 * (ack-topic records read back) and {@code dedupe-rebuild-time-ms-max}, {@code -avg}, {@code -total} (a read-back's
 * duration from its first slice to the end, slices and the batches between them included).
 */
final class DeliveryConsumerSensors implements AutoCloseable {

    static final String GROUP = "courier-delivery-consumer";
    static final String JMX_DOMAIN = "courier";
    static final String CONSUMER_ID_TAG = "consumer-id";

    static final String DELIVERED = "delivered";
    static final String DUPLICATES_SUPPRESSED = "duplicates-suppressed";
    static final String RETRIES = "retries";
    static final String REJECTED = "rejected";
    static final String DEAD_LETTERED = "dead-lettered";
    static final String BATCHES = "batches";
    static final String ABORTED_BATCHES = "aborted-batches";
    static final String HELD = "held";
    static final String RELEASED = "released";
    static final String HOLDS_EXPIRED = "holds-expired";
    static final String LAST_DELIVERY_AT_MS = "last-delivery-at-ms";
    static final String DEDUPE_EVICTIONS = "dedupe-evictions";
    static final String DEDUPE_REBUILDS = "dedupe-rebuilds";
    static final String DEDUPE_REBUILD_RECORDS = "dedupe-rebuild-records";
    static final String DEDUPE_REBUILD_TIME_MS = "dedupe-rebuild-time-ms";

    /** What one batch did, tallied while it runs and recorded only if its transaction commits. */
    static final class Tally {
        long delivered;
        long duplicates;
        long retries;
        long rejected;
        long deadLettered;
        /** Of {@code deadLettered}, how many by reason code. */
        final Map<String, Integer> deadLetteredByReason = new HashMap<>();
        /** sentAt (epoch ms) of each delivery acked DELIVERED or READ. */
        final List<Long> deliveredSentAtMs = new ArrayList<>();
        long held;
        long released;
        /** Epoch ms of the batch's last DELIVERED/READ ack, 0 if none. */
        long lastDeliveryAtMs;

        void delivered(long sentAtMs, long nowMs) {
            delivered++;
            deliveredSentAtMs.add(sentAtMs);
            lastDeliveryAtMs = nowMs;
        }

        void deadLettered(String reason) {
            deadLettered++;
            deadLetteredByReason.merge(reason, 1, Integer::sum);
        }
    }

    private final Metrics metrics;
    private final Map<String, String> tags;
    private final Sensor delivered;
    private final Sensor duplicates;
    private final Sensor retries;
    private final Sensor rejected;
    private final Sensor deadLettered;
    private final Sensor batches;
    private final Sensor abortedBatches;
    private final Sensor held;
    private final Sensor released;
    private final Sensor holdsExpired;
    private final Sensor lastDeliveryAt;
    private final Sensor dedupeEvictions;
    private final Sensor dedupeRebuilds;
    private final Sensor dedupeRebuildRecords;
    private final Sensor dedupeRebuildTime;
    private final String prefix;
    private final Map<String, Sensor> deadLetteredByReason = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Tags meterTags;
    private final List<Meter> bound = new ArrayList<>();
    private final Timer latency;

    /** Registers the metrics of consumer {@code consumerId}, reported over JMX only. */
    DeliveryConsumerSensors(String consumerId) {
        this(consumerId, new SimpleMeterRegistry());
    }

    /** Registers the metrics of consumer {@code consumerId}, reported over JMX and bound to {@code meters}. */
    DeliveryConsumerSensors(String consumerId, MeterRegistry meters) {
        this(consumerId, new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext(JMX_DOMAIN)), meters);
    }

    /** Registers them in {@code metrics}, which this object then owns (closes). */
    DeliveryConsumerSensors(String consumerId, Metrics metrics, MeterRegistry meters) {
        this.metrics = metrics;
        this.meters = meters;
        this.tags = Map.of(CONSUMER_ID_TAG, consumerId);
        this.meterTags = Tags.of(CourierMeters.TAG_CONSUMER, consumerId);
        this.prefix = GROUP + "." + consumerId + ".";
        delivered = meter(prefix, DELIVERED, "records acked DELIVERED or READ after a Deliverer call");
        duplicates = meter(prefix, DUPLICATES_SUPPRESSED,
                "records not handed to the Deliverer because already acked; acked again with duplicate=true");
        retries = meter(prefix, RETRIES, "Deliverer calls that returned RETRY or threw");
        rejected = meter(prefix, REJECTED, "records acked REJECTED");
        deadLettered = meter(prefix, DEAD_LETTERED, "poison records written to the dead-letter topic");
        batches = meter(prefix, BATCHES, "committed transactions");
        abortedBatches = meter(prefix, ABORTED_BATCHES, "aborted transactions (their records were processed again)");
        held = meter(prefix, HELD, "records held back for order, acked HELD");
        released = meter(prefix, RELEASED, "held records handed to the Deliverer once their conversation allowed");
        holdsExpired = meter(prefix, HOLDS_EXPIRED, "conversations whose order hold was given up after order.hold.max.ms");
        dedupeEvictions = meter(prefix, DEDUPE_EVICTIONS,
                "acks evicted from a full de-duplication set (dedupe.max.entries.per.partition): a re-emit of one would be delivered again");
        dedupeRebuilds = meter(prefix, DEDUPE_REBUILDS, "ack partitions read back to the end for de-duplication");
        dedupeRebuildRecords = meter(prefix, DEDUPE_REBUILD_RECORDS, "ack-topic records read back for de-duplication");
        dedupeRebuildTime = metrics.sensor(prefix + DEDUPE_REBUILD_TIME_MS);
        dedupeRebuildTime.add(metrics.metricName(DEDUPE_REBUILD_TIME_MS + "-max", GROUP,
                "longest read-back of an ack partition, ms", tags), new Max());
        dedupeRebuildTime.add(metrics.metricName(DEDUPE_REBUILD_TIME_MS + "-avg", GROUP,
                "average read-back of an ack partition, ms", tags), new Avg());
        dedupeRebuildTime.add(metrics.metricName(DEDUPE_REBUILD_TIME_MS + "-total", GROUP,
                "time spent reading ack partitions back, ms", tags), new CumulativeSum());
        lastDeliveryAt = metrics.sensor(prefix + LAST_DELIVERY_AT_MS);
        lastDeliveryAt.add(metrics.metricName(LAST_DELIVERY_AT_MS, GROUP,
                "epoch ms of the last committed DELIVERED/READ ack, 0 if none", tags), new Value());
        bind(CourierMeters.DELIVERED, DELIVERED, meterTags);
        bind(CourierMeters.CONSUMER_RETRIES, RETRIES, meterTags);
        bind(CourierMeters.CONSUMER_DUPLICATES, DUPLICATES_SUPPRESSED, meterTags);
        bind(CourierMeters.CONSUMER_ABORTED_BATCHES, ABORTED_BATCHES, meterTags);
        this.latency = Timer.builder(CourierMeters.DELIVERY_LATENCY.name())
                .description(CourierMeters.DELIVERY_LATENCY.description())
                .tags(meterTags)
                .publishPercentileHistogram(CourierMeters.DELIVERY_LATENCY.histogram())
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(meters);
        bound.add(latency);
    }

    /** A function counter named {@code def} reading this object's Kafka metric {@code <name>-total}. */
    private void bind(CourierMeters.Def def, String name, Tags meterTags) {
        MetricName total = metrics.metricName(name + "-total", GROUP, tagsOf(meterTags));
        bound.add(FunctionCounter.builder(def.name(), metrics, m -> {
                    KafkaMetric metric = m.metric(total);
                    return metric == null ? 0 : ((Number) metric.metricValue()).doubleValue();
                })
                .description(def.description())
                .tags(meterTags)
                .register(meters));
    }

    private Map<String, String> tagsOf(Tags meterTags) {
        Map<String, String> kafkaTags = new HashMap<>(tags);
        meterTags.stream().filter(t -> t.getKey().equals(CourierMeters.TAG_REASON))
                .forEach(t -> kafkaTags.put(CourierMeters.TAG_REASON, t.getValue()));
        return kafkaTags;
    }

    /** The sensor counting dead letters of {@code reason}; recording it records {@code dead-lettered} too. */
    private Sensor deadLetteredFor(String reason) {
        return deadLetteredByReason.computeIfAbsent(reason, r -> {
            Map<String, String> reasonTags = new HashMap<>(tags);
            reasonTags.put(CourierMeters.TAG_REASON, r);
            Sensor sensor = metrics.sensor(prefix + DEAD_LETTERED + "." + r, deadLettered);
            sensor.add(new org.apache.kafka.common.metrics.stats.Meter(
                    metrics.metricName(DEAD_LETTERED + "-rate", GROUP, "per second: dead letters of this reason", reasonTags),
                    metrics.metricName(DEAD_LETTERED + "-total", GROUP, "total: dead letters of this reason", reasonTags)));
            bind(CourierMeters.DEAD_LETTERED, DEAD_LETTERED, meterTags.and(CourierMeters.TAG_REASON, r));
            return sensor;
        });
    }

    private Sensor meter(String prefix, String name, String description) {
        Sensor sensor = metrics.sensor(prefix + name);
        sensor.add(new org.apache.kafka.common.metrics.stats.Meter(
                metrics.metricName(name + "-rate", GROUP, "per second: " + description, tags),
                metrics.metricName(name + "-total", GROUP, "total: " + description, tags)));
        return sensor;
    }

    /** Records a committed batch's tally. */
    void committed(Tally tally) {
        record(delivered, tally.delivered);
        record(duplicates, tally.duplicates);
        record(retries, tally.retries);
        record(rejected, tally.rejected);
        tally.deadLetteredByReason.forEach((reason, count) -> deadLetteredFor(reason).record(count));
        long nowMs = System.currentTimeMillis();
        tally.deliveredSentAtMs.forEach(sentAt -> latency.record(Math.max(0, nowMs - sentAt), TimeUnit.MILLISECONDS));
        record(held, tally.held);
        record(released, tally.released);
        if (tally.lastDeliveryAtMs > 0) {
            lastDeliveryAt.record(tally.lastDeliveryAtMs);
        }
        batches.record();
    }

    private static void record(Sensor sensor, long count) {
        if (count > 0) {
            sensor.record(count);
        }
    }

    void aborted() {
        abortedBatches.record();
    }

    void holdExpired() {
        holdsExpired.record();
    }

    /** {@code count} acks were evicted from a full de-duplication set. */
    void evicted(long count) {
        record(dedupeEvictions, count);
    }

    /** An ack partition was read back to the end: {@code records} read in {@code durationMs}. */
    void readBack(long records, long durationMs) {
        dedupeRebuilds.record();
        record(dedupeRebuildRecords, records);
        dedupeRebuildTime.record(durationMs);
    }

    /** The counters as recorded so far. */
    DeliveryConsumerMetrics snapshot() {
        return new DeliveryConsumerMetrics(total(DELIVERED), total(DUPLICATES_SUPPRESSED), total(RETRIES),
                total(REJECTED), total(DEAD_LETTERED), total(BATCHES), total(ABORTED_BATCHES),
                value(LAST_DELIVERY_AT_MS), total(HELD), total(RELEASED), total(HOLDS_EXPIRED), total(DEDUPE_EVICTIONS),
                total(DEDUPE_REBUILDS), total(DEDUPE_REBUILD_RECORDS), total(DEDUPE_REBUILD_TIME_MS),
                value(DEDUPE_REBUILD_TIME_MS + "-max"));
    }

    private long total(String name) {
        return value(name + "-total");
    }

    private long value(String metricName) {
        KafkaMetric metric = metrics.metric(metrics.metricName(metricName, GROUP, tags));
        // counts and epoch ms are exact in a double below 2^53
        if (metric == null) {
            return 0;
        }
        double v = ((Number) metric.metricValue()).doubleValue();
        return Double.isFinite(v) ? (long) v : 0; // a Max over no samples is NaN or -Infinity
    }

    /** The registered metric {@code name} (for tests). */
    MetricName metricName(String name) {
        return metrics.metricName(name, GROUP, tags);
    }

    /** Unregisters the MBeans; {@link #snapshot()} still reads the final counts afterwards. */
    @Override
    public void close() {
        bound.forEach(meters::remove);
        metrics.close();
    }
}
