package dev.courier.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every meter Courier exports, named once: the Micrometer name, its type and unit, and what it counts. Components
 * register their meters under these names; {@link #prometheusSeries()} gives the series Prometheus shows for them,
 * which is what the Grafana dashboard's queries must name.
 */
public final class CourierMeters {

    /** A meter Courier exports; {@code histogram}: a timer published with its percentile histogram (_bucket). */
    public record Def(String name, Meter.Type type, String baseUnit, boolean histogram, String description) {

        Def(String name, Meter.Type type, String baseUnit, String description) {
            this(name, type, baseUnit, false, description);
        }

        /**
         * The Prometheus name of the meter: a counter's ends in {@code _total}; a timer's is the stem of its
         * {@code _bucket}, {@code _count}, {@code _sum} and {@code _max} series.
         */
        public String prometheusName() {
            String stem = NAMING.name(name, type, baseUnit);
            return type == Meter.Type.COUNTER && !stem.endsWith("_total") ? stem + "_total" : stem;
        }
    }

    private static final PrometheusNamingConvention NAMING = new PrometheusNamingConvention();

    public static final String TAG_COMPONENT = "component";
    public static final String TAG_REASON = "reason";
    public static final String TAG_TASK = "task";
    public static final String TAG_CONSUMER = "consumer";

    public static final Def PUBLISHED = new Def("courier.published", Meter.Type.COUNTER, null,
            "send events (one per recipient) Kafka acknowledged to a CourierProducer (the gateway's, or an application's that binds it)");
    public static final Def DELIVERED = new Def("courier.delivered", Meter.Type.COUNTER, null,
            "deliveries acked DELIVERED or READ by a delivery consumer, counted when the transaction commits");
    public static final Def REEMITTED = new Def("courier.reemitted", Meter.Type.COUNTER, null,
            "re-emits the tracker wrote to the send topic (attempt+1), per task");
    public static final Def DEAD_LETTERED = new Def("courier.dead.lettered", Meter.Type.COUNTER, null,
            "records written to the dead-letter topic, by reason (tag reason) and writer (component consumer or tracker)");
    public static final Def PENDING = new Def("courier.pending", Meter.Type.GAUGE, null,
            "deliveries the tracker holds: read by a delivery consumer and not settled (with send tracking: also queued), per task");
    public static final Def OLDEST_PENDING_AGE = new Def("courier.pending.oldest.age", Meter.Type.GAUGE, "seconds",
            "age (since sentAt) of the oldest delivery the tracker holds, per task; 0 when none");
    public static final Def DELIVERY_LATENCY = new Def("courier.delivery.latency", Meter.Type.TIMER, "seconds", true,
            "from sentAt (publication) to the commit of the DELIVERED/READ ack, with a percentile histogram");
    public static final Def CONSUMER_RETRIES = new Def("courier.consumer.retries", Meter.Type.COUNTER, null,
            "Deliverer calls that returned RETRY or threw (no delivery: the tracker re-emits)");
    public static final Def CONSUMER_DUPLICATES = new Def("courier.consumer.duplicates.suppressed", Meter.Type.COUNTER, null,
            "records not handed to the Deliverer because (messageId, recipientId) was already acked");
    public static final Def CONSUMER_ABORTED_BATCHES = new Def("courier.consumer.aborted.batches", Meter.Type.COUNTER, null,
            "aborted transactions (their records are processed again)");
    public static final Def GATEWAY_REQUESTS = new Def("courier.gateway.requests", Meter.Type.TIMER, "seconds",
            "HTTP requests to the gateway, by method, route and status");
    public static final Def REGISTRY_REQUESTS = new Def("courier.registry.requests", Meter.Type.TIMER, "seconds",
            "HTTP requests to the schema registry, by method, route and status");

    /**
     * The delivery consumer's lag: Kafka's own {@code records-lag-max} (group consumer-fetch-manager-metrics),
     * bound with Micrometer's {@code KafkaClientMetrics}.
     */
    public static final Def CONSUMER_LAG_MAX = new Def("kafka.consumer.fetch.manager.records.lag.max", Meter.Type.GAUGE,
            null, "the largest lag, in records, of the delivery consumer's partitions (Kafka's records-lag-max)");

    public static final List<Def> ALL = List.of(PUBLISHED, DELIVERED, REEMITTED, DEAD_LETTERED, PENDING,
            OLDEST_PENDING_AGE, DELIVERY_LATENCY, CONSUMER_RETRIES, CONSUMER_DUPLICATES, CONSUMER_ABORTED_BATCHES,
            GATEWAY_REQUESTS, REGISTRY_REQUESTS, CONSUMER_LAG_MAX);

    private CourierMeters() {
    }

    /** Every series name Prometheus shows for {@link #ALL} (a timer as its _count, _sum, _max and, with a histogram, _bucket). */
    public static Set<String> prometheusSeries() {
        Set<String> series = new TreeSet<>();
        for (Def def : ALL) {
            String name = def.prometheusName();
            if (def.type() == Meter.Type.TIMER) {
                for (String suffix : List.of("_count", "_sum", "_max")) {
                    series.add(name + suffix);
                }
                if (def.histogram()) {
                    series.add(name + "_bucket");
                }
            } else {
                series.add(name);
            }
        }
        return series;
    }
}
