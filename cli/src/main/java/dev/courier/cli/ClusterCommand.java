package dev.courier.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.deploy.ClusterNotFoundException;
import dev.courier.deploy.ClusterSecurity;
import dev.courier.deploy.LocalCluster;
import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier cluster}: a local Kafka cluster that outlives the command, controlled later through its
 * {@code cluster.json}. Output for scripts goes to standard output, errors to standard error; see the
 * exit codes in the footer.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Run a local Apache Kafka cluster for Courier: real KRaft nodes (broker and controller"
                + " in one JVM each), data and logs under --dir.",
        subcommands = {
                ClusterCommand.Start.class,
                ClusterCommand.Stop.class,
                ClusterCommand.Status.class,
                ClusterCommand.Kill.class,
                ClusterCommand.Restart.class},
        footerHeading = "%nExit codes:%n",
        footer = {
                "  0  done; for status: every node is running",
                "  1  failed; for status: some node is down",
                "  2  invalid usage",
                "  3  no cluster in --dir"})
public class ClusterCommand implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NO_CLUSTER = 3;

    private static final Logger log = LoggerFactory.getLogger(ClusterCommand.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    /** Without a subcommand: print the usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** The {@code --dir} option and the mapping of failures to exit codes, shared by every subcommand. */
    abstract static class ClusterSubcommand implements Callable<Integer> {

        @Option(names = "--dir", defaultValue = "./work/cluster",
                description = "Cluster directory: cluster.json, node configs, data and logs (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                return run(spec.commandLine().getOut(), err);
            } catch (ParameterException e) {
                throw e;
            } catch (ClusterNotFoundException e) {
                err.println("error: " + e.getMessage());
                return EXIT_NO_CLUSTER;
            } catch (RuntimeException e) {
                log.debug("cluster {} failed", spec.name(), e);
                err.println("error: " + e.getMessage());
                return EXIT_FAILED;
            }
        }

        abstract int run(PrintWriter out, PrintWriter err);
    }

    /** A subcommand on one node of the cluster in {@code --dir}: its NODE, checked against the cluster's size. */
    abstract static class NodeSubcommand extends ClusterSubcommand {

        @Parameters(index = "0", paramLabel = "NODE", description = "Node index, 0..n-1.")
        int node;

        /** @throws ParameterException (exit code 2) if the cluster has no such node */
        @Override
        final int run(PrintWriter out, PrintWriter err) {
            try (LocalCluster cluster = LocalCluster.attach(dir)) {
                if (node < 0 || node >= cluster.size()) {
                    throw new ParameterException(spec.commandLine(),
                            "no node " + node + ": the cluster in " + dir + " has nodes 0.." + (cluster.size() - 1));
                }
                return run(cluster, out);
            }
        }

        abstract int run(LocalCluster cluster, PrintWriter out);
    }

    @Command(name = "start", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
            description = {
                    "Start a cluster in --dir and leave it running: format and start a new one, or start the"
                            + " stopped nodes of the one already there. Creates Courier's topics unless --no-topics.",
                    "Prints the node table, then bootstrap.servers=... as the last line."})
    static final class Start extends ClusterSubcommand {

        @Option(names = "--nodes", description = "Nodes of a new cluster (default: 3). Replication is min(3, n),"
                + " min.insync.replicas min(2, n).")
        Integer nodes;

        @Option(names = "--base-port", defaultValue = "0", description = "0 (default): free ports. Otherwise node i"
                + " listens on BASE+2i (broker) and BASE+2i+1 (controller).")
        int basePort;

        @Option(names = "--heap", defaultValue = "512m", description = "Maximum heap of each node (default: ${DEFAULT-VALUE}).")
        String heap;

        @Option(names = "--topics", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Create Courier's topics: send, ack, status, dead-letter (default: on).")
        boolean topics;

        @Option(names = "--partitions", defaultValue = "6", description = "Partitions of each topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @ConfigKey(CommonConfig.TOPIC_PREFIX_CONFIG)
        @Option(names = "--topic-prefix",
                description = "Topic name prefix (default: ${DEFAULT-VALUE}).")
        String topicPrefix;

        @Option(names = "--broker-config", paramLabel = "KEY=VALUE", description = "Extra server.properties entry for"
                + " every node of a new cluster, e.g. broker.session.timeout.ms=4000. Repeatable.")
        Map<String, String> brokerConfig = Map.of();

        @Option(names = "--clean", description = "Delete the stopped cluster in --dir and start a new one.")
        boolean clean;

        @Option(names = "--secure", description = "A new cluster in secure mode: SASL_SSL (SCRAM-SHA-512 over TLS, certificates"
                + " generated now), ACLs with a principal per component, and ready client configs in <dir>/clients"
                + " (a --command-config per principal; registry-server.properties for `courier registry --server-config`).")
        boolean secure;

        @Override
        int run(PrintWriter out, PrintWriter err) {
            if (nodes != null && nodes < 1) {
                throw new ParameterException(spec.commandLine(), "--nodes must be >= 1, got " + nodes);
            }
            if (partitions < 1) {
                throw new ParameterException(spec.commandLine(), "--partitions must be >= 1, got " + partitions);
            }
            boolean exists = LocalCluster.existsIn(dir);
            if (exists && clean) {
                deleteStoppedCluster();
                exists = false;
            }
            try (LocalCluster cluster = exists ? existing() : newCluster()) {
                try {
                    cluster.start();
                } catch (RuntimeException e) {
                    if (!exists) {
                        cluster.stop();
                    }
                    throw e;
                }
                if (topics) {
                    cluster.createTopics(CourierTopics.withPrefix(topicPrefix).specs(partitions));
                }
                if (cluster.isSecure()) {
                    cluster.grantAcls(CourierTopics.withPrefix(topicPrefix));
                }
                printNodes(cluster, out);
                if (cluster.isSecure()) {
                    printSecurity(cluster.security(), out);
                }
                out.println("bootstrap.servers=" + cluster.bootstrapServers());
            }
            return EXIT_OK;
        }

        private static void printSecurity(ClusterSecurity security, PrintWriter out) {
            out.println("secure: SASL_SSL (" + ClusterSecurity.MECHANISM + "), ACLs per principal; client configs in "
                    + security.clientsDir() + ":");
            for (String principal : ClusterSecurity.PRINCIPALS) {
                out.println("  --command-config " + security.clientConfig(principal));
            }
            out.println("registry: courier registry --command-config " + security.clientConfig(ClusterSecurity.REGISTRY)
                    + " --server-config " + security.registryServerConfig());
        }

        private LocalCluster existing() {
            LocalCluster cluster = LocalCluster.attach(dir);
            if (secure && !cluster.isSecure()) {
                cluster.close();
                throw new IllegalStateException(dir + " holds a plaintext cluster; add --clean to replace it with a secure one");
            }
            if (nodes != null && nodes != cluster.size()) {
                cluster.close();
                throw new IllegalStateException(dir + " holds a cluster of " + cluster.size() + " nodes, not " + nodes
                        + "; add --clean to replace it");
            }
            return cluster;
        }

        private LocalCluster newCluster() {
            return LocalCluster.builder()
                    .nodes(nodes == null ? 3 : nodes)
                    .workDir(dir)
                    .basePort(basePort)
                    .brokerHeap(heap)
                    .brokerConfig(brokerConfig)
                    .secure(secure)
                    .detached(true)
                    .build();
        }

        private void deleteStoppedCluster() {
            try (LocalCluster cluster = LocalCluster.attach(dir)) {
                if (IntStream.range(0, cluster.size()).anyMatch(cluster::isRunning)) {
                    throw new IllegalStateException("the cluster in " + dir + " is running; stop it first");
                }
            }
            log.info("Deleting the stopped cluster in {}", dir);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> {
                    try {
                        Files.delete(path);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot delete " + path, e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + dir, e);
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop every node (SIGTERM, kill -9 after 30 s). Data is kept: `start` resumes the cluster.")
    static final class Stop extends ClusterSubcommand {

        @Override
        int run(PrintWriter out, PrintWriter err) {
            try (LocalCluster cluster = LocalCluster.attach(dir)) {
                long running = IntStream.range(0, cluster.size()).filter(cluster::isRunning).count();
                cluster.stop();
                out.println("stopped " + running + " of " + cluster.size() + " nodes in " + cluster.workDir());
            }
            return EXIT_OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show each node: pid, running, ports, role in the metadata quorum. Exit code 1 if any node is down.")
    static final class Status extends ClusterSubcommand {

        @Option(names = "--json", description = "Print {\"bootstrap_servers\",\"nodes\":[{\"node\",\"pid\",\"running\","
                + "\"broker_port\",\"controller_port\",\"quorum\"}]}.")
        boolean json;

        @Override
        int run(PrintWriter out, PrintWriter err) {
            try (LocalCluster cluster = LocalCluster.attach(dir)) {
                if (json) {
                    printJson(cluster, out);
                } else {
                    printNodes(cluster, out);
                    out.println("bootstrap.servers=" + cluster.bootstrapServers());
                }
                return IntStream.range(0, cluster.size()).allMatch(cluster::isRunning) ? EXIT_OK : EXIT_FAILED;
            }
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = "kill -9 a node, as in a crash, and wait until it is gone. Data is kept: `restart` brings it back.")
    static final class Kill extends NodeSubcommand {

        @Override
        int run(LocalCluster cluster, PrintWriter out) {
            if (!cluster.isRunning(node)) {
                out.println("node " + node + " was not running");
                return EXIT_OK;
            }
            long pid = cluster.pid(node);
            cluster.killNode(node);
            out.println("killed node " + node + " (pid " + pid + ")");
            return EXIT_OK;
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Stop a node gracefully if it runs, start it with its data and ports, and wait until it is"
                    + " back in the cluster. After a kill -9 this takes the broker session timeout (9 s by default).")
    static final class Restart extends NodeSubcommand {

        @Override
        int run(LocalCluster cluster, PrintWriter out) {
            long start = System.nanoTime();
            cluster.restartNode(node);
            out.printf("node %d running again (pid %d) after %d ms%n", node, cluster.pid(node),
                    (System.nanoTime() - start) / 1_000_000);
            return EXIT_OK;
        }
    }

    /** One line per node; the quorum role is looked up only when a majority of voters runs. */
    /** One node as {@code status} shows it. */
    record NodeView(int node, Long pid, boolean running, int brokerPort, int controllerPort, String quorum) {
    }

    static List<NodeView> nodes(LocalCluster cluster) {
        int size = cluster.size();
        long running = IntStream.range(0, size).filter(cluster::isRunning).count();
        int leader = -1;
        if (running > size / 2) {
            try {
                leader = cluster.activeControllerNode();
            } catch (RuntimeException e) {
                log.debug("No quorum leader known", e);
            }
        }
        List<NodeView> nodes = new ArrayList<>();
        for (int node = 0; node < size; node++) {
            boolean up = cluster.isRunning(node);
            String role = !up ? "-" : leader < 0 ? "unknown" : node == leader ? "leader" : "voter";
            nodes.add(new NodeView(node, up ? cluster.pid(node) : null, up, cluster.brokerPort(node),
                    cluster.controllerPort(node), role));
        }
        return nodes;
    }

    static void printNodes(LocalCluster cluster, PrintWriter out) {
        String format = "%-5s %-8s %-8s %-12s %-16s %s%n";
        out.printf(format, "NODE", "PID", "RUNNING", "BROKER-PORT", "CONTROLLER-PORT", "QUORUM");
        for (NodeView n : nodes(cluster)) {
            out.printf(format, n.node(), n.pid() == null ? "-" : String.valueOf(n.pid()), n.running() ? "yes" : "no",
                    n.brokerPort(), n.controllerPort(), n.quorum());
        }
    }

    static void printJson(LocalCluster cluster, PrintWriter out) {
        ObjectNode json = JSON.createObjectNode().put("bootstrap_servers", cluster.bootstrapServers());
        ArrayNode array = json.putArray("nodes");
        for (NodeView n : nodes(cluster)) {
            ObjectNode node = array.addObject().put("node", n.node()).put("running", n.running())
                    .put("broker_port", n.brokerPort()).put("controller_port", n.controllerPort()).put("quorum", n.quorum());
            if (n.pid() != null) {
                node.put("pid", n.pid());
            }
        }
        out.println(json);
    }
}
