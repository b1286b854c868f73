package dev.courier.consumer;

import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetterSize;
import dev.courier.schemas.EventChecks;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Typed configuration of a {@link DeliveryConsumer}. Keys prefixed {@code consumer.} / {@code producer.}
 * pass through (prefix removed) to the group consumer / the transactional producer, e.g. security
 * settings; the settings the protocol depends on (isolation level, auto-commit, transactional id,
 * serializers, idempotence, acks) are always Courier's.
 */
public class DeliveryConsumerConfig extends AbstractConfig {

    // The keys every component shares, defined in CommonConfig; named here too for this config's callers.
    public static final String BOOTSTRAP_SERVERS_CONFIG = CommonConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_CONFIG = CommonConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String TOPIC_PREFIX_CONFIG = CommonConfig.TOPIC_PREFIX_CONFIG;
    public static final String MAX_PAYLOAD_BYTES_CONFIG = CommonConfig.MAX_PAYLOAD_BYTES_CONFIG;

    public static final String GROUP_ID_CONFIG = "group.id";
    public static final String GROUP_ID_DOC = "Consumer group of the delivery consumers; the send topic's partitions are shared among its members.";
    public static final String GROUP_ID_DEFAULT = "courier-delivery";

    public static final String CONSUMER_ID_CONFIG = "consumer.id";
    public static final String CONSUMER_ID_DOC = "Id of this instance: written to every ack (deliveredBy), used as client.id, and "
            + "the transactional.id is <group.id>-<consumer.id>. Give each instance a stable id across restarts so a "
            + "restarted instance fences its predecessor's open transaction at once instead of waiting for it to time "
            + "out. Unique per group: a consumer started with the id of a running member of its group stops at start "
            + "(ConsumerIdInUseException) instead of fencing it; a restart after a crash waits at most session.timeout.ms "
            + "for the crashed member to leave the group. Default: <hostname>-<pid>-<random>.";

    public static final String DEDUPE_WINDOW_MS_CONFIG = "dedupe.window.ms";
    public static final String DEDUPE_WINDOW_MS_DOC = "How long an ack de-duplicates later copies of the same (messageId, recipientId): "
            + "on assignment the ack partition is read back this far. Must exceed the tracker's re-emit horizon.";

    public static final String DEDUPE_MAX_ENTRIES_CONFIG = "dedupe.max.entries.per.partition";
    public static final String DEDUPE_MAX_ENTRIES_DOC = "Memory bound of one partition's de-duplication set; beyond it the oldest "
            + "entries go first, counted by the metric dedupe-evictions-total and logged (a re-emit of an evicted "
            + "delivery would reach the Deliverer again).";

    public static final String DEDUPE_REBUILD_SLICE_MS_CONFIG = "dedupe.rebuild.slice.ms";
    public static final String DEDUPE_REBUILD_SLICE_MS_DOC = "Longest the consumer's loop reads the ack topic back at a time. A "
            + "partition being read back is paused; between slices the loop polls (staying in the group) and processes "
            + "the partitions that are caught up, and the next slice goes on where the last stopped, however long the "
            + "read-back takes. Replaces dedupe.rebuild.timeout.ms, whose read-back restarted from scratch on timeout.";

    public static final String MAX_POLL_RECORDS_CONFIG = "max.poll.records";
    public static final String MAX_POLL_RECORDS_DOC = "Records per poll, i.e. per transaction. Larger batches amortize the commit; smaller "
            + "ones bound the work redone after an abort. At most 10,000. A transaction's acks for one partition travel in "
            + "AckBatch records estimated under 512 KiB each (several when RETRY and HELD acks carry large send events).";

    public static final String POLL_TIMEOUT_MS_CONFIG = "poll.timeout.ms";
    public static final String POLL_TIMEOUT_MS_DOC = "How long one poll waits for records.";

    public static final String SESSION_TIMEOUT_MS_CONFIG = "session.timeout.ms";
    public static final String SESSION_TIMEOUT_MS_DOC = "Group session timeout: a killed instance's partitions move to the others after at most this long.";

    public static final String HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms";
    public static final String HEARTBEAT_INTERVAL_MS_DOC = "Group heartbeat interval; keep it below a third of session.timeout.ms.";

