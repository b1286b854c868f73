package dev.courier.cli;

import dev.courier.registry.SchemaRegistryServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code courier registry}: runs a Confluent-compatible schema registry until interrupted. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = {"Run the schema registry (Confluent Schema Registry REST API) on a Kafka topic.",
                "Schemas are stored in a compacted topic and replayed on start, so ids survive restarts;",
                "several instances on the same topic agree on every id. Prints registry.url=... when ready."})
public final class RegistryServerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers holding the schemas topic.")
    String bootstrapServers;

    @Option(names = "--port", defaultValue = "8081", description = "HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--topic", defaultValue = SchemaRegistryServer.DEFAULT_TOPIC, description = "Schemas topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties for the registry's admin client, producer and consumer (security "
                    + "settings such as security.protocol, sasl.jaas.config, ssl.truststore.location).")
    Path commandConfig;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        try (SchemaRegistryServer server = SchemaRegistryServer.builder()
                .bootstrapServers(bootstrapServers).host(host).port(port).topic(topic)
                .clientProperties(ConnectionOptions.clientProperties(commandConfig)).build()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "registry-shutdown"));
            server.start();
            System.out.println("registry.url=" + server.url());
            stopped.await();
        }
        return 0;
    }
}
