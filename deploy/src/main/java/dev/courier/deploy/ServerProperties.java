package dev.courier.deploy;

import dev.courier.deploy.ClusterState.NodeState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code server.properties} of one node: a combined-mode KRaft node ({@code broker,controller}) in a
 * static quorum of all nodes, with the settings Courier's delivery promise relies on.
 */
final class ServerProperties {

    static final String FILE_NAME = "server.properties";
    static final String DATA_DIR = "data";

    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String SECURE_BROKER_LISTENER = "SASL_SSL";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private ServerProperties() {
    }

    /** A plaintext node's properties; see {@link #forNode(ClusterState, int, Path, Map, ClusterSecurity)}. */
    static Map<String, String> forNode(ClusterState cluster, int index, Path nodeDir, Map<String, String> overrides) {
        return forNode(cluster, index, nodeDir, overrides, null);
    }

    /**
     * The properties of node {@code index}, in a stable order; {@code overrides} are applied last and win. With
     * {@code security} (null: plaintext) the broker listener is SASL_SSL and the controller listener mutual TLS.
     */
    static Map<String, String> forNode(ClusterState cluster, int index, Path nodeDir, Map<String, String> overrides,
                                       ClusterSecurity security) {
        NodeState node = cluster.nodes().get(index);
        int size = cluster.nodes().size();
        String replication = String.valueOf(Durability.replicationFactor(size));
        String minInsync = String.valueOf(Durability.minInsyncReplicas(size));

        Map<String, String> props = new LinkedHashMap<>();
        // Identity and quorum: node id = node index; every node is a voter of a static quorum.
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(index));
        props.put("controller.quorum.voters", cluster.quorumVoters());
        String broker = security == null ? BROKER_LISTENER : SECURE_BROKER_LISTENER;
        props.put("listeners", broker + "://localhost:" + node.brokerPort()
                + "," + CONTROLLER_LISTENER + "://localhost:" + node.controllerPort());
        props.put("advertised.listeners", broker + "://localhost:" + node.brokerPort());
        props.put("listener.security.protocol.map", security == null
                ? BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"
                : SECURE_BROKER_LISTENER + ":SASL_SSL," + CONTROLLER_LISTENER + ":SSL");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", broker);
        if (security != null) {
            props.putAll(security.brokerProperties(SECURE_BROKER_LISTENER, CONTROLLER_LISTENER));
        }
        props.put("log.dirs", nodeDir.resolve(DATA_DIR).toAbsolutePath().toString());

        // Topics created without an explicit replication factor still get min(3, n) copies.
        props.put("default.replication.factor", replication);
        // acks=all succeeds only once min(2, n) replicas have the record: one node may die without loss.
        props.put("min.insync.replicas", minInsync);
        // Committed consumer offsets are as durable as the records they point into.
        props.put("offsets.topic.replication.factor", replication);
        // Transactions (exactly-once streams) survive a node: state log replicated, acks=all-style ISR.
        props.put("transaction.state.log.replication.factor", replication);
        props.put("transaction.state.log.min.isr", minInsync);
        // Share groups (KIP-932) keep their delivery state as durably as consumer offsets.
        props.put("share.coordinator.state.topic.replication.factor", replication);
        props.put("share.coordinator.state.topic.min.isr", minInsync);
        // Never elect an out-of-sync replica: that would silently drop acknowledged records.
        props.put("unclean.leader.election.enable", "false");
        // A typo in a topic name fails loudly instead of creating an unreplicated topic.
        props.put("auto.create.topics.enable", "false");
        // Consumers join a group at once; the default 3 s delay only helps large, slow-starting groups.
        props.put("group.initial.rebalance.delay.ms", "0");
        // Eligible leader replicas (KIP-966) are a feature level set at format time, see KafkaNode#format.

        props.putAll(overrides);
        return props;
    }

    static void write(Map<String, String> props, Path file) {
        StringBuilder text = new StringBuilder("# Written by dev.courier.deploy.LocalCluster\n");
        props.forEach((key, value) -> text.append(key).append('=').append(escape(value)).append('\n'));
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }
}
