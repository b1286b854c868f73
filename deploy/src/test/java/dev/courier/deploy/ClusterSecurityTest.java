package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.schemas.CourierTopics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

class ClusterSecurityTest {

    private static final CourierTopics TOPICS = CourierTopics.defaults();
    private static final List<AclBinding> ACLS = ClusterSecurity.acls(TOPICS);

    @Test
    void theProducerMayWriteTheSendTopicOnly() {
        assertEquals(Set.of("TOPIC courier.send WRITE", "TOPIC courier.send DESCRIBE"), grants(ClusterSecurity.PRODUCER));
    }

    @Test
    void theConsumerReadsSendAndWritesAckAndDeadLetterButNeverSend() {
        Set<String> consumer = grants(ClusterSecurity.CONSUMER);

        assertTrue(consumer.containsAll(Set.of("TOPIC courier.send READ", "TOPIC courier.ack WRITE",
                "TOPIC courier.dead-letter WRITE", "GROUP courier-delivery READ", "TRANSACTIONAL_ID courier-delivery WRITE")),
                consumer.toString());
        assertFalse(consumer.contains("TOPIC courier.send WRITE"));
    }

    @Test
    void theTrackerOwnsItsInternalTopicsGroupAndTransactions() {
        Set<String> tracker = grants(ClusterSecurity.TRACKER);

        assertTrue(tracker.containsAll(Set.of("TOPIC courier-tracker ALL", "GROUP courier-tracker READ",
                "TRANSACTIONAL_ID courier-tracker WRITE", "TOPIC courier.send WRITE", "TOPIC courier.status WRITE")),
                tracker.toString());
    }

    @Test
    void theRegistryOwnsItsSchemasTopicAndNothingElse() {
        assertEquals(Set.of("TOPIC _schemas ALL"), grants(ClusterSecurity.REGISTRY));
    }

    @Test
    void noAclIsGrantedToTheSuperUserOrToAnyone() {
        Set<String> principals = ACLS.stream().map(acl -> acl.entry().principal()).collect(Collectors.toSet());

        assertFalse(principals.contains("User:" + ClusterSecurity.ADMIN));
        assertFalse(principals.contains("User:*"));
    }

    private static Set<String> grants(String principal) {
        return ACLS.stream()
                .filter(acl -> acl.entry().principal().equals("User:" + principal))
                .map(acl -> acl.pattern().resourceType() + " " + acl.pattern().name() + " " + acl.entry().operation())
                .collect(Collectors.toSet());
    }

}
