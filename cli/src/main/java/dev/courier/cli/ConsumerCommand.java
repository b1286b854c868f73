package dev.courier.cli;

import dev.courier.consumer.Deliverer;
import dev.courier.consumer.DelivererPlugin;
import dev.courier.consumer.Delivery;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.DeliveryOutcome;
import dev.courier.consumer.SimulatedDevices;
import dev.courier.metrics.CourierMetrics;
import dev.courier.metrics.MetricsServer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code courier consumer}: runs one delivery consumer, handing messages to the application's Deliverer
 * ({@code --deliverer CLASS --classpath app.jar}) or to the reference simulated devices.
 */
@Command(name = "consumer", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Run a delivery consumer against an existing cluster, delivering with your Deliverer",
                "(--deliverer CLASS --classpath app.jar) or to simulated devices (the default).",
                "Run several with the same --group to share the partitions; stop with Ctrl-C."})
public final class ConsumerCommand implements Callable<Integer>, ConfiguredCommand {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ConfigKey(DeliveryConsumerConfig.GROUP_ID_CONFIG)
    @Option(names = "--group", description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String group;

    @ConfigKey(DeliveryConsumerConfig.CONSUMER_ID_CONFIG)
    @Option(names = "--consumer-id", description = "Instance id, written to every ack (default: host-pid-random).")
    String consumerId;

    @Option(names = "--deliverer", paramLabel = "CLASS",
            description = "Your dev.courier.consumer.Deliverer implementation (public constructor taking Map<String, String> or none).")
    String delivererClass;

    @Option(names = "--classpath", paramLabel = "PATH", split = ":",
            description = "Jars or class directories holding --deliverer and its dependencies, ':'-separated.")
    List<Path> delivererClasspath = new ArrayList<>();

    @Option(names = "--deliverer-property", paramLabel = "KEY=VALUE", description = "A setting handed to the Deliverer's constructor.")
    Map<String, String> delivererProperties = new HashMap<>();

    @Option(names = {"--device-latency-ms", "--latency-ms"}, defaultValue = "1",
            description = "Simulated delivery latency per message, ms (default: ${DEFAULT-VALUE}); --latency-ms is the old name.")
    long latencyMs;

    @Option(names = "--drop-rate", defaultValue = "0", description = "Fraction of deliveries that fail and are retried later (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--offline-rate", defaultValue = "0", description = "Chance per delivery that its recipient goes offline for a while (default: ${DEFAULT-VALUE}).")
    double offlineRate;

    @Option(names = "--slow-recipients", paramLabel = "REGEX",
            description = "Recipient ids (a regular expression matching the whole id) whose simulated device takes "
                    + "--slow-delivery-ms per delivery, e.g. to keep a delivery going past the transaction timeout.")
    Pattern slowRecipients;

    @Option(names = "--slow-delivery-ms", defaultValue = "60000",
            description = "How long a delivery to a --slow-recipients device takes, ms (default: ${DEFAULT-VALUE}).")
    long slowDeliveryMs;

    @Option(names = "--hand-log", description = "Append 'messageId recipientId attempt epochMs conversationId seq possibleRedelivery' for every message handed to the devices.")
    Path handLog;

    @Option(names = "--http-port", defaultValue = "0", description = "Port serving /metrics (Prometheus) and /health; "
            + "0 (default) a free port, -1 none.")
    int httpPort;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE", description = "Any DeliveryConsumerConfig setting.")
    Map<String, String> properties = new HashMap<>();

    @Override
    public ConfigDef configDef() {
        return DeliveryConsumerConfig.CONFIG_DEF;
    }

    @Override
    public Integer call() throws Exception {
        // --command-config: Kafka client settings (security) for the group consumer and the transactional producer.
        DeliveryConsumerConfig config = new DeliveryConsumerConfig(connection.componentConfig(spec, properties,
                DeliveryConsumerConfig.CONSUMER_PREFIX, DeliveryConsumerConfig.PRODUCER_PREFIX));

        OutputStream hands = handLog == null ? OutputStream.nullOutputStream() : new FileOutputStream(handLog.toFile(), true);
        Deliverer deliverer = delivererClass == null ? simulatedDevices(hands) : applicationDeliverer(hands);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try (hands; CourierMetrics metrics = new CourierMetrics("consumer");
             DeliveryConsumer consumer = new DeliveryConsumer(config, deliverer, metrics.registry())) {
            Thread worker = new Thread(() -> {
                try {
                    consumer.run();
                } catch (RuntimeException e) {
                    failure.set(e); // the command's exit code and sentence (ExitCodes)
                }
            }, "delivery-consumer");
            MetricsServer http = httpPort < 0 ? null : new MetricsServer(httpPort, metrics, worker::isAlive);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.close();
                try {
                    worker.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "consumer-shutdown"));
            worker.start();
            System.err.println("delivery consumer running (group=" + config.groupId()
                    + (http == null ? "" : ", metrics and health on port " + http.port()) + ")");
            try {
                worker.join();
            } finally {
                if (http != null) {
                    http.close();
                }
            }
        } finally {
            if (deliverer instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return 0;
    }

    private Deliverer simulatedDevices(OutputStream hands) {
        if (!delivererProperties.isEmpty() || !delivererClasspath.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--classpath and --deliverer-property need --deliverer");
        }
        SimulatedDevices.Builder devices = SimulatedDevices.builder()
                .latency(Duration.ofMillis(latencyMs), Duration.ZERO)
                .dropRate(dropRate)
                .offlineRate(offlineRate)
                .onDelivered(d -> record(hands, d));
        if (slowRecipients != null) {
            devices.slowRecipients(slowRecipients, Duration.ofMillis(slowDeliveryMs));
        }
        return devices.build();
    }

    /** The application's Deliverer; a hand-log line for each delivery it reports delivered. */
    private Deliverer applicationDeliverer(OutputStream hands) {
        for (String simulated : List.of("--device-latency-ms", "--drop-rate", "--offline-rate", "--slow-recipients",
                "--slow-delivery-ms")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(simulated)) {
                throw new ParameterException(spec.commandLine(), simulated + " configures the simulated devices; it cannot be used with --deliverer");
            }
        }
        Deliverer application = DelivererPlugin.load(delivererClass, delivererClasspath, delivererProperties);
        if (handLog == null) {
            return application;
        }
        return delivery -> {
            DeliveryOutcome outcome = application.deliver(delivery);
            if (outcome.kind() == DeliveryOutcome.Kind.DELIVERED || outcome.kind() == DeliveryOutcome.Kind.READ) {
                record(hands, delivery);
            }
            return outcome;
        };
    }

    /** One unbuffered write per delivery: what reached the devices survives a SIGKILL of this process. */
    private static void record(OutputStream out, Delivery d) {
        String line = d.messageId() + " " + d.recipientId() + " " + d.attempt() + " " + System.currentTimeMillis() + " "
                + d.conversationId() + " " + (d.seq().isPresent() ? d.seq().getAsLong() : -1) + " " + d.possibleRedelivery() + "\n";
        try {
            synchronized (out) {
                out.write(line.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the hand log", e);
        }
    }
}
