package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.deploy.ClusterState.NodeState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughClusterJson() {
        ClusterState state = new ClusterState("abcdefghijklmnopqrstuv", new BrokerJvm("java", "384m", "a.jar"),
                List.of(new NodeState(0, "node-0", 9000, 9001, 1234), new NodeState(1, "node-1", 9002, 9003, 0)));

        state.write(dir);

        ClusterState read = ClusterState.read(dir);
        assertEquals(state, read);
        assertEquals("localhost:9000,localhost:9002", read.bootstrapServers());
        assertEquals("0@localhost:9001,1@localhost:9003", read.quorumVoters());
    }

    @Test
    void aSecureClusterSaysSoAndAFileOfAnOlderVersionIsPlaintext() throws Exception {
        ClusterState secure = new ClusterState("abcdefghijklmnopqrstuv", new BrokerJvm("java", "384m", "a.jar"),
                List.of(new NodeState(0, "node-0", 9000, 9001, 0)), true);
        secure.write(dir);
        assertEquals(true, ClusterState.read(dir).secure());

        String older = java.nio.file.Files.readString(ClusterState.file(dir)).replaceAll(",?\\s*\"secure\"\\s*:\\s*true", "");
        java.nio.file.Files.writeString(ClusterState.file(dir), older);
        assertEquals(false, ClusterState.read(dir).secure(), older);
    }

    @Test
    void aMissingStateFileSaysHowToStartACluster() {
        Path missing = dir.resolve("nothing-here");

        ClusterNotFoundException e = assertThrows(ClusterNotFoundException.class, () -> LocalCluster.attach(missing));
        assertEquals("no cluster at " + missing + ": cluster.json not found; run `courier cluster start` first",
                e.getMessage());
    }

    @Test
    void nodesMustBeNumberedFromZero() {
        assertThrows(IllegalArgumentException.class, () -> new ClusterState("id", new BrokerJvm("java", "1g", "cp"),
                List.of(new NodeState(1, "node-1", 9000, 9001, 0))));
    }
}
