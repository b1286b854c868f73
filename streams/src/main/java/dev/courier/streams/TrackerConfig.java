package dev.courier.streams;

import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The delivery tracker's configuration. Courier's own keys are below; any key prefixed {@code streams.}
 * is passed to Kafka Streams unchanged (e.g. {@code streams.num.stream.threads=4} on a machine with more
 * cores; Courier sets 2).
 */
public final class TrackerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = CommonConfig.BOOTSTRAP_SERVERS_CONFIG;

    public static final String SCHEMA_REGISTRY_URL_CONFIG = CommonConfig.SCHEMA_REGISTRY_URL_CONFIG;

    public static final String APPLICATION_ID_CONFIG = "application.id";
    private static final String APPLICATION_ID_DOC =
            "Kafka Streams application id: names the consumer group, the transactional ids and the internal topics.";

    public static final String TOPIC_PREFIX_CONFIG = CommonConfig.TOPIC_PREFIX_CONFIG;

    public static final String ACK_TIMEOUT_MS_CONFIG = "ack.timeout.ms";
    private static final String ACK_TIMEOUT_MS_DOC =
            "The re-emit back-off of a first attempt, counted from the delivery consumer commit that read its send record "
            + "without settling it (a RETRY, a HELD, a Deliverer that gave up): the consumer's AckBatch for that partition "
            + "says so. A delivery no consumer has read yet is queued, not late, and is not re-emitted on this timer (see "
            + "queued.timeout.ms). Later attempts wait longer (see backoff.*).";

    public static final String SEND_TRACKING_ENABLED_CONFIG = "send.tracking.enabled";
    private static final String SEND_TRACKING_ENABLED_DOC =
            "Whether the tracker also reads the send topic and tracks every delivery from publication. Off by default: "
            + "Courier's DeliveryConsumer reports every delivery it reads and does not settle (ack RETRY or HELD, with the "
            + "send event) and the progress of every commit, so the send topic itself is the queue and the tracker keeps "
            + "state only for what was read and not delivered. Turn it on when delivery consumers of your own write plain "
            + "DeliveryAcks: the tracker then tracks every send, and queued.timeout.ms re-emits what no consumer reported "
            + "reading.";

    public static final String QUEUED_TIMEOUT_MS_CONFIG = "queued.timeout.ms";
    private static final String QUEUED_TIMEOUT_MS_DOC =
            "With send.tracking.enabled: how long a delivery may stay queued (no delivery consumer has reported reading its send record) "
            + "before the tracker re-emits it anyway. Courier's DeliveryConsumer reports every commit, so with it this "
            + "fires only if no consumer reads the partition for this long; it exists for delivery consumers that write "
            + "plain DeliveryAcks and no AckBatch. Re-emits it causes go to the back of a queue that is not moving, so "
            + "keep it long.";

    public static final String HELD_TIMEOUT_MS_CONFIG = "held.timeout.ms";
    private static final String HELD_TIMEOUT_MS_DOC =
            "Safety net for a delivery a consumer holds back for order (ack HELD): the consumer hands it over itself once "
            + "the message it waits for is delivered, and a partition's new owner that restores the hold without the copy "
            + "asks for a re-emit (ack RETRY). So the tracker re-emits a held delivery on its own only after this long "
            + "from the commit that held it (not counted toward max.attempts). A short value re-emits copies the consumer "
            + "still holds whenever the blocker takes long, e.g. behind a backlog.";

    public static final String STATUS_SETTLED_ENABLED_CONFIG = "status.settled.enabled";
    private static final String STATUS_SETTLED_ENABLED_DOC =
            "Whether the tracker writes a DELIVERED/READ status record for every settled delivery (one more replicated "
            + "record per message). Off by default: re-emits (PENDING) and dead letters (DEAD_LETTERED) always get one.";

    public static final String BACKOFF_MULTIPLIER_CONFIG = "backoff.multiplier";
    private static final String BACKOFF_MULTIPLIER_DOC = "Each further attempt waits this many times longer than the previous one.";

    public static final String BACKOFF_MAX_MS_CONFIG = "backoff.max.ms";
    private static final String BACKOFF_MAX_MS_DOC = "Upper bound of the wait between two attempts, before jitter.";

    public static final String BACKOFF_JITTER_CONFIG = "backoff.jitter";
    private static final String BACKOFF_JITTER_DOC =
            "Random extra wait, as a fraction of the wait (0.2 = up to 20% later). Spreads re-emits that fell due together; never makes one early.";

    public static final String MAX_ATTEMPTS_CONFIG = "max.attempts";
    private static final String MAX_ATTEMPTS_DOC = "Attempts (the original publish included) before a message is dead-lettered with reason MAX_ATTEMPTS.";

    public static final String MESSAGE_TTL_MS_CONFIG = "message.ttl.ms";
    private static final String MESSAGE_TTL_MS_DOC =
            "How long after sentAt an undelivered message is kept trying; then it is dead-lettered with reason EXPIRED.";

    public static final String EARLY_ACK_RETENTION_MS_CONFIG = "early.ack.retention.ms";
    private static final String EARLY_ACK_RETENTION_MS_DOC =
            "How long an ack whose send event the tracker has not seen is remembered, so that the send, when it arrives, is settled at once.";

    public static final String PUNCTUATE_INTERVAL_MS_CONFIG = "punctuate.interval.ms";
    private static final String PUNCTUATE_INTERVAL_MS_DOC = "How often (wall clock) the tracker looks for deliveries whose deadline has passed.";

    public static final String MAX_DUE_PER_PUNCTUATION_CONFIG = "max.due.per.punctuation";
    private static final String MAX_DUE_PER_PUNCTUATION_DOC =
            "At most this many due deliveries are handled per punctuation; the rest wait for the next one. Bounds one transaction's size.";

    public static final String REDELIVERY_MAX_PER_SECOND_CONFIG = "redelivery.max.per.second";
    private static final String REDELIVERY_MAX_PER_SECOND_DOC =
            "Most re-emits per second made by ONE tracker task, i.e. for one partition of the send/ack topics. Tasks are "
            + "throttled independently, so the whole tracker re-emits at most this times the number of partitions per "
            + "second (e.g. 1000/s x 12 partitions = 12000/s), spread over the instances that host them; to cap the total "
            + "at R, set R / partitions. Fractions are allowed (0.5 = one every 2 s). A task may send up to two "
            + "punctuation intervals' worth at once (at least one). Due re-emits beyond the budget are not dropped: "
            + "they wait in the deadline index and go out oldest deadline first, at this rate, so a backlog of N "
            + "drains in N / rate seconds rather than in one wave. Dead-lettering is not throttled.";

    public static final String OUTAGE_SILENCE_MS_CONFIG = "outage.silence.ms";
    private static final String OUTAGE_SILENCE_MS_DOC =
            "A tracker task judges the pipeline unavailable once its deliveries have been timing out for this long with "
            + "no ack at all arriving in between, and at least outage.min.deliveries different deliveries timed out. "
            + "While it is, due deliveries are still re-emitted (attempt+1, the backoff still growing, which spares the "
            + "recovering system) but those attempts do not count toward max.attempts, and nothing is dead-lettered "
            + "with MAX_ATTEMPTS. EXPIRED (message.ttl.ms) applies regardless, outage or not. Any ack ends it; a task "
            + "that starts or moves starts with no outage. Unset: 2 x ack.timeout.ms.";

    public static final String OUTAGE_MIN_DELIVERIES_CONFIG = "outage.min.deliveries";
    private static final String OUTAGE_MIN_DELIVERIES_DOC =
            "How many different deliveries must have timed out, with no ack since, before a task judges the pipeline "
            + "unavailable (see outage.silence.ms). Above 1 so that one undeliverable message on a quiet partition "
            + "still runs out of attempts rather than looking like an outage; the other side is that a partition with "
            + "fewer deliveries in flight than this counts attempts through an outage as before.";

    public static final String MAX_PAYLOAD_BYTES_CONFIG = CommonConfig.MAX_PAYLOAD_BYTES_CONFIG;

    public static final String STATE_DIR_CONFIG = "state.dir";
    private static final String STATE_DIR_DOC = "Directory of the tracker's RocksDB state.";

    public static final String REPLICATION_FACTOR_CONFIG = "replication.factor";
    private static final String REPLICATION_FACTOR_DOC = "Replication factor of the tracker's internal topics (changelogs).";

    public static final String STANDBY_REPLICAS_CONFIG = "num.standby.replicas";
    private static final String STANDBY_REPLICAS_DOC =
            "Warm copies of each state store on other tracker instances, so a failed instance's tasks move without a full restore.";

    public static final String ROCKSDB_MEMORY_MAX_BYTES_CONFIG = "rocksdb.memory.max.bytes";
    static final long ROCKSDB_MEMORY_MAX_BYTES_DEFAULT = 128L * 1024 * 1024;
    private static final String ROCKSDB_MEMORY_MAX_BYTES_DOC = "Off-heap memory for all the tracker's state stores in "
            + "this JVM together: one shared RocksDB block cache holding data, index and filter blocks and the memtables' "
            + "reservation (memtables flush when they use half of it). Pending deliveries beyond it live on disk, so the "
            + "tracker's memory does not grow with them during an outage.";

    public static final String STATUS_HISTORY_ENABLED_CONFIG = "status.history.enabled";
    private static final String STATUS_HISTORY_ENABLED_DOC = "Whether the tracker keeps every delivery's history (where it "
            + "stands, and its timeline: published, re-emits, acks, dead letter) for the status lookup (GET "
            + "/v1/messages/{id}, `courier status`). It costs reading the send and dead-letter topics and about two "
            + "changelog records per delivery; without it the lookup answers 404 for everything.";

    public static final String STATUS_RETENTION_MS_CONFIG = "status.retention.ms";
    private static final String STATUS_RETENTION_MS_DOC = "How long a delivery's history stays answerable, counted from when "
            + "the tracker first saw it (settled ones included).";

    public static final String HTTP_PORT_CONFIG = "http.port";
    private static final String HTTP_PORT_DOC = "Port of the tracker's HTTP API (status lookup, health); 0 for a free one, "
            + "-1 for none. Every instance answers for every partition, asking the others.";

    public static final String HTTP_HOST_CONFIG = "http.host";
    private static final String HTTP_HOST_DOC = "The host name other tracker instances and operators' commands reach this "
            + "instance's HTTP API at (announced in the <prefix>.trackers topic and as Kafka Streams' application.server).";

    public static final String STREAMS_PREFIX = "streams.";

    private static final ConfigDef CONFIG = CommonConfig.define(new ConfigDef())
            .define(APPLICATION_ID_CONFIG, Type.STRING, "courier-tracker", new ConfigDef.NonEmptyString(), Importance.HIGH, APPLICATION_ID_DOC)
            .define(ACK_TIMEOUT_MS_CONFIG, Type.LONG, 2_000L, Range.atLeast(1), Importance.HIGH, ACK_TIMEOUT_MS_DOC)
            .define(SEND_TRACKING_ENABLED_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, SEND_TRACKING_ENABLED_DOC)
            .define(QUEUED_TIMEOUT_MS_CONFIG, Type.LONG, 10L * 60 * 1000, Range.atLeast(1), Importance.MEDIUM, QUEUED_TIMEOUT_MS_DOC)
            .define(HELD_TIMEOUT_MS_CONFIG, Type.LONG, 2L * 60 * 1000, Range.atLeast(1), Importance.LOW, HELD_TIMEOUT_MS_DOC)
            .define(STATUS_SETTLED_ENABLED_CONFIG, Type.BOOLEAN, false, Importance.LOW, STATUS_SETTLED_ENABLED_DOC)
            .define(BACKOFF_MULTIPLIER_CONFIG, Type.DOUBLE, 2.0, Range.atLeast(1.0), Importance.MEDIUM, BACKOFF_MULTIPLIER_DOC)
            .define(BACKOFF_MAX_MS_CONFIG, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM, BACKOFF_MAX_MS_DOC)
            .define(BACKOFF_JITTER_CONFIG, Type.DOUBLE, 0.2, Range.between(0.0, 1.0), Importance.LOW, BACKOFF_JITTER_DOC)
            .define(MAX_ATTEMPTS_CONFIG, Type.INT, 10, Range.atLeast(1), Importance.HIGH, MAX_ATTEMPTS_DOC)
            .define(MESSAGE_TTL_MS_CONFIG, Type.LONG, 14L * 24 * 3600 * 1000, Range.atLeast(1), Importance.HIGH, MESSAGE_TTL_MS_DOC)
            .define(EARLY_ACK_RETENTION_MS_CONFIG, Type.LONG, 15L * 60 * 1000, Range.atLeast(1), Importance.LOW, EARLY_ACK_RETENTION_MS_DOC)
            .define(PUNCTUATE_INTERVAL_MS_CONFIG, Type.LONG, 100L, Range.atLeast(1), Importance.LOW, PUNCTUATE_INTERVAL_MS_DOC)
            .define(MAX_DUE_PER_PUNCTUATION_CONFIG, Type.INT, 5_000, Range.atLeast(1), Importance.LOW, MAX_DUE_PER_PUNCTUATION_DOC)
            .define(REDELIVERY_MAX_PER_SECOND_CONFIG, Type.DOUBLE, 1_000.0, Range.between(0.001, 1_000_000.0), Importance.MEDIUM, REDELIVERY_MAX_PER_SECOND_DOC)
            .define(OUTAGE_SILENCE_MS_CONFIG, Type.LONG, null, nullOrAtLeast(1), Importance.MEDIUM, OUTAGE_SILENCE_MS_DOC)
            .define(OUTAGE_MIN_DELIVERIES_CONFIG, Type.INT, 3, Range.atLeast(1), Importance.LOW, OUTAGE_MIN_DELIVERIES_DOC)
            .define(STATE_DIR_CONFIG, Type.STRING, System.getProperty("java.io.tmpdir") + "/courier-tracker", Importance.MEDIUM, STATE_DIR_DOC)
            .define(REPLICATION_FACTOR_CONFIG, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM, REPLICATION_FACTOR_DOC)
            .define(STANDBY_REPLICAS_CONFIG, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM, STANDBY_REPLICAS_DOC)
            .define(STATUS_HISTORY_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, STATUS_HISTORY_ENABLED_DOC)
            .define(STATUS_RETENTION_MS_CONFIG, Type.LONG, 7L * 24 * 3600 * 1000, Range.atLeast(60_000), Importance.MEDIUM,
                    STATUS_RETENTION_MS_DOC)
            .define(HTTP_PORT_CONFIG, Type.INT, -1, Range.between(-1, 65535), Importance.MEDIUM, HTTP_PORT_DOC)
            .define(HTTP_HOST_CONFIG, Type.STRING, "localhost", new ConfigDef.NonEmptyString(), Importance.LOW, HTTP_HOST_DOC)
            .define(ROCKSDB_MEMORY_MAX_BYTES_CONFIG, Type.LONG, ROCKSDB_MEMORY_MAX_BYTES_DEFAULT, Range.atLeast(16L * 1024 * 1024),
                    Importance.MEDIUM, ROCKSDB_MEMORY_MAX_BYTES_DOC);

    public TrackerConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    public static ConfigDef configDef() {
        return CONFIG;
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(getString(TOPIC_PREFIX_CONFIG));
    }

    public String registryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    public RedeliveryPolicy redeliveryPolicy() {
        return new RedeliveryPolicy(getLong(ACK_TIMEOUT_MS_CONFIG), getDouble(BACKOFF_MULTIPLIER_CONFIG),
                getLong(BACKOFF_MAX_MS_CONFIG), getDouble(BACKOFF_JITTER_CONFIG), getInt(MAX_ATTEMPTS_CONFIG),
                getLong(MESSAGE_TTL_MS_CONFIG));
    }

    /** The re-emit budget of one tracker task, full at {@code now}. */
    public ReemitBudget reemitBudget(long now) {
        return ReemitBudget.perPunctuation(getDouble(REDELIVERY_MAX_PER_SECOND_CONFIG),
                getLong(PUNCTUATE_INTERVAL_MS_CONFIG), now);
    }

    /** {@code outage.silence.ms}, or 2 x {@code ack.timeout.ms} when unset. */
    public long outageSilenceMs() {
        Long silence = getLong(OUTAGE_SILENCE_MS_CONFIG);
        if (silence != null) {
            return silence;
        }
        long ackTimeout = getLong(ACK_TIMEOUT_MS_CONFIG);
        return ackTimeout > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * ackTimeout;
    }

    /** A fresh outage detector for one tracker task. */
    public OutageDetector outageDetector() {
        return new OutageDetector(outageSilenceMs(), getInt(OUTAGE_MIN_DELIVERIES_CONFIG));
    }

    private static ConfigDef.Validator nullOrAtLeast(long min) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null && ((Number) value).longValue() < min) {
                throw new ConfigException(name, value, "must be unset or at least " + min);
            }
        }, () -> "unset, or [" + min + ",...]");
    }

    /**
     * Kafka Streams properties: exactly-once v2, replicated changelogs, standby replicas, and whatever the
     * user passed under {@code streams.}.
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS_CONFIG));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, getInt(REPLICATION_FACTOR_CONFIG));
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, getInt(STANDBY_REPLICAS_CONFIG));
        p.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR_CONFIG));
        // Each commit is a transaction (several round trips); committing every 500 ms rather than the
        // exactly-once default of 100 ms costs settle latency only (deliveries do not wait for the tracker)
        // and lets the cache fold more send/ack pairs into nothing before they reach the changelog.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
        // Changelog topics inherit min.insync.replicas from the broker default unless we say so.
        p.put(StreamsConfig.topicPrefix("min.insync.replicas"), String.valueOf(Math.min(2, getInt(REPLICATION_FACTOR_CONFIG))));
        // A tracker that dies is noticed in 10 s rather than the default 45 s: its partitions (and their
        // pending deliveries) move to a live instance sooner.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
        // Back-to-back transactions (one per 100 ms commit) often meet CONCURRENT_TRANSACTIONS while the
        // previous commit's markers are written; the default back-off (100 ms growing to 1 s) stalls them.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), 250);
        // One request in flight: otherwise a CONCURRENT_TRANSACTIONS answer fails the batches behind it with
        // OUT_OF_ORDER_SEQUENCE and the producer's sender thread spins until the first is retried (profiled:
        // the spin used more CPU than the stream thread). The producer is flushed at every commit anyway.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), 1);
        // Two stream threads: each commits (flushes its producer, ends its transaction) while the other goes on
        // processing. Measured on 2 cores with 3 brokers beside it (bench max phase, one run each, fresh cluster):
        // the tracker cleared 5,464 msg/s with two threads and CacheCoalescing, 2,852 with one thread and without;
        // the second thread alone gave about +70% in paired runs, and 3 or 4 threads were no better.
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        // Do not wait for the other input (send or ack) to have data before processing a task: the tracker needs
        // no time alignment between the two (an ack read before its send is remembered as early), and the
        // wait's bookkeeping was 10% of the stream thread's CPU in the profile.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        p.put(ROCKSDB_MEMORY_MAX_BYTES_CONFIG, getLong(ROCKSDB_MEMORY_MAX_BYTES_CONFIG)); // read by BoundedRocksDbMemory
        p.putAll(originalsWithPrefix(STREAMS_PREFIX));
        return p;
    }
}