    public static final String TRANSACTION_TIMEOUT_MS_CONFIG = "transaction.timeout.ms";
    public static final String TRANSACTION_TIMEOUT_MS_DOC = "Transaction timeout of the producer. A crashed instance's open transaction holds back "
            + "read_committed readers of the ack topic until it is fenced or times out. The coordinator counts it from the "
            + "transaction's first write, and a batch writes nothing (dead letters, acks, offsets) before its last Deliverer "
            + "call: it bounds the commit, not the Deliverer. A batch's Deliverer calls must instead finish within the group "
            + "consumer's max.poll.interval.ms (consumer.max.poll.interval.ms, Kafka's default 5 min): past it the instance "
            + "has left the group, the batch's offsets are refused, and a record that does it again and again is "
            + "dead-lettered UNCOMMITTABLE.";

    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String RETRY_BACKOFF_MS_DOC = "First pause after an aborted batch (e.g. schema registry unreachable); doubles up to retry.backoff.max.ms.";

    public static final String RETRY_BACKOFF_MAX_MS_CONFIG = "retry.backoff.max.ms";
    public static final String RETRY_BACKOFF_MAX_MS_DOC = "Longest pause between retries of an aborted batch.";

    public static final String ORDER_HOLD_ENABLED_CONFIG = "order.hold.enabled";
    public static final String ORDER_HOLD_ENABLED_DOC = "Keep each conversation in seq order across RETRY: while a message of a "
            + "(recipientId, conversationId) is owed (the Deliverer answered RETRY or threw), later messages of that conversation "
            + "(higher seq) are held: not handed to the Deliverer yet, acked HELD (the tracker then waits for them without "
            + "counting the attempt), kept in memory, and handed over in seq order as soon as the owed message is delivered. "
            + "Messages without a seq are never held. Off: the Deliverer sees a RETRY'd message after later ones of its "
            + "conversation.";

    public static final String ORDER_HOLD_MAX_MS_CONFIG = "order.hold.max.ms";
    public static final String ORDER_HOLD_MAX_MS_DOC = "How long a conversation may stay held without progress (no owed message "
            + "delivered). After it the hold is given up and the conversation's messages flow in arrival order, so one "
            + "undeliverable message cannot wedge its conversation. Keep it well below the tracker's re-emit horizon "
            + "(max.attempts with backoff): every hold costs the held message one attempt.";

    public static final String MESSAGE_TTL_MS_CONFIG = "message.ttl.ms";
    public static final String MESSAGE_TTL_MS_DOC = "Time-to-live of a message: a send event read at or after sentAt + this "
            + "is not handed to the Deliverer but dead-lettered with reason EXPIRED (a copy of one already delivered is "
            + "still re-acked as a duplicate). Keep equal to the tracker's message.ttl.ms.";

    public static final String CONSUMER_PREFIX = "consumer.";
    /** Producer retry back-off for transactional writers (see {@link #transactionalProducerProps()}). */
    public static final long TRANSACTION_RETRY_BACKOFF_MS = 10;
    public static final long TRANSACTION_RETRY_BACKOFF_MAX_MS = 250;
    public static final String PRODUCER_PREFIX = "producer.";

