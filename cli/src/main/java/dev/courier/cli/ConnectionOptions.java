package dev.courier.cli;

import dev.courier.operator.Connection;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the cluster and the registry are: the options every command that runs against an existing
 * pipeline shares (the README's "Command-line conventions").
 */
public final class ConnectionOptions {

    @Mixin
    public KafkaOptions kafka;

    @Option(names = "--registry-url", required = true, paramLabel = "URL",
            description = "Schema registry URL, e.g. http://localhost:8081 (started by `courier registry`).")
    public String registryUrl;

    @Option(names = "--topic-prefix", defaultValue = "courier", paramLabel = "PREFIX",
            description = "Prefix of Courier's topics (default: ${DEFAULT-VALUE}).")
    public String topicPrefix;

    public String bootstrapServers() {
        return kafka.bootstrapServers;
    }

    /** The Kafka client properties of {@code --command-config}, empty without it. */
    public Map<String, String> clientProperties() {
        return kafka.clientProperties();
    }

    /** These options as the operator library's {@link Connection}. */
    public Connection connection() {
        return new Connection(kafka.bootstrapServers, registryUrl, topicPrefix, clientProperties(), kafka.timeout);
    }
}
