package dev.courier.harness;

import dev.courier.deploy.ClusterSecurity;
import dev.courier.deploy.LocalCluster;
import dev.courier.deploy.NotReadyException;
import dev.courier.deploy.ProgressWait;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.TrackerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole pipeline on this machine, as {@code courier demo} and {@code courier chaos} run it: a 3-node
 * KRaft cluster with Courier's topics, and the schema registry, trackers and delivery consumers each in its own
 * JVM, so that killing one is a real SIGKILL. Everything lives under one
 * directory: cluster data, process logs, and each consumer's hand log (what it gave the devices). In secure mode
 * ({@code demo --secure}) the cluster is SASL_SSL with ACLs, the registry HTTPS with basic auth, and each component
 * connects as its own principal ({@link ClusterSecurity}): child JVMs get their {@code --command-config}.
 */
public final class LocalPipeline implements AutoCloseable {

    /**
     * How the pipeline is made up. {@code commandMain} is the main class of a command line with {@code registry},
     * {@code tracker} and {@code consumer} subcommands (the CLI's {@code Courier}), run in each child JVM;
     * {@code trackerProperties} and {@code consumerProperties} go to every tracker's and consumer's command line as
     * {@code --property}.
     */
    public record Settings(String commandMain, int partitions, int trackers, int consumers, long ackTimeoutMs,
                           Devices devices, Map<String, String> trackerProperties,
                           Map<String, String> consumerProperties) {
    }

    /** How every start-up step waits: on while it makes progress, failing after 60 s without any or at 10 minutes. */
    private static final ProgressWait READY_WAIT = ProgressWait.DEFAULT;

    /**
     * The simulated devices behind every delivery consumer: the share of deliveries they drop, how long one takes,
     * and the recipients (a regular expression over the whole id; null: none) whose deliveries take
     * {@code slowDeliveryMs} instead.
     */
    public record Devices(double dropRate, long latencyMs, String slowRecipients, long slowDeliveryMs) {

        /** Nobody slow. */
        public static Devices of(double dropRate, long latencyMs) {
            return new Devices(dropRate, latencyMs, null, 0);
        }

        /** The {@code courier consumer} options for these devices, writing what they are handed to {@code handLog}. */
        public List<String> args(Path handLog) {
            List<String> args = new ArrayList<>(List.of("--drop-rate", String.valueOf(dropRate),
                    "--device-latency-ms", String.valueOf(latencyMs), "--hand-log", handLog.toString()));
            if (slowRecipients != null) {
                args.addAll(List.of("--slow-recipients", slowRecipients, "--slow-delivery-ms", String.valueOf(slowDeliveryMs)));
            }
            return args;
        }
    }

    /** What {@code courier registry} prints once it has replayed {@code _schemas} and answers. */
    static final String REGISTRY_READY = "registry.url=";

    private final Path dir;
    private final CourierTopics topics = CourierTopics.defaults();
    private final LocalCluster cluster;
    private final List<ChildJvm> trackers = new ArrayList<>();
    private final List<ChildJvm> consumers = new ArrayList<>();
    private ChildJvm registry;
    private PipelineAssembly assembly;

    private LocalPipeline(Path dir, boolean secure) {
        this.dir = dir;
        // A busy 2-core machine may need minutes to bring 3 TLS nodes up: the wait judges progress, not the clock.
        this.cluster = LocalCluster.builder().nodes(3).workDir(dir.resolve("cluster")).secure(secure)
                .readyWait(READY_WAIT).build();
    }

