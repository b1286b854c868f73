package dev.courier.schemas;

import java.util.Map;
import java.util.Objects;

/**
 * How one of Courier's topics is laid out: its name, partition count and topic-level configs
 * (cleanup policy, retention). Replication and min.insync.replicas are the cluster's business and are
 * chosen by whoever creates the topic (see {@code dev.courier.deploy.TopicCreator}).
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }
}
