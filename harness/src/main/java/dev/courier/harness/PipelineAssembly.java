package dev.courier.harness;

import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.TrackerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Courier pipeline on a cluster, described once: where it connects, its topic prefix and the names of its
 * groups, and from those each component's configuration. {@link InProcessPipeline} runs it in this JVM (tests,
 * bench), {@link LocalPipeline} in child JVMs through the command line (demo, chaos; the registry too): the same
 * assembly either way.
 *
 * @param topicPrefix the topics are {@code <prefix>.send}, ...; the delivery group {@code <prefix>-delivery} and the
 *        tracker's application id {@code <prefix>-tracker} (with the default prefix, the components' own defaults)
 */
public record PipelineAssembly(String bootstrapServers, String registryUrl, String topicPrefix) {

    public static PipelineAssembly of(String bootstrapServers, String registryUrl) {
        return new PipelineAssembly(bootstrapServers, registryUrl, CourierTopics.DEFAULT_PREFIX);
    }

    public CourierTopics topics() {
        return CourierTopics.withPrefix(topicPrefix);
    }

    /** The delivery consumers' group. */
    public String deliveryGroup() {
        return topicPrefix + "-delivery";
    }

    /** The trackers' Kafka Streams application id (also their consumer group). */
    public String trackerApplicationId() {
        return topicPrefix + "-tracker";
    }

    /** What every component is given: brokers, registry, topic prefix. */
    private Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        props.put(CommonConfig.TOPIC_PREFIX_CONFIG, topicPrefix);
        return props;
    }

    public CourierProducerConfig producerConfig() {
        return new CourierProducerConfig(common());
    }

    /** A tracker's settings, {@code overrides} on top (e.g. {@code ack.timeout.ms}, {@code max.attempts}). */
    public TrackerConfig trackerConfig(Path stateDir, Map<String, ?> overrides) {
        Map<String, Object> props = common();
        props.put(TrackerConfig.APPLICATION_ID_CONFIG, trackerApplicationId());
        props.put(TrackerConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.putAll(overrides);
        return new TrackerConfig(props);
    }

    /** A delivery consumer's settings, {@code overrides} on top. */
    public DeliveryConsumerConfig consumerConfig(String consumerId, Map<String, ?> overrides) {
        Map<String, Object> props = common();
        props.put(DeliveryConsumerConfig.GROUP_ID_CONFIG, deliveryGroup());
        props.put(DeliveryConsumerConfig.CONSUMER_ID_CONFIG, consumerId);
        props.putAll(overrides);
        return new DeliveryConsumerConfig(props);
    }

    /** The same connection on a command line ({@code courier tracker|consumer ...}), for a child JVM. */
    public List<String> connectionArgs() {
        return List.of("--bootstrap-servers", bootstrapServers, "--registry-url", registryUrl,
                "--topic-prefix", topicPrefix);
    }

    /**
     * {@code courier registry} options for this assembly's schema registry: on this cluster, listening on the host
     * and port of {@link #registryUrl}, so that the components find it there, and a restart on the same command line
     * too. Security ({@code --command-config}, {@code --server-config} for HTTPS and basic auth) is the caller's.
     *
     * @throws IllegalStateException if the URL names no port
     */
    public List<String> registryArgs() {
        URI url = URI.create(registryUrl);
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalStateException("registry URL " + registryUrl + " names no host and port to listen on");
        }
        return List.of("registry", "--bootstrap-servers", bootstrapServers, "--host", url.getHost(),
                "--port", String.valueOf(url.getPort()));
    }

    /**
     * {@code courier tracker} options for this assembly's tracker with its state in {@code stateDir};
     * {@code overrides} as {@code --property} (the same keys as {@link #trackerConfig}'s).
     */
    public List<String> trackerArgs(Path stateDir, Map<String, ?> overrides) {
        List<String> args = new ArrayList<>(List.of("tracker"));
        args.addAll(connectionArgs());
        args.addAll(List.of("--application-id", trackerApplicationId(), "--state-dir", stateDir.toString()));
        overrides.forEach((key, value) -> args.addAll(List.of("--property", key + "=" + value)));
        return args;
    }

    /**
     * {@code courier consumer} options for this assembly's delivery consumer {@code consumerId}; {@code overrides}
     * as {@code --property} (the same keys as {@link #consumerConfig}'s).
     */
    public List<String> consumerArgs(String consumerId, Map<String, ?> overrides) {
        List<String> args = new ArrayList<>(List.of("consumer"));
        args.addAll(connectionArgs());
        args.addAll(List.of("--group", deliveryGroup(), "--consumer-id", consumerId));
        overrides.forEach((key, value) -> args.addAll(List.of("--property", key + "=" + value)));
        return args;
    }
}
