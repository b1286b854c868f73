package dev.courier.cli;

import dev.courier.registry.RegistrySecurity;
import dev.courier.registry.SchemaRegistryServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier registry}: runs a Confluent-compatible schema registry until interrupted. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = {"Run the schema registry (Confluent Schema Registry REST API) on a Kafka topic.",
                "Schemas are stored in a compacted topic and replayed on start, so ids survive restarts;",
                "several instances on the same topic agree on every id. Prints registry.url=... when ready."})
public final class RegistryServerCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "" + SchemaRegistryServer.DEFAULT_PORT, description = "HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--topic", defaultValue = SchemaRegistryServer.DEFAULT_TOPIC, description = "Schemas topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--server-config", paramLabel = "FILE", description = "HTTPS and basic auth: ssl.keystore.location, "
            + "ssl.keystore.password, ssl.keystore.type, authentication.method=BASIC, authentication.users.file (lines "
            + "'user: password'). Written by `courier cluster start --secure` as clients/registry-server.properties.")
    Path serverConfig;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        SchemaRegistryServer.Builder builder = SchemaRegistryServer.builder()
                .bootstrapServers(kafka.bootstrapServers).clientProperties(kafka.clientProperties())
                .host(host).port(port).topic(topic);
        if (serverConfig != null) {
            builder.security(RegistrySecurity.fromFile(serverConfig));
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--timeout")) {
            builder.requestTimeout(kafka.timeout); // otherwise the registry's own default (30 s)
        }
        try (SchemaRegistryServer server = builder.build()) {
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
