package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.schemas.TopicSpec;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** The topic layout the creator asks for; no admin calls are made. */
class TopicCreatorTest {

    private final TopicSpec status = new TopicSpec("courier.status", 6, Map.of("cleanup.policy", "compact"));

    @Test
    void threeNodesGiveThreeReplicasTwoInSyncPlusTheSpecsConfigs() {
        NewTopic topic = new TopicCreator(null, 3).newTopic(status);

        assertEquals(6, topic.numPartitions());
        assertEquals(3, topic.replicationFactor());
        assertEquals(Map.of("cleanup.policy", "compact", "min.insync.replicas", "2"), topic.configs());
    }

    @Test
    void aSingleNodeGivesOneReplicaOneInSync() {
        NewTopic topic = new TopicCreator(null, 1).newTopic(status);

        assertEquals(1, topic.replicationFactor());
        assertEquals("1", topic.configs().get("min.insync.replicas"));
    }

    @Test
    void aSpecCannotWeakenMinInsyncReplicas() {
        TopicSpec weak = new TopicSpec("weak", 1, Map.of("min.insync.replicas", "1"));

        assertEquals("2", new TopicCreator(null, 3).newTopic(weak).configs().get("min.insync.replicas"));
    }
}
