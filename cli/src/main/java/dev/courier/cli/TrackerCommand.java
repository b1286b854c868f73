package dev.courier.cli;

import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier tracker}: runs one delivery tracker instance until interrupted. */
@Command(name = "tracker", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Run a delivery tracker (Kafka Streams, exactly-once) against an existing cluster.",
                "Run several with the same --application-id to share the work; stop with Ctrl-C."})
public final class TrackerCommand implements Callable<Integer>, ConfiguredCommand {

    @Mixin
    ConnectionOptions connection;

    @ConfigKey(TrackerConfig.APPLICATION_ID_CONFIG)
    @Option(names = "--application-id", description = "Streams application id (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @ConfigKey(TrackerConfig.STATE_DIR_CONFIG)
    @Option(names = "--state-dir", description = "Directory of the RocksDB state (default: ${DEFAULT-VALUE}).")
    String stateDir;

    @ConfigKey(TrackerConfig.ACK_TIMEOUT_MS_CONFIG)
    @Option(names = "--ack-timeout-ms", description = "Re-emit back-off of a first attempt, counted from the delivery consumer commit that read it "
            + "without settling it (default: ${DEFAULT-VALUE}).")
    long ackTimeoutMs;

    @ConfigKey(TrackerConfig.MAX_ATTEMPTS_CONFIG)
    @Option(names = "--max-attempts", description = "Attempts before dead-lettering with MAX_ATTEMPTS (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @ConfigKey(TrackerConfig.REPLICATION_FACTOR_CONFIG)
    @Option(names = "--replication-factor", description = "Replication of internal topics (default: ${DEFAULT-VALUE}).")
    int replicationFactor;

    // Not TrackerConfig's default (-1, no HTTP API): a tracker run from the command line serves `courier status`.
    @Option(names = "--http-port", defaultValue = "0", description = "Port of the HTTP API (status lookup, health); 0 "
            + "(default) for a free one, -1 for none. The port is announced in <prefix>.trackers, where `courier status` finds it.")
    int httpPort;

    @ConfigKey(TrackerConfig.HTTP_HOST_CONFIG)
    @Option(names = "--http-host", description = "Host name others reach the HTTP API at (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any tracker setting (see TrackerConfig), or a Kafka Streams one prefixed streams.")
    Map<String, String> properties = new HashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public ConfigDef configDef() {
        return TrackerConfig.configDef();
    }

    @Override
    public Integer call() throws Exception {
        // --command-config: Kafka client settings (security) for every client Kafka Streams makes.
        Map<String, Object> props = connection.componentConfig(spec, properties, TrackerConfig.STREAMS_PREFIX);
        props.put(TrackerConfig.HTTP_PORT_CONFIG, httpPort);
        TrackerConfig config = new TrackerConfig(props);
        try (DeliveryTracker tracker = new DeliveryTracker(config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(tracker::close, "tracker-shutdown"));
            tracker.start();
            System.err.println("tracker started (application.id=" + config.getString(TrackerConfig.APPLICATION_ID_CONFIG) + ")"
                    + (tracker.httpPort() < 0 ? "" : ", HTTP API at http://" + config.getString(TrackerConfig.HTTP_HOST_CONFIG)
                    + ":" + tracker.httpPort()));
            // Runs until stopped (SIGTERM) or until it stops by itself: then the process ends with the reason (exit code
            // 4 for a registry refusing its credentials), not as a process that answers HTTP but tracks nothing.
            tracker.awaitStopped();
            if (tracker.failure().isPresent()) {
                throw new IllegalStateException("the tracker stopped", tracker.failure().get()); // ExitCodes: its sentence
            }
        }
        return 0;
    }
}