    /** A new directory for one run under {@code base}, named by the time it starts ({@code run-yyyyMMdd-HHmmss}). */
    public static Path freshRunDir(Path base) {
        return base.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    public static LocalPipeline start(Path dir, Settings settings, Progress progress) throws Exception {
        return start(dir, settings, false, progress);
    }

    /**
     * @param secure SASL_SSL, ACLs and an HTTPS registry with basic auth, a principal per component
     * @throws NotReadyException if a step of the start (cluster, topics, registry, groups) stops making progress, a
     *                           process exits while starting, or a step's cap runs out: one sentence naming it and its log
     */
    public static LocalPipeline start(Path dir, Settings settings, boolean secure, Progress progress) throws Exception {
        LocalPipeline pipeline = new LocalPipeline(dir, secure);
        try {
            pipeline.startAll(settings, progress);
            return pipeline;
        } catch (Exception | Error e) {
            pipeline.close();
            throw e;
        }
    }

    private void startAll(Settings s, Progress progress) throws Exception {
        Files.createDirectories(dir);
        progress.say("work directory: " + dir.toAbsolutePath());
        progress.say("starting a 3-node KRaft cluster...");
        cluster.start();
        cluster.createTopics(topics.specs(s.partitions()));
        progress.say("cluster up: " + cluster.bootstrapServers());
        if (cluster.isSecure()) {
            cluster.grantAcls(topics);
            progress.say("secure: SASL_SSL, ACLs per component; client configs in " + cluster.security().clientsDir());
        }
        // The port is chosen here, not by the registry: a restarted registry must listen where the components look.
        String registryUrl = (cluster.isSecure() ? "https" : "http") + "://localhost:" + freePort();
        assembly = PipelineAssembly.of(cluster.bootstrapServers(), registryUrl);
        List<String> registryArgs = new ArrayList<>(assembly.registryArgs());
        registryArgs.addAll(commandConfig(ClusterSecurity.REGISTRY));
        if (cluster.isSecure()) {
            registryArgs.addAll(List.of("--server-config", cluster.security().registryServerConfig().toString()));
        }
        registry = ChildJvm.start("registry", dir.resolve("registry.log"), "256m", s.commandMain(), registryArgs);
        awaitRegistry(0);
        progress.say("schema registry: " + registryUrl + " (pid " + registry.pid() + ")");
        Map<String, Object> trackerSettings = new TreeMap<>(s.trackerProperties());
        trackerSettings.put(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, s.ackTimeoutMs());
        for (int i = 0; i < s.trackers(); i++) {
            List<String> args = new ArrayList<>(assembly.trackerArgs(dir.resolve("tracker-" + i + "-state"), trackerSettings));
            args.addAll(commandConfig(ClusterSecurity.TRACKER));
            trackers.add(ChildJvm.start("tracker-" + i, dir.resolve("tracker-" + i + ".log"), "384m", s.commandMain(), args));
        }
        for (int i = 0; i < s.consumers(); i++) {
            List<String> args = new ArrayList<>(assembly.consumerArgs("consumer-" + i, s.consumerProperties()));
            // The reference consumer's simulated devices: what they drop, how slow they are, what they were handed.
            args.addAll(s.devices().args(handLog(i)));
            args.addAll(commandConfig(ClusterSecurity.CONSUMER));
            consumers.add(ChildJvm.start("consumer-" + i, dir.resolve("consumer-" + i + ".log"), "256m", s.commandMain(), args));
        }
        progress.say("waiting for " + s.trackers() + " trackers and " + s.consumers() + " consumers to join...");
        List<ChildJvm> children = new ArrayList<>(trackers);
        children.addAll(consumers);
        GroupStability.await(cluster.admin(), List.of(
                        new GroupStability.Expected(assembly.trackerApplicationId(), s.trackers(), "tracker"),
                        new GroupStability.Expected(assembly.deliveryGroup(), s.consumers(), "consumer")),
                children, dir.toAbsolutePath().resolve("{tracker,consumer}-*.log").toString(), READY_WAIT);
    }

    /** The Kafka nodes' logs, for a sentence about a step that waits on them. */
    private String serverLogs() {
        return cluster.workDir().resolve("node-*").resolve("logs").resolve("server.log").toString();
    }

    /** Where the pipeline's components connect and what they are called: how a test or a run reaches them. */
    public PipelineAssembly assembly() {
        return assembly;
    }

    Path dir() {
        return dir;
    }

    CourierTopics topics() {
        return topics;
    }

    LocalCluster cluster() {
        return cluster;
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    String registryUrl() {
        return assembly.registryUrl();
    }

    /** The schema registry's JVM. */
    ChildJvm registry() {
        return registry;
    }

    /**
     * Starts the registry's JVM again (after {@link ChildJvm#kill()}), on the same port: an empty cache, rebuilt by
     * replaying {@code _schemas}; returns once it has replayed and answers.
     *
     * @throws NotReadyException if it exits, or its log and CPU time stand still for {@link #READY_WAIT}'s stall bound
     */
    void restartRegistry() throws IOException, InterruptedException {
        long from = registry.logSize();
        registry.restart();
        awaitRegistry(from);
    }

    /** Waits on progress for the registry to say it is ready in its log, after byte {@code from}. */
    private void awaitRegistry(long from) throws InterruptedException {
        registry.awaitLine(REGISTRY_READY, from, "the schema registry (pid " + registry.pid() + ") was not ready",
                READY_WAIT);
    }

    /** A port free on this machine now, for a server started next. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Kafka client security settings of {@code principal} (a {@link ClusterSecurity} name); empty in plaintext. */
    Map<String, String> kafkaSecurity(String principal) {
        return cluster.isSecure() ? cluster.security().kafkaProperties(principal) : Map.of();
    }

    /** Registry client credentials and trust store of {@code principal}; empty in plaintext. */
    Map<String, String> registrySecurity(String principal) {
        return cluster.isSecure() ? cluster.security().registryClientProperties(principal) : Map.of();
    }

    /** {@code --command-config <principal's file>} for a child JVM's command line; nothing in plaintext. */
    private List<String> commandConfig(String principal) {
        return cluster.isSecure()
                ? List.of("--command-config", cluster.security().clientConfig(principal).toString())
                : List.of();
    }

    List<ChildJvm> trackers() {
        return trackers;
    }

    List<ChildJvm> consumers() {
        return consumers;
    }

    private Path handLog(int consumer) {
        return dir.resolve("consumer-" + consumer + ".deliveries");
    }

    /** Every consumer's hand log: one line per message handed to the devices. */
    List<Path> handLogs() {
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < consumers.size(); i++) {
            logs.add(handLog(i));
        }
        return logs;
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildJvm child : trackers) {
            child.close();
        }
        for (ChildJvm child : consumers) {
            child.close();
        }
        if (registry != null) {
            registry.close();
        }
        cluster.close();
    }
}
