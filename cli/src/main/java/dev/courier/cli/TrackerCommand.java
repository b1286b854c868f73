package dev.courier.cli;

import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier tracker}: runs one delivery tracker instance until interrupted. */
@Command(name = "tracker", mixinStandardHelpOptions = true, defaultValueProvider = TrackerCommand.ConfigDefaults.class,
        description = {"Run a delivery tracker (Kafka Streams, exactly-once) against an existing cluster.",
                "Run several with the same --application-id to share the work; stop with Ctrl-C."})
public final class TrackerCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--application-id", defaultValue = "courier-tracker", description = "Streams application id (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", description = "Directory of the RocksDB state (default: a temporary directory).")
    String stateDir;

    @Option(names = "--ack-timeout-ms", description = "Re-emit back-off of a first attempt, counted from the delivery consumer commit that read it "
            + "without settling it (default: ${DEFAULT-VALUE}).")
    long ackTimeoutMs;

    @Option(names = "--max-attempts", description = "Attempts before dead-lettering with MAX_ATTEMPTS (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--replication-factor", description = "Replication of internal topics (default: ${DEFAULT-VALUE}).")
    int replicationFactor;

    @Option(names = "--http-port", defaultValue = "0", description = "Port of the HTTP API (status lookup, health); 0 "
            + "(default) for a free one, -1 for none. The port is announced in <prefix>.trackers, where `courier status` finds it.")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "localhost", description = "Host name others reach the HTTP API at "
            + "(default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any tracker setting (see TrackerConfig), or a Kafka Streams one prefixed streams.")
    Map<String, String> properties = new HashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> props = new HashMap<>();
        // --command-config: Kafka client settings (security) for every client Kafka Streams makes.
        connection.clientProperties().forEach((key, value) -> props.put(TrackerConfig.STREAMS_PREFIX + key, value));
        props.putAll(properties);
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, connection.registryUrl);
        props.putAll(connection.registryProperties());
        props.put(TrackerConfig.TOPIC_PREFIX_CONFIG, connection.topicPrefix);
        props.put(TrackerConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(TrackerConfig.HTTP_PORT_CONFIG, httpPort);
        props.put(TrackerConfig.HTTP_HOST_CONFIG, httpHost);
        putIfSet(props, TrackerConfig.STATE_DIR_CONFIG, stateDir);
        // An option given on the command line wins over -p; one not given leaves -p or the config's default.
        ConfigDefaults.KEYS.forEach((option, key) -> {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                props.put(key, spec.findOption(option).getValue());
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        try (DeliveryTracker tracker = new DeliveryTracker(new TrackerConfig(props))) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                tracker.close();
                stopped.countDown();
            }, "tracker-shutdown"));
            tracker.start();
            tracker.awaitRunning(Duration.ofMinutes(5));
            System.err.println("tracker running (application.id=" + applicationId + ")"
                    + (tracker.httpPort() < 0 ? "" : ", HTTP API at http://" + httpHost + ":" + tracker.httpPort()));
            stopped.await();
        }
        return 0;
    }

    /** The defaults shown for the options that set a tracker setting: TrackerConfig's own, described once there. */
    static final class ConfigDefaults implements IDefaultValueProvider {

        static final Map<String, String> KEYS = Map.of(
                "--ack-timeout-ms", TrackerConfig.ACK_TIMEOUT_MS_CONFIG,
                "--max-attempts", TrackerConfig.MAX_ATTEMPTS_CONFIG,
                "--replication-factor", TrackerConfig.REPLICATION_FACTOR_CONFIG);

        @Override
        public String defaultValue(ArgSpec arg) {
            String key = arg instanceof OptionSpec option ? KEYS.get(option.longestName()) : null;
            return key == null ? null : String.valueOf(TrackerConfig.configDef().defaultValues().get(key));
        }
    }

    static void putIfSet(Map<String, Object> props, String key, Object value) {
        if (value != null) {
            props.put(key, value);
        }
    }
}