    private static final Set<String> ENFORCED_CONSUMER = Set.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, ConsumerConfig.CLIENT_ID_CONFIG);
    private static final Set<String> ENFORCED_PRODUCER = Set.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.ACKS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);

    public static final ConfigDef CONFIG_DEF = CommonConfig.define(new ConfigDef())
            .define(GROUP_ID_CONFIG, Type.STRING, GROUP_ID_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, GROUP_ID_DOC)
            .define(CONSUMER_ID_CONFIG, Type.STRING, null, nullOrNonBlank(), Importance.MEDIUM, CONSUMER_ID_DOC)
            .define(DEDUPE_WINDOW_MS_CONFIG, Type.LONG, 24L * 3600 * 1000, Range.atLeast(1000),
                    Importance.MEDIUM, DEDUPE_WINDOW_MS_DOC)
            .define(DEDUPE_MAX_ENTRIES_CONFIG, Type.INT, 1_000_000, Range.atLeast(1), Importance.LOW, DEDUPE_MAX_ENTRIES_DOC)
            .define(DEDUPE_REBUILD_SLICE_MS_CONFIG, Type.LONG, 1_000L, Range.between(10, 60_000), Importance.LOW,
                    DEDUPE_REBUILD_SLICE_MS_DOC)
            .define(MESSAGE_TTL_MS_CONFIG, Type.LONG, EventChecks.DEFAULT_MESSAGE_TTL_MS, Range.atLeast(1), Importance.HIGH,
                    MESSAGE_TTL_MS_DOC)
            .define(ORDER_HOLD_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, ORDER_HOLD_ENABLED_DOC)
            .define(ORDER_HOLD_MAX_MS_CONFIG, Type.LONG, 10L * 60 * 1000, Range.atLeast(1), Importance.MEDIUM,
                    ORDER_HOLD_MAX_MS_DOC)
            .define(MAX_POLL_RECORDS_CONFIG, Type.INT, 1000, Range.between(1, 10_000), Importance.MEDIUM, MAX_POLL_RECORDS_DOC)
            .define(POLL_TIMEOUT_MS_CONFIG, Type.LONG, 500L, Range.between(1, 60_000), Importance.LOW, POLL_TIMEOUT_MS_DOC)
            .define(SESSION_TIMEOUT_MS_CONFIG, Type.INT, 10_000, Range.between(1_000, 300_000), Importance.MEDIUM,
                    SESSION_TIMEOUT_MS_DOC)
            .define(HEARTBEAT_INTERVAL_MS_CONFIG, Type.INT, 3_000, Range.between(100, 100_000), Importance.LOW,
                    HEARTBEAT_INTERVAL_MS_DOC)
            .define(TRANSACTION_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.between(1_000, 900_000), Importance.MEDIUM,
                    TRANSACTION_TIMEOUT_MS_DOC)
            .define(RETRY_BACKOFF_MS_CONFIG, Type.LONG, 500L, Range.atLeast(0), Importance.LOW, RETRY_BACKOFF_MS_DOC)
            .define(RETRY_BACKOFF_MAX_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(0), Importance.LOW, RETRY_BACKOFF_MAX_MS_DOC);

    private final String consumerId;

    public DeliveryConsumerConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props, false);
        String id = getString(CONSUMER_ID_CONFIG);
        this.consumerId = id != null ? id : defaultConsumerId();
        if (getInt(HEARTBEAT_INTERVAL_MS_CONFIG) * 3 > getInt(SESSION_TIMEOUT_MS_CONFIG)) {
            throw new org.apache.kafka.common.config.ConfigException(HEARTBEAT_INTERVAL_MS_CONFIG,
                    getInt(HEARTBEAT_INTERVAL_MS_CONFIG), "must be at most a third of " + SESSION_TIMEOUT_MS_CONFIG);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    static String defaultConsumerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ConfigDef.Validator nullOrNonBlank() {
        return (name, value) -> {
            if (value != null && value.toString().isBlank()) {
                throw new org.apache.kafka.common.config.ConfigException(name, value, "must not be blank");
            }
        };
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(getString(TOPIC_PREFIX_CONFIG));
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS_CONFIG);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    public String groupId() {
        return getString(GROUP_ID_CONFIG);
    }

    public String consumerId() {
        return consumerId;
    }

    public String transactionalId() {
        return groupId() + "-" + consumerId;
    }

    public long dedupeWindowMs() {
        return getLong(DEDUPE_WINDOW_MS_CONFIG);
    }

    public int dedupeMaxEntries() {
        return getInt(DEDUPE_MAX_ENTRIES_CONFIG);
    }

    public long dedupeRebuildSliceMs() {
        return getLong(DEDUPE_REBUILD_SLICE_MS_CONFIG);
    }

    public int maxPayloadBytes() {
        return getInt(MAX_PAYLOAD_BYTES_CONFIG);
    }

    /**
     * The transactional producer's {@code max.request.size} ({@code producer.max.request.size}, else Kafka's
     * 1 MiB default): a dead letter is cut to fit it, so it can always be written.
     */
    public int maxRequestSize() {
        Object set = originalsWithPrefix(PRODUCER_PREFIX).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return set == null ? DeadLetterSize.DEFAULT_MAX_REQUEST_BYTES : Integer.parseInt(set.toString().trim());
    }

    public long messageTtlMs() {
        return getLong(MESSAGE_TTL_MS_CONFIG);
    }

    public boolean orderHoldEnabled() {
        return getBoolean(ORDER_HOLD_ENABLED_CONFIG);
    }

    public long orderHoldMaxMs() {
        return getLong(ORDER_HOLD_MAX_MS_CONFIG);
    }

    public int maxPollRecords() {
        return getInt(MAX_POLL_RECORDS_CONFIG);
    }

    public long pollTimeoutMs() {
        return getLong(POLL_TIMEOUT_MS_CONFIG);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS_CONFIG);
    }

    public long retryBackoffMaxMs() {
        return getLong(RETRY_BACKOFF_MAX_MS_CONFIG);
    }

    /** The group consumer of the send topic: read_committed, manual commits (through the producer's transaction). */
    public Map<String, Object> groupConsumerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a new group must not skip sends
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, getInt(SESSION_TIMEOUT_MS_CONFIG));
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, getInt(HEARTBEAT_INTERVAL_MS_CONFIG));
        // incremental rebalancing: partitions that stay put are not revoked, so their de-duplication state
        // is not re-read from the ack topic on every rebalance (eager assignors revoke everything)
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // After a broker dies, the consumer finds its partitions' new leaders by refreshing metadata, retried with
        // a back-off growing to retry.backoff.max.ms (default 1 s): 250 ms resumes fetching sooner.
        props.put(ConsumerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250);
        props.putAll(originalsWithPrefix(CONSUMER_PREFIX));
        props.keySet().removeAll(ENFORCED_CONSUMER);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords());
        // the group member's client.id is how ConsumerIdClaim recognises a running consumer with this id
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, consumerId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    /** The group-less consumer that reads an ack partition back on assignment (read_committed, assign()). */
    public Map<String, Object> ledgerReaderProps() {
        Map<String, Object> props = groupConsumerProps();
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
        props.remove(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        props.remove(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG);
        props.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, consumerId + "-ledger-reader");
        return props;
    }

    public int sessionTimeoutMs() {
        return getInt(SESSION_TIMEOUT_MS_CONFIG);
    }

    /**
     * The admin client that describes the group at start ({@link ConsumerIdClaim}): the {@code consumer.}
     * settings an admin client knows (security), Courier's bootstrap servers.
     */
    public Map<String, Object> adminProps() {
        Map<String, Object> props = new HashMap<>(originalsWithPrefix(CONSUMER_PREFIX));
        props.keySet().retainAll(AdminClientConfig.configNames());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, consumerId + "-admin");
        return props;
    }

    /** The transactional producer of acks and dead letters. */
    public Map<String, Object> transactionalProducerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, consumerId + "-tx");
        // Back-to-back transactions often meet CONCURRENT_TRANSACTIONS while the previous commit's markers
        // are still being written; the default back-off (100 ms, growing to 1 s) would stall every batch.
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TRANSACTION_RETRY_BACKOFF_MS);
        props.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, TRANSACTION_RETRY_BACKOFF_MAX_MS);
        // One request in flight: when a produce meets CONCURRENT_TRANSACTIONS, the batches behind it fail with
        // OUT_OF_ORDER_SEQUENCE and the sender thread spins (poll(0)) until the first is retried; profiled, that
        // spin took more CPU than the consumer itself. The producer flushes at every commit anyway.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.putAll(originalsWithPrefix(PRODUCER_PREFIX));
        props.keySet().removeAll(ENFORCED_PRODUCER);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, getInt(TRANSACTION_TIMEOUT_MS_CONFIG));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private final Map<String, Object> props = new HashMap<>();

        private Builder() {
        }

        public Builder bootstrapServers(String servers) {
            return set(BOOTSTRAP_SERVERS_CONFIG, servers);
        }

        public Builder schemaRegistryUrl(String url) {
            return set(SCHEMA_REGISTRY_URL_CONFIG, url);
        }

        public Builder topicPrefix(String prefix) {
            return set(TOPIC_PREFIX_CONFIG, prefix);
        }

        public Builder groupId(String groupId) {
            return set(GROUP_ID_CONFIG, groupId);
        }

        public Builder consumerId(String consumerId) {
            return set(CONSUMER_ID_CONFIG, consumerId);
        }

        public Builder dedupeWindowMs(long ms) {
            return set(DEDUPE_WINDOW_MS_CONFIG, ms);
        }

        public Builder maxPollRecords(int records) {
            return set(MAX_POLL_RECORDS_CONFIG, records);
        }

        public Builder sessionTimeoutMs(int ms) {
            return set(SESSION_TIMEOUT_MS_CONFIG, ms);
        }

        /** Any key of this config, or a {@code consumer.}/{@code producer.} passthrough. */
        public Builder set(String key, Object value) {
            props.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public DeliveryConsumerConfig build() {
            return new DeliveryConsumerConfig(props);
        }
    }
}
