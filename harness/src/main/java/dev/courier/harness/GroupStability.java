package dev.courier.harness;

import dev.courier.deploy.NotReadyException;
import dev.courier.deploy.ProgressWait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * The one "wait until the group is stable": consumer groups (delivery consumers, or a tracker's Kafka Streams
 * application id) are STABLE with at least a number of members, so that a run's or a test's faults are the ones
 * it injects, not a rebalance of members still joining. It waits while the members make progress
 * ({@link ProgressWait}); a describe the cluster does not answer in time is asked again.
 */
public final class GroupStability {

    /** Bound of one describe; one not answered in time is asked again. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    private GroupStability() {
    }

    /** A group to wait for: STABLE with at least {@code members} members, each called a {@code noun} ("tracker"). */
    public record Expected(String group, int members, String noun) {
    }

    /** Describes consumer groups: {@link Admin#describeConsumerGroups}, or a fake in tests. */
    @FunctionalInterface
    interface Describer {
        /** Each group's description; empty for a group that does not exist yet. */
        Map<String, Optional<ConsumerGroupDescription>> describe(List<String> groups) throws Exception;
    }

    /**
     * Returns once {@code group} is STABLE with at least {@code members} members.
     *
     * @throws NotReadyException when the group stops making progress ({@code wait}'s stall bound) or its cap runs out
     */
    public static void await(Admin admin, String group, int members, ProgressWait wait) throws InterruptedException {
        await(admin, List.of(new Expected(group, members, "member")), List.of(), "the members' logs", wait);
    }

    /**
     * Returns once every one of {@code groups} is STABLE with its members; progress is a group's state or member count
     * changing, or a {@code processes}' log growing.
     *
     * @param processes the members' processes: one that exits fails the wait at once
     * @param see       where their logs are, for the failure sentence
     * @throws NotReadyException with one sentence such as "2 trackers and 2 consumers did not join their groups within
     *                           75 s: group courier-tracker PreparingRebalance with 1 member for 2 trackers, ...; see ..."
     */
    public static void await(Admin admin, List<Expected> groups, List<? extends ProgressWait.Watched> processes, String see,
                             ProgressWait wait) throws InterruptedException {
        await(describer(admin), groups, processes, see, wait);
    }

    static void await(Describer describer, List<Expected> groups, List<? extends ProgressWait.Watched> processes,
                      String see, ProgressWait wait) throws InterruptedException {
        List<String> names = groups.stream().map(Expected::group).toList();
        wait.await(failure(groups), see, processes, () -> look(describer.describe(names), groups));
    }

    /** "2 trackers and 2 consumers did not join their groups". */
    static String failure(List<Expected> groups) {
        String who = groups.stream().map(g -> count(g.members(), g.noun())).collect(Collectors.joining(" and "));
        return who + " did not join " + (groups.size() == 1 ? "group " + groups.get(0).group() : "their groups");
    }

    private static ProgressWait.Look look(Map<String, Optional<ConsumerGroupDescription>> described,
                                          List<Expected> groups) {
        boolean done = true;
        List<Object> progress = new ArrayList<>();
        List<String> states = new ArrayList<>();
        for (Expected expected : groups) {
            Optional<ConsumerGroupDescription> group = described.getOrDefault(expected.group(), Optional.empty());
            int joined = group.map(d -> d.members().size()).orElse(0);
            String state = group.map(d -> d.groupState().toString()).orElse("not created yet");
            done &= group.isPresent() && group.get().groupState() == GroupState.STABLE && joined >= expected.members();
            progress.add(List.of(state, joined));
            // Members, not processes: a tracker has one member per stream thread.
            states.add("group " + expected.group() + " " + state + (group.isPresent() ? " with " + count(joined, "member")
                    : "") + " for " + count(expected.members(), expected.noun()));
        }
        return done ? ProgressWait.Look.ready() : ProgressWait.Look.notYet(progress, String.join(", ", states));
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static Describer describer(Admin admin) {
        return groups -> {
            Map<String, KafkaFuture<ConsumerGroupDescription>> futures =
                    admin.describeConsumerGroups(groups).describedGroups();
            Map<String, Optional<ConsumerGroupDescription>> described = new LinkedHashMap<>();
            for (String group : groups) {
                try {
                    described.put(group, Optional.of(futures.get(group).get(ASK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    described.put(group, Optional.empty());
                } catch (TimeoutException e) {
                    throw new TimeoutException("the cluster did not describe group " + group + " within "
                            + ASK_TIMEOUT.toSeconds() + " s");
                }
            }
            return described;
        };
    }
}
