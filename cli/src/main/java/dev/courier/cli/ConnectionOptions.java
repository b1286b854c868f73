package dev.courier.cli;

import dev.courier.operator.Connection;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the cluster and the registry are: the options every command that runs against an existing
 * cluster shares (the README's "Command-line conventions").
 */
public final class ConnectionOptions {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers, e.g. localhost:9092 (printed by `courier cluster start`).")
    public String bootstrapServers;

    @Option(names = "--registry-url", required = true, paramLabel = "URL",
            description = "Schema registry URL, e.g. http://localhost:8081 (started by `courier registry`).")
    public String registryUrl;

    @Option(names = "--topic-prefix", defaultValue = "courier", paramLabel = "PREFIX",
            description = "Prefix of Courier's topics (default: ${DEFAULT-VALUE}).")
    public String topicPrefix;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties for every client this command makes (security settings such as "
                    + "security.protocol, sasl.jaas.config, ssl.truststore.location; timeouts).")
    public Path commandConfig;

    @Option(names = "--timeout", defaultValue = "15s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for the cluster, the registry or a tracker before giving up with exit "
                    + "code 4 (default: ${DEFAULT-VALUE}).")
    public Duration timeout;

    /** The Kafka client properties of {@code --command-config}, empty without it. */
    public Map<String, String> clientProperties() {
        return clientProperties(commandConfig);
    }

    /** Kafka client properties read from {@code file} (a {@code --command-config}), empty for {@code null}. */
    public static Map<String, String> clientProperties(Path file) {
        Map<String, String> props = new HashMap<>();
        if (file == null) {
            return props;
        }
        Properties loaded = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            loaded.load(reader);
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(null,
                    "cannot read --command-config " + file + ": " + e.getMessage());
        }
        loaded.stringPropertyNames().forEach(name -> props.put(name, loaded.getProperty(name)));
        return props;
    }

    /** These options as the operator library's {@link Connection}. */
    public Connection connection() {
        return new Connection(bootstrapServers, registryUrl, topicPrefix, clientProperties(), timeout);
    }
}
