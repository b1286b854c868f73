package dev.courier.cli;

import dev.courier.operator.Connection;
import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.registry.RegistryClientSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Where the cluster and the registry are: the options every command that runs against an existing
 * pipeline shares (the README's "Command-line conventions").
 */
public final class ConnectionOptions {

    @Mixin
    public KafkaOptions kafka;

    @ConfigKey(CommonConfig.SCHEMA_REGISTRY_URL_CONFIG)
    @Option(names = "--registry-url", required = true, paramLabel = "URL",
            description = "Schema registry URL, e.g. http://localhost:8081 (started by `courier registry`).")
    public String registryUrl;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "Schema registry client properties, Confluent's keys: basic.auth.credentials.source=USER_INFO, "
                    + "basic.auth.user.info=USER:PASSWORD, schema.registry.ssl.truststore.location|password|type. "
                    + "Without it, those keys are taken from --command-config.")
    public Path registryConfig;

    @ConfigKey(CommonConfig.TOPIC_PREFIX_CONFIG)
    @Option(names = "--topic-prefix", paramLabel = "PREFIX",
            description = "Prefix of Courier's topics (default: ${DEFAULT-VALUE}).")
    public String topicPrefix;

    public String bootstrapServers() {
        return kafka.bootstrapServers;
    }

    /** The Kafka client properties of {@code --command-config}, empty without it. */
    public Map<String, String> clientProperties() {
        return kafka.clientProperties();
    }

    /**
     * The registry client's credentials and trust store ({@link RegistryClientSettings} keys): from
     * {@code --registry-config}, or else from {@code --command-config}; empty when neither has them.
     */
    public Map<String, String> registryProperties() {
        Map<String, String> file = registryConfig != null
                ? KafkaOptions.load(registryConfig, "--registry-config")
                : KafkaOptions.load(kafka.commandConfig, "--command-config");
        return RegistryClientSettings.securityEntries(file);
    }

    /**
     * The config of the component {@code command} runs: the {@code --command-config} Kafka client settings under
     * each of {@code clientPrefixes} (the component's passthrough to its clients), then {@code properties} (its
     * {@code -p KEY=VALUE}), then the registry client's credentials and trust store, then the keys of the
     * {@link ConfigKey} options given on the command line, these included ({@link ConfigDefaults#given}).
     */
    public Map<String, Object> componentConfig(CommandSpec command, Map<String, String> properties, String... clientPrefixes) {
        Map<String, Object> props = new HashMap<>();
        clientProperties().forEach((key, value) -> {
            for (String prefix : clientPrefixes) {
                props.put(prefix + key, value);
            }
        });
        props.putAll(properties);
        props.putAll(registryProperties());
        props.putAll(ConfigDefaults.given(command));
        return props;
    }

    /** These options as the operator library's {@link Connection}. */
    public Connection connection() {
        return new Connection(kafka.bootstrapServers, registryUrl, topicPrefix, clientProperties(), kafka.timeout,
                registryProperties());
    }
}
