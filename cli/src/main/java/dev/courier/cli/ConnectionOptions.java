package dev.courier.cli;

import picocli.CommandLine.Option;

/** Where the cluster and the registry are: shared by every command that runs against an existing cluster. */
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
}
