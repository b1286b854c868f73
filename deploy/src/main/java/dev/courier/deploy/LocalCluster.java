package dev.courier.deploy;

import dev.courier.deploy.ClusterState.NodeState;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local Apache Kafka cluster of real KRaft nodes, each in its own JVM, for tests, demos and the
 * {@code courier cluster} command. No Docker: nodes run {@code kafka.Kafka} from the Kafka jars Maven
 * resolved.
 *
 * <p>Nodes are numbered {@code 0..n-1}; node {@code i} has {@code node.id = i}, runs as broker and
 * controller (combined mode) in a static quorum of all nodes, and keeps its files in
 * {@code <workDir>/node-<i>/}. The cluster is described in {@code <workDir>/cluster.json} so that
 * {@link #attach(Path)} can control it from another process.
 *
 * <p>Who stops the nodes:
 * <ul>
 *   <li>built, not {@linkplain Builder#detached(boolean) detached} (tests): this object owns the nodes;
 *       {@link #close()} stops them, and a JVM shutdown hook does if the JVM exits without closing;</li>
 *   <li>built and detached ({@code cluster start}), or {@linkplain #attach(Path) attached}: nodes run in
 *       their own session and outlive this JVM; {@link #close()} releases the admin client only and
 *       {@link #stop()} stops them.</li>
 * </ul>
 */
public final class LocalCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SHUTDOWN_HOOK_STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** Bound of each admin call made while polling readiness, so one slow answer does not eat the wait. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** Settings the launcher relies on; a {@link Builder#brokerConfig} override would break it. */
    private static final Set<String> RESERVED_CONFIGS = Set.of("process.roles", "node.id", "controller.quorum.voters",
            "listeners", "advertised.listeners", "listener.security.protocol.map", "controller.listener.names",
            "inter.broker.listener.name", "log.dirs");

    private final Path workDir;
    private final String clusterId;
    private final BrokerJvm jvm;
    private final List<KafkaNode> nodes;
    /** Overrides for server.properties; only used when this object initializes a new cluster. */
    private final Map<String, String> brokerConfig;
    private final boolean ownsNodes;
    /** How formatting, starting, topic creation and ACLs wait: while the nodes make progress, within a cap. */
    private final ProgressWait readyWait;
    private final boolean secure;
    /** Secure mode's files and passwords; null for a plaintext cluster, and until a new one is initialized. */
    private ClusterSecurity security;
    private boolean initialized;
    /** Guards {@link #admin} apart from the cluster's monitor, so admin calls go on while a node restarts. */
    private final Object adminLock = new Object();
    private Admin admin;
    private Thread shutdownHook;

    private LocalCluster(Path workDir, ClusterState state, Map<String, String> brokerConfig, boolean ownsNodes,
                         boolean initialized, ProgressWait readyWait) {
        this.workDir = workDir;
        this.clusterId = state.clusterId();
        this.jvm = state.jvm();
        this.nodes = state.nodes().stream().map(node -> new KafkaNode(workDir, node, jvm, !ownsNodes)).toList();
        this.brokerConfig = Map.copyOf(brokerConfig);
        this.ownsNodes = ownsNodes;
        this.initialized = initialized;
        this.readyWait = readyWait;
        this.secure = state.secure();
        this.security = secure && initialized ? ClusterSecurity.read(workDir) : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether {@code workDir} holds a cluster (its {@code cluster.json}), running or not. */
    public static boolean existsIn(Path workDir) {
        return Files.exists(ClusterState.file(workDir));
    }

    /**
     * Re-opens a cluster started by another process (or another {@code LocalCluster}) from
     * {@code <workDir>/cluster.json}. Nodes found running are controlled by pid; {@link #start()} starts
     * the others with their existing data. {@link #close()} leaves the nodes running.
     *
     * @throws ClusterNotFoundException if there is no {@code cluster.json} in {@code workDir}
     */
    public static LocalCluster attach(Path workDir) {
        if (!Files.isRegularFile(ClusterState.file(workDir))) {
            throw new ClusterNotFoundException(workDir);
        }
        Path dir = workDir.toAbsolutePath().normalize();
        ClusterState state = ClusterState.read(dir);
        return new LocalCluster(dir, state, Map.of(), false, true, ProgressWait.DEFAULT);
    }

    /**
     * Formats a new cluster's storage on first call, starts every node that is not running, and waits
     * until the cluster is ready: every node's listener accepts connections and answers requests, every
     * running node is a live broker in {@code describeCluster}, and the metadata quorum has a leader. The wait
     * goes on while the nodes make progress ({@link Builder#readyWait}).
     *
     * @throws NotReadyException if a node exits while starting, or the nodes stop making progress, or the wait's
     *                           cap runs out (one sentence naming the node or the stage, and the log; the logs'
     *                           last lines go to this JVM's log)
     */
    public synchronized void start() {
        long startNanos = System.nanoTime();
        if (!initialized) {
            initialize();
        }
        List<KafkaNode> stopped = nodes.stream().filter(node -> !node.isRunning()).toList();
        if (ownsNodes) {
            registerShutdownHook();
        }
        stopped.forEach(KafkaNode::launch);
        writeState();
        awaitReady(stopped);
        log.info("Cluster {} ready in {} ms: {} nodes, bootstrap.servers={}", clusterId,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), nodes.size(), bootstrapServers());
    }

    /** Whether clients must connect over SASL_SSL as one of {@link ClusterSecurity#PRINCIPALS} (see {@link #security()}). */
    public boolean isSecure() {
        return secure;
    }

    /**
     * The secure cluster's client configs, passwords and ACLs.
     *
     * @throws IllegalStateException for a plaintext cluster, or a new one not started yet
     */
    public ClusterSecurity security() {
        if (security == null) {
            throw new IllegalStateException(secure ? "the secure cluster in " + workDir + " is not initialized yet"
                    : "the cluster in " + workDir + " is not secure");
        }
        return security;
    }

    /** Creates each component's ACLs on {@code topics} ({@link ClusterSecurity#acls}); a secure cluster only. */
    public void grantAcls(CourierTopics topics) {
        // Creating an ACL binding that exists is a no-op, so a request that timed out is simply made again.
        Poll.uninterruptibly("ACLs", () -> readyWait.call("the ACLs of " + topics.send() + "'s pipeline could not be created",
                serverLogs(nodes), () -> {
                    ClusterSecurity.grant(admin(), topics);
                    return null;
                }));
    }

    /** Kafka client properties that reach this cluster as its admin (empty for a plaintext cluster), bootstrap included. */
    public Map<String, Object> adminClientProperties() {
        Map<String, Object> props = new java.util.HashMap<>();
        if (secure) {
            props.putAll(security().kafkaProperties(ClusterSecurity.ADMIN));
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    /** {@code localhost:<port>} of every node's broker listener, comma-separated, in node order. */
    public String bootstrapServers() {
        return state().bootstrapServers();
    }

    public int size() {
        return nodes.size();
    }

    public Path workDir() {
        return workDir;
    }

    public boolean isRunning(int node) {
        return node(node).isRunning();
    }

    /** @throws IllegalStateException if the node is not running */
    public long pid(int node) {
        return node(node).pid();
    }

    public int brokerPort(int node) {
        return node(node).brokerPort();
    }

    public int controllerPort(int node) {
        return node(node).controllerPort();
    }

    /** kill -9: the node dies without a controlled shutdown, as in a crash. Returns once it is gone. */
    public synchronized void killNode(int node) {
        node(node).kill(KILL_TIMEOUT);
    }

    /** Graceful stop (SIGTERM, controlled shutdown); kill -9 if it has not exited after 30 s. */
    public synchronized void stopNode(int node) {
        KafkaNode target = node(node);
        target.terminate();
        if (!target.awaitExit(STOP_TIMEOUT)) {
            log.warn("{} did not stop within {} s; killing it", target, STOP_TIMEOUT.toSeconds());
            target.kill(KILL_TIMEOUT);
        }
    }

    /**
     * Starts a stopped node with its existing config, data and ports, and waits until it is back: a live
     * broker answering requests, with a quorum leader in place.
     */
    public synchronized void startNode(int node) {
        KafkaNode target = node(node);
        long startNanos = System.nanoTime();
        if (ownsNodes) {
            registerShutdownHook();
        }
        target.launch();
        writeState();
        awaitReady(List.of(target));
        log.info("{} back in the cluster in {} ms", target, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /** {@link #stopNode} if running, then {@link #startNode}. */
    public synchronized void restartNode(int node) {
        if (isRunning(node)) {
            stopNode(node);
        }
        startNode(node);
    }

    /** The node index of the current KRaft quorum leader (the active controller). */
    public int activeControllerNode() {
        int leader = Poll.get(admin().describeMetadataQuorum().quorumInfo(), ADMIN_TIMEOUT, "describe metadata quorum")
                .leaderId();
        if (leader < 0) {
            throw new IllegalStateException("the metadata quorum has no leader right now");
        }
        return leader;
    }

    /**
     * The node index of the leader of {@code topic}'s {@code partition}.
     *
     * @throws IllegalStateException if the partition has no leader right now
     */
    public int leaderOf(String topic, int partition) {
        Node leader = partitionInfo(topic, partition).leader();
        if (leader == null || leader.isEmpty()) {
            throw new IllegalStateException(topic + "-" + partition + " has no leader right now");
        }
        return leader.id();
    }

    /** The node indexes in the ISR of {@code topic}'s {@code partition}. */
    public List<Integer> inSyncReplicasOf(String topic, int partition) {
        return partitionInfo(topic, partition).isr().stream().map(Node::id).toList();
    }

    /**
     * Creates the topics that do not exist yet, with replication {@code min(3, n)} and
     * {@code min.insync.replicas = min(2, n)}, and waits until all their partitions have leaders.
     */
    public void createTopics(List<TopicSpec> specs) {
        new TopicCreator(admin(), size(), readyWait, serverLogs(nodes)).create(specs);
    }

    /** An admin client for this cluster, shared, closed by {@link #close()}. */
    public Admin admin() {
        synchronized (adminLock) {
            if (admin == null) {
                Map<String, Object> props = adminClientProperties();
                props.put(AdminClientConfig.CLIENT_ID_CONFIG, "courier-local-cluster");
                admin = Admin.create(props);
            }
            return admin;
        }
    }

    /**
     * Stops every node: SIGTERM to all at once (controlled shutdown), then kill -9 for any still running
     * after 30 s. Data is kept; {@link #start()} brings the cluster back.
     */
    public synchronized void stop() {
        stopAll(STOP_TIMEOUT);
    }

    /**
     * Releases the admin client; if this object owns the nodes (built, not detached), stops them first.
     */
    @Override
    public synchronized void close() {
        synchronized (adminLock) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
        if (ownsNodes) {
            stopAll(STOP_TIMEOUT);
            removeShutdownHook();
        }
    }

    private void stopAll(Duration timeout) {
        List<KafkaNode> running = nodes.stream().filter(KafkaNode::isRunning).toList();
        running.forEach(KafkaNode::terminate);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (KafkaNode node : running) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (!node.awaitExit(left)) {
                log.warn("{} did not stop within {} s; killing it", node, timeout.toSeconds());
                node.kill(KILL_TIMEOUT);
            }
        }
        if (!running.isEmpty()) {
            log.info("Stopped {} of {} nodes in {}", running.size(), nodes.size(), workDir);
        }
    }

    private KafkaNode node(int index) {
        if (index < 0 || index >= nodes.size()) {
            throw new IndexOutOfBoundsException("no node " + index + ": nodes are numbered 0.." + (nodes.size() - 1));
        }
        return nodes.get(index);
    }

    private TopicPartitionInfo partitionInfo(String topic, int partition) {
        TopicDescription description = Poll.get(admin().describeTopics(List.of(topic)).allTopicNames(), ADMIN_TIMEOUT,
                "describe topic " + topic).get(topic);
        if (partition < 0 || partition >= description.partitions().size()) {
            throw new IndexOutOfBoundsException(topic + " has no partition " + partition);
        }
        return description.partitions().get(partition);
    }

    private ClusterState state() {
        return new ClusterState(clusterId, jvm, nodes.stream().map(KafkaNode::state).toList(), secure);
    }

    private void writeState() {
        state().write(workDir);
    }

    /** Writes every node's files and formats their storage, all nodes at once. */
    private void initialize() {
        if (Files.exists(ClusterState.file(workDir))) {
            throw new IllegalStateException(workDir + " already holds a cluster (" + ClusterState.FILE_NAME
                    + "); resume it with LocalCluster.attach, or delete the directory");
        }
        log.info("Formatting cluster {} of {} nodes in {}", clusterId, nodes.size(), workDir);
        try {
            Files.createDirectories(workDir);
            Files.writeString(workDir.resolve(BrokerJvm.LOG4J2_FILE), BrokerJvm.log4j2Config(), StandardCharsets.UTF_8);
            ClusterState layout = state();
            if (secure) {
                security = ClusterSecurity.create(workDir);
            }
            List<String> formatArguments = secure ? security.formatArguments() : List.of();
            List<Process> formats = new ArrayList<>();
            for (KafkaNode node : nodes) {
                Files.createDirectories(node.dir());
                ServerProperties.write(ServerProperties.forNode(layout, node.index(), node.dir(), brokerConfig, security),
                        node.serverProperties());
                formats.add(node.startFormat(clusterId, formatArguments));
            }
            awaitFormatted(formats);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot initialize cluster in " + workDir, e);
        }
        writeState();
        initialized = true;
    }

    /** Waits until every node's format tool has exited, while they use CPU or write; fails at once if one fails. */
    private void awaitFormatted(List<Process> formats) {
        try {
            Poll.uninterruptibly("formatting", () -> {
                readyWait.await(kafkaNodes(nodes.size()) + " could not be formatted",
                        workDir.resolve("node-*").resolve(KafkaNode.FORMAT_LOG).toString(), List.of(), () -> {
                    List<Object> progress = new ArrayList<>();
                    String running = null;
                    for (KafkaNode node : nodes) {
                        Process format = formats.get(node.index());
                        Path formatLog = node.dir().resolve(KafkaNode.FORMAT_LOG);
                        if (format.isAlive()) {
                            progress.add(ProgressWait.Watched.cpuTimeOf(format.toHandle()));
                            running = running != null ? running : "the format tool of " + node + " is still running";
                        } else if (format.exitValue() != 0 || !node.isFormatted()) {
                            String sentence = "formatting " + node + " failed (exit " + format.exitValue() + ")";
                            ProgressWait.logTail(sentence, formatLog);
                            throw new NotReadyException(sentence + "; see " + formatLog);
                        } else {
                            progress.add("formatted");
                        }
                    }
                    return running == null ? ProgressWait.Look.ready() : ProgressWait.Look.notYet(progress, running);
                });
                return null;
            });
        } finally {
            formats.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
        }
    }

    /** How far a starting node has come; a change is progress. */
    private enum Stage { LAUNCHED, LISTENING, REGISTERED, SERVING }

    /**
     * Waits until the cluster, including the {@code starting} nodes, is ready, while they make progress: their
     * stage ({@link Stage}), their server logs growing. Fails at once if one of them exits.
     */
    private void awaitReady(List<KafkaNode> starting) {
        String failure = (starting.size() == 1 ? "Kafka " + starting.get(0) : kafkaNodes(starting.size()))
                + " did not become ready";
        Poll.uninterruptibly(failure, () -> {
            readyWait.await(failure, serverLogs(starting), starting, () -> {
                Map<KafkaNode, Stage> stages = new LinkedHashMap<>();
                starting.forEach(node -> stages.put(node, Stage.LAUNCHED));
                String reason = notReadyBecause(stages);
                return reason == null ? ProgressWait.Look.ready()
                        : ProgressWait.Look.notYet(List.copyOf(stages.values()), reason);
            });
            return null;
        });
    }

    /** Why the cluster is not ready yet, or null if it is; advances each starting node's stage as far as it got. */
    private String notReadyBecause(Map<KafkaNode, Stage> stages) {
        String reason = null;
        for (KafkaNode node : stages.keySet()) {
            if (node.acceptsConnections()) {
                stages.put(node, Stage.LISTENING);
            } else if (reason == null) {
                reason = node + " does not accept connections on port " + node.brokerPort();
            }
        }
        if (reason != null) {
            return reason;
        }
        try {
            Set<Integer> live = Poll.get(admin().describeCluster(new DescribeClusterOptions()
                    .timeoutMs((int) PROBE_TIMEOUT.toMillis())).nodes(), PROBE_TIMEOUT, "describe cluster")
                    .stream().map(Node::id).collect(Collectors.toSet());
            stages.keySet().stream().filter(node -> live.contains(node.index()))
                    .forEach(node -> stages.put(node, Stage.REGISTERED));
            Set<Integer> expected = nodes.stream().filter(KafkaNode::isRunning).map(KafkaNode::index)
                    .collect(Collectors.toSet());
            if (!live.containsAll(expected)) {
                return "live brokers " + live + ", expected " + expected;
            }
            int leader = Poll.get(admin().describeMetadataQuorum(new DescribeMetadataQuorumOptions()
                    .timeoutMs((int) PROBE_TIMEOUT.toMillis())).quorumInfo(), PROBE_TIMEOUT, "describe quorum").leaderId();
            if (leader < 0) {
                return "the metadata quorum has no leader";
            }
            // A broker config request goes to that broker itself: it proves the new process serves requests,
            // not an old registration of the same node id that the controller has not fenced yet.
            for (KafkaNode node : stages.keySet()) {
                ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(node.index()));
                Poll.get(admin().describeConfigs(List.of(broker), new DescribeConfigsOptions()
                        .timeoutMs((int) PROBE_TIMEOUT.toMillis())).all(), PROBE_TIMEOUT, node + " describe configs");
                stages.put(node, Stage.SERVING);
            }
            return null;
        } catch (IllegalStateException e) {
            // Anything may fail for a moment while nodes start; the wait's stall bound ends one that lasts.
            return e.getMessage();
        }
    }

    private static String kafkaNodes(int n) {
        return n + " Kafka node" + (n == 1 ? "" : "s");
    }

    /** The server log of {@code of}'s only node, or a glob of them all, for a failure sentence. */
    private String serverLogs(List<KafkaNode> of) {
        return of.size() == 1 ? of.get(0).log().toString() : workDir.resolve("node-*").resolve("logs")
                .resolve("server.log").toString();
    }

    private void registerShutdownHook() {
        if (shutdownHook == null) {
            shutdownHook = new Thread(() -> stopAll(SHUTDOWN_HOOK_STOP_TIMEOUT), "local-cluster-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting and the hook is running or has run: nothing left to remove.
            }
            shutdownHook = null;
        }
    }

    /** Options of a new cluster. */
    public static final class Builder {

        private int nodes = 3;
        private Path workDir;
        private int basePort;
        private String brokerHeap = "512m";
        private Map<String, String> brokerConfig = Map.of();
        private boolean detached;
        private boolean secure;
        private ProgressWait readyWait = ProgressWait.DEFAULT;

        private Builder() {
        }

        /** Number of nodes, each broker and controller; default 3. */
        public Builder nodes(int nodes) {
            this.nodes = nodes;
            return this;
        }

        /** Directory of the cluster's state, configs, data and logs; must not hold a cluster yet. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /**
         * 0 (default): free ports picked at {@link #build()}. Otherwise node {@code i} listens on
         * {@code basePort + 2i} (broker) and {@code basePort + 2i + 1} (controller).
         */
        public Builder basePort(int basePort) {
            this.basePort = basePort;
            return this;
        }

        /** Maximum heap of each node's JVM, as for {@code -Xmx}; default 512m. */
        public Builder brokerHeap(String brokerHeap) {
            this.brokerHeap = brokerHeap;
            return this;
        }

        /** Extra or overriding {@code server.properties} entries for every node (not listeners or ids). */
        public Builder brokerConfig(Map<String, String> brokerConfig) {
            this.brokerConfig = Map.copyOf(brokerConfig);
            return this;
        }

        /** true: nodes outlive this JVM (no shutdown hook; {@code close()} leaves them running). */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        /**
         * true: SASL_SSL (SCRAM-SHA-512) for clients, mutual TLS between controllers, ACLs, generated certificates and
         * per-component client configs ({@link ClusterSecurity}); default false (plaintext, no ACLs).
         */
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        /**
         * How {@code start()}, {@code startNode()}, {@code createTopics()} and {@code grantAcls()} wait: on as long as
         * the nodes make progress, failing after {@link ProgressWait#stall()} without any or at the
         * {@link ProgressWait#cap()}; default {@link ProgressWait#DEFAULT} (60 s, 10 minutes).
         */
        public Builder readyWait(ProgressWait readyWait) {
            this.readyWait = Objects.requireNonNull(readyWait, "readyWait");
            return this;
        }

        /** Validates the options and picks ports; touches no files (that is {@link LocalCluster#start()}). */
        public LocalCluster build() {
            Objects.requireNonNull(workDir, "workDir");
            if (nodes < 1) {
                throw new IllegalArgumentException("nodes must be >= 1, got " + nodes);
            }
            if (basePort < 0 || basePort + 2 * nodes - 1 > 65535) {
                throw new IllegalArgumentException("base port " + basePort + " leaves no room for " + nodes + " nodes");
            }
            List<String> reserved = brokerConfig.keySet().stream().filter(RESERVED_CONFIGS::contains).sorted().toList();
            if (!reserved.isEmpty()) {
                throw new IllegalArgumentException("brokerConfig must not set " + reserved + ": the launcher owns them");
            }
            Path dir = workDir.toAbsolutePath().normalize();
            int[] ports = basePort > 0 ? IntStream.range(basePort, basePort + 2 * nodes).toArray() : freePorts(2 * nodes);
            List<NodeState> layout = IntStream.range(0, nodes)
                    .mapToObj(i -> new NodeState(i, "node-" + i, ports[2 * i], ports[2 * i + 1], 0))
                    .toList();
            ClusterState state = new ClusterState(Uuid.randomUuid().toString(), BrokerJvm.forThisJvm(brokerHeap), layout, secure);
            return new LocalCluster(dir, state, brokerConfig, !detached, false, readyWait);
        }

        /** Distinct ports the OS reports free now (all held open together, so no duplicates). */
        private static int[] freePorts(int count) {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    sockets.add(socket);
                }
                return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find free ports", e);
            } finally {
                for (ServerSocket socket : sockets) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        log.debug("Closing probe socket on port {} failed", socket.getLocalPort(), e);
                    }
                }
            }
        }
    }
}
