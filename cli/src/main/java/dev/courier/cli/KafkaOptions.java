package dev.courier.cli;

import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.registry.RegistryClientSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Where the Kafka cluster is and how to reach it: every command that connects to one shares these options. */
public final class KafkaOptions {

    @ConfigKey(CommonConfig.BOOTSTRAP_SERVERS_CONFIG)
    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers, e.g. localhost:9092 (printed by `courier cluster start`).")
    public String bootstrapServers;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties for every client this command makes (security settings such as "
                    + "security.protocol, sasl.jaas.config, ssl.truststore.location; timeouts). Schema registry client keys "
                    + "in it (basic.auth.user.info, schema.registry.ssl.truststore.*) go to the registry client instead.")
    public Path commandConfig;

    @Option(names = "--timeout", defaultValue = "15s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for the cluster, the registry or a tracker before giving up with exit "
                    + "code 4 (default: ${DEFAULT-VALUE}).")
    public Duration timeout;

    /**
     * The Kafka client properties of {@code --command-config}, empty without it; the schema registry client's
     * keys ({@link RegistryClientSettings}) are left out.
     */
    public Map<String, String> clientProperties() {
        Map<String, String> props = load(commandConfig, "--command-config");
        props.keySet().removeAll(RegistryClientSettings.SECURITY_KEYS);
        props.remove(RegistryClientSettings.URL_CONFIG);
        return props;
    }

    /** Every entry of a properties {@code file} (named {@code option} in errors); empty for null. */
    static Map<String, String> load(Path file, String option) {
        Map<String, String> props = new HashMap<>();
        if (file == null) {
            return props;
        }
        Properties loaded = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            loaded.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e.getMessage(), e);
        }
        loaded.stringPropertyNames().forEach(name -> props.put(name, loaded.getProperty(name)));
        return props;
    }
}
