package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.deploy.ClusterState.NodeState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Generated server.properties and node layout, without starting anything. */
class ServerPropertiesTest {

    private static final Path NODE_DIR = Path.of("/tmp/cluster/node-1");

    private static ClusterState cluster(int nodes) {
        List<NodeState> layout = IntStream.range(0, nodes)
                .mapToObj(i -> new NodeState(i, "node-" + i, 9000 + 2 * i, 9001 + 2 * i, 0))
                .toList();
        return new ClusterState("abcdefghijklmnopqrstuv", new BrokerJvm("java", "512m", "cp"), layout);
    }

    @Test
    void threeNodesAreCombinedVotersOfAStaticQuorumWithFullReplication() {
        Map<String, String> props = ServerProperties.forNode(cluster(3), 1, NODE_DIR, Map.of());

        assertEquals("broker,controller", props.get("process.roles"));
        assertEquals("1", props.get("node.id"));
        assertEquals("0@localhost:9001,1@localhost:9003,2@localhost:9005", props.get("controller.quorum.voters"));
        assertEquals("PLAINTEXT://localhost:9002,CONTROLLER://localhost:9003", props.get("listeners"));
        assertEquals("PLAINTEXT://localhost:9002", props.get("advertised.listeners"));
        assertEquals("/tmp/cluster/node-1/data", props.get("log.dirs"));
        for (String key : List.of("default.replication.factor", "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor", "share.coordinator.state.topic.replication.factor")) {
            assertEquals("3", props.get(key), key);
        }
        for (String key : List.of("min.insync.replicas", "transaction.state.log.min.isr",
                "share.coordinator.state.topic.min.isr")) {
            assertEquals("2", props.get(key), key);
        }
        assertEquals("false", props.get("unclean.leader.election.enable"));
        assertEquals("false", props.get("auto.create.topics.enable"));
        assertEquals("0", props.get("group.initial.rebalance.delay.ms"));
    }

    @Test
    void aSingleNodeReplicatesOnceAndNeedsOneInSyncReplica() {
        Map<String, String> props = ServerProperties.forNode(cluster(1), 0, NODE_DIR, Map.of());

        assertEquals("0@localhost:9001", props.get("controller.quorum.voters"));
        assertEquals("1", props.get("default.replication.factor"));
        assertEquals("1", props.get("offsets.topic.replication.factor"));
        assertEquals("1", props.get("min.insync.replicas"));
        assertEquals("1", props.get("transaction.state.log.min.isr"));
        assertEquals("1", props.get("share.coordinator.state.topic.min.isr"));
    }

    @Test
    void twoNodesKeepTwoCopiesBothInSync() {
        assertEquals(2, Durability.replicationFactor(2));
        assertEquals(2, Durability.minInsyncReplicas(2));
        assertThrows(IllegalArgumentException.class, () -> Durability.replicationFactor(0));
    }

    @Test
    void brokerConfigOverridesWin() {
        Map<String, String> props = ServerProperties.forNode(cluster(3), 0, NODE_DIR,
                Map.of("group.initial.rebalance.delay.ms", "3000", "num.io.threads", "4"));

        assertEquals("3000", props.get("group.initial.rebalance.delay.ms"));
        assertEquals("4", props.get("num.io.threads"));
    }

    @Test
    void builderRejectsOverridesOfWhatTheLauncherOwns() {
        LocalCluster.Builder builder = LocalCluster.builder().workDir(Path.of("unused"))
                .brokerConfig(Map.of("listeners", "PLAINTEXT://:9092", "node.id", "7"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains("[listeners, node.id]"), e.getMessage());
    }

    @Test
    void basePortGivesEachNodeTwoConsecutivePorts() {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).workDir(Path.of("unused")).basePort(29000).build()) {
            assertEquals(29002, cluster.brokerPort(1));
            assertEquals(29003, cluster.controllerPort(1));
            assertEquals("localhost:29000,localhost:29002,localhost:29004", cluster.bootstrapServers());
        }
    }

    @Test
    void freePortsAreDistinct() {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).workDir(Path.of("unused")).build()) {
            long distinct = IntStream.range(0, 3)
                    .flatMap(i -> IntStream.of(cluster.brokerPort(i), cluster.controllerPort(i)))
                    .distinct().count();
            assertEquals(6, distinct);
        }
    }

    @Test
    void builderRejectsImpossibleLayouts() {
        assertThrows(IllegalArgumentException.class, () -> LocalCluster.builder().nodes(0).workDir(Path.of("x")).build());
        assertThrows(IllegalArgumentException.class,
                () -> LocalCluster.builder().nodes(3).basePort(65532).workDir(Path.of("x")).build());
        assertThrows(IllegalArgumentException.class,
                () -> LocalCluster.builder().brokerHeap("lots").workDir(Path.of("x")).build());
    }
}
