package dev.courier.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What {@code <workDir>/cluster.json} records about a cluster, so that another process (the CLI's
 * {@code status}, {@code kill}, {@code restart}, {@code stop}) can find and control nodes it did not start:
 * the cluster id, how to launch a node's JVM, each node's directory, ports and last known pid, and whether it runs in
 * secure mode ({@link ClusterSecurity}; absent in files of older versions: false).
 */
record ClusterState(String clusterId, BrokerJvm jvm, List<NodeState> nodes, boolean secure) {

    static final String FILE_NAME = "cluster.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One node. {@code dir} is relative to the work dir; {@code pid} is 0 if the node was never started,
     * and may name a dead (or, after pid reuse, an unrelated) process: {@link KafkaNode} checks it.
     */
    record NodeState(int index, String dir, int brokerPort, int controllerPort, long pid) {
    }

    ClusterState {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(jvm, "jvm");
        nodes = List.copyOf(nodes);
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).index() != i) {
                throw new IllegalArgumentException("nodes must be numbered 0.." + (nodes.size() - 1) + ", got " + nodes);
            }
        }
    }

    /** A plaintext cluster. */
    ClusterState(String clusterId, BrokerJvm jvm, List<NodeState> nodes) {
        this(clusterId, jvm, nodes, false);
    }

    static Path file(Path workDir) {
        return workDir.resolve(FILE_NAME);
    }

    /** @throws ClusterNotFoundException if {@code workDir} holds no {@code cluster.json} */
    static ClusterState read(Path workDir) {
        Path file = file(workDir);
        if (!Files.isRegularFile(file)) {
            throw new ClusterNotFoundException(workDir);
        }
        try {
            return JSON.readValue(file.toFile(), ClusterState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster state " + file, e);
        }
    }

    /** Replaces the file atomically, so a concurrent reader sees the old or the new state, never half. */
    void write(Path workDir) {
        Path file = file(workDir);
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cluster state " + file, e);
        }
    }

    /** {@code localhost:<broker port>} of every node, in node order. */
    String bootstrapServers() {
        return nodes.stream().map(n -> "localhost:" + n.brokerPort()).collect(Collectors.joining(","));
    }

    /** Static KRaft voters: {@code <node.id>@localhost:<controller port>}, node id = node index. */
    String quorumVoters() {
        return nodes.stream().map(n -> n.index() + "@localhost:" + n.controllerPort()).collect(Collectors.joining(","));
    }
}
