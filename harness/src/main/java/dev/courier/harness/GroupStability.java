package dev.courier.harness;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * The one "wait until the group is stable": a consumer group (delivery consumers, or a tracker's Kafka Streams
 * application id) is STABLE with at least a number of members, so that a run's or a test's faults are the ones
 * it injects, not a rebalance of members still joining.
 */
public final class GroupStability {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final long ASK_TIMEOUT_S = 10;

    private GroupStability() {
    }

    /**
     * Returns once {@code group} is STABLE with at least {@code members} members.
     *
     * @throws IllegalStateException after {@code patience}, with the last state seen
     */
    public static void await(Admin admin, String group, int members, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        String seen = "not created yet";
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(ASK_TIMEOUT_S, TimeUnit.SECONDS);
                if (d.groupState() == GroupState.STABLE && d.members().size() >= members) {
                    return;
                }
                seen = d.groupState() + " with " + d.members().size() + " members";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    seen = "describing it failed: " + e.getCause();
                }
            } catch (TimeoutException e) {
                seen = "the cluster did not answer within " + ASK_TIMEOUT_S + " s"; // a busy machine: ask again
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("group " + group + " did not reach " + members + " stable members in "
                + patience.toSeconds() + " s (" + seen + ")");
    }
}
