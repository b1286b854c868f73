package dev.courier.operator;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.RegistryClientSettings;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Where an operator's command connects: the cluster, the registry, the topic prefix, any Kafka client
 * properties from {@code --command-config} (security settings, timeouts), which every client it makes
 * inherits, and the registry client's credentials and trust store ({@link RegistryClientSettings} keys).
 * Checks reachability within {@link #timeout()} so a command fails with
 * {@link EnvironmentUnavailableException} instead of hanging.
 */
public record Connection(String bootstrapServers, String registryUrl, String topicPrefix,
                         Map<String, String> clientProperties, Duration timeout, Map<String, String> registryProperties) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    public Connection {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        clientProperties = Map.copyOf(clientProperties);
        Objects.requireNonNull(timeout, "timeout");
        registryProperties = Map.copyOf(registryProperties);
    }

    /** Without registry credentials. */
    public Connection(String bootstrapServers, String registryUrl, String topicPrefix,
                      Map<String, String> clientProperties, Duration timeout) {
        this(bootstrapServers, registryUrl, topicPrefix, clientProperties, timeout, Map.of());
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(topicPrefix);
    }

    /** Properties common to every client: {@code --command-config} first, then the bootstrap servers. */
    public Map<String, Object> commonProperties() {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** An admin client whose calls give up after {@link #timeout()}. */
    public Admin admin() {
        Map<String, Object> props = commonProperties();
        int millis = (int) timeout.toMillis();
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(millis, 30_000));
        return Admin.create(props);
    }

    /** Consumer properties for reading without a group (assign and seek), read_committed. */
    public Properties readerProperties() {
        Properties props = new Properties();
        props.putAll(commonProperties());
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        props.putIfAbsent(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        props.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return props;
    }

    /** Producer properties for writing on an operator's behalf: idempotent, acks=all, bounded blocking. */
    public Properties writerProperties() {
        Properties props = new Properties();
        props.putAll(commonProperties());
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        props.putIfAbsent(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                "org.apache.kafka.common.serialization.ByteArraySerializer");
        props.putIfAbsent(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                "org.apache.kafka.common.serialization.ByteArraySerializer");
        return props;
    }

    /** A registry client for {@link #registryUrl()}; the caller closes it. */
    public SchemaRegistryClient registry() {
        if (registryUrl == null) {
            throw new IllegalStateException("this command needs --registry-url");
        }
        Map<String, Object> configs = new HashMap<>(registryProperties);
        configs.put(RegistryClientSettings.URL_CONFIG, registryUrl);
        return SchemaRegistryClients.fromConfigs(configs);
    }

    /**
     * Fails with {@link EnvironmentUnavailableException} unless the cluster answers within the timeout, and
     * with {@link NotFoundException} unless every one of {@code topics} exists.
     */
    public void requireTopics(Admin admin, List<String> topics) {
        Set<String> existing;
        try {
            existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new EnvironmentUnavailableException("the Kafka cluster at " + bootstrapServers
                    + " did not answer within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentUnavailableException("interrupted while reaching the Kafka cluster", e);
        }
        List<String> missing = topics.stream().filter(topic -> !existing.contains(topic)).toList();
        if (!missing.isEmpty()) {
            throw new NotFoundException("no topic " + String.join(", ", missing) + " on the cluster at "
                    + bootstrapServers + " (is --topic-prefix right?)");
        }
    }
}
