package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.deploy.NotReadyException;
import dev.courier.deploy.ProgressWait;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsResult;
import org.apache.kafka.clients.admin.MemberAssignment;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class GroupStabilityTest {

    private final ProgressWait.ManualClock clock = new ProgressWait.ManualClock();
    private final ProgressWait wait = new ProgressWait(Duration.ofSeconds(60), Duration.ofMinutes(10),
            Duration.ofSeconds(1), clock);

    @Test
    void anAdminDescribeThatTimesOutIsAskedAgainNotThrown() throws Exception {
        Deque<KafkaFuture<ConsumerGroupDescription>> answers = new ArrayDeque<>(List.of(
                failed(new GroupIdNotFoundException("courier-delivery")),
                failed(new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment.")),
                KafkaFuture.completedFuture(group("courier-delivery", GroupState.STABLE, 2))));
        GroupStability.await(adminAnswering(answers), "courier-delivery", 2, wait);
        assertEquals(0, answers.size());
    }

    @Test
    void aDescribeNotAnsweredInTimeIsAskedAgainPlainOrWrapped() throws Exception {
        int[] asks = {0};
        GroupStability.await(groups -> switch (++asks[0]) {
            case 1 -> throw new TimeoutException("the cluster did not describe group courier-tracker within 10 s");
            case 2 -> throw new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("call timed out"));
            default -> Map.of("courier-tracker", Optional.of(group("courier-tracker", GroupState.STABLE, 2)));
        }, List.of(new GroupStability.Expected("courier-tracker", 2, "tracker")), List.of(), "the logs", wait);
        assertEquals(3, asks[0]);
    }

    @Test
    void membersThatStopJoiningFailWithOneSentenceSayingWhoJoined() {
        NotReadyException e = assertThrows(NotReadyException.class, () -> GroupStability.await(groups -> Map.of(
                        "courier-tracker", Optional.of(group("courier-tracker", GroupState.PREPARING_REBALANCE, 1)),
                        "courier-delivery", Optional.empty()),
                List.of(new GroupStability.Expected("courier-tracker", 2, "tracker"),
                        new GroupStability.Expected("courier-delivery", 2, "consumer")),
                List.of(), "/run/{tracker,consumer}-*.log", wait));
        assertEquals("2 trackers and 2 consumers did not join their groups within 60 s: group courier-tracker "
                + "PreparingRebalance with 1 member for 2 trackers, group courier-delivery not created yet for 2 consumers; "
                + "nothing moved for 60 s; see /run/{tracker,consumer}-*.log", e.getMessage());
    }

    @Test
    void aGroupStillGrowingIsWaitedFor() throws Exception {
        GroupStability.await(groups -> {
            int joined = (int) Math.min(3, clock.seconds() / 50);
            return Map.of("g", Optional.of(group("g", joined == 3 ? GroupState.STABLE : GroupState.PREPARING_REBALANCE,
                    joined)));
        }, List.of(new GroupStability.Expected("g", 3, "consumer")), List.of(), "the logs", wait);
        assertEquals(150, clock.seconds());
    }

    private static ConsumerGroupDescription group(String id, GroupState state, int members) {
        List<MemberDescription> joined = IntStream.range(0, members).mapToObj(i -> new MemberDescription("m-" + i,
                Optional.empty(), Optional.empty(), "client-" + i, "/127.0.0.1", new MemberAssignment(Set.of()),
                Optional.empty(), Optional.empty(), Optional.empty())).toList();
        return new ConsumerGroupDescription(id, false, joined, "range", GroupType.CLASSIC, state, Node.noNode(), Set.of(),
                Optional.empty(), Optional.empty());
    }

    private static KafkaFuture<ConsumerGroupDescription> failed(Exception e) {
        KafkaFutureImpl<ConsumerGroupDescription> future = new KafkaFutureImpl<>();
        future.completeExceptionally(e);
        return future;
    }

    /** An {@link Admin} whose describeConsumerGroups gives the next of {@code answers}; nothing else is called. */
    private static Admin adminAnswering(Deque<KafkaFuture<ConsumerGroupDescription>> answers) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class}, (proxy, method, args) -> {
            if (!method.getName().equals("describeConsumerGroups")) {
                throw new UnsupportedOperationException(method.getName());
            }
            @SuppressWarnings("unchecked")
            String group = ((java.util.Collection<String>) args[0]).iterator().next();
            return new DescribeConsumerGroupsResult(Map.of(group, answers.removeFirst()));
        });
    }
}
