package dev.courier.consumer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to start a delivery consumer whose consumer id a running member of its group already uses (the
 * transactional.id derives from it, so the two would fence each other forever), and lets a restart after a crash
 * take the id over once the crashed member's session has expired. Asked once, before the consumer joins the
 * group and before its producer's {@code initTransactions()} could fence the running twin.
 *
 * <p>The group's members come from the group coordinator ({@code Admin.describeConsumerGroups}); a member is
 * this consumer id's if its client.id is the consumer id (enforced for the group consumer). A member seen at the
 * start that is still in the group once {@code session.timeout.ms} (plus a margin) has passed is heartbeating:
 * it is alive, and this instance is the newer one.
 */
final class ConsumerIdClaim {

    /** Longer than the broker takes to notice an expired session after {@code session.timeout.ms}. */
    static final long EXPIRY_MARGIN_MS = 3_000;
    static final long POLL_INTERVAL_MS = 250;

    private static final Logger log = LoggerFactory.getLogger(ConsumerIdClaim.class);

    /** A group member as the coordinator describes it. */
    record Member(String memberId, String clientId, String host) {
    }

    /** The members of a group; empty if the group does not exist. */
    interface GroupMembers {
        List<Member> describe(String groupId);
    }

    /** Waits up to a number of ms; returns false if the wait was cut short (the consumer is closing). */
    interface Waiter {
        boolean await(long ms);
    }

    private final GroupMembers members;
    private final LongSupplier clockMs;
    private final Waiter waiter;

    ConsumerIdClaim(GroupMembers members, LongSupplier clockMs, Waiter waiter) {
        this.members = members;
        this.clockMs = clockMs;
        this.waiter = waiter;
    }

    /**
     * Returns once no member of {@code groupId} uses {@code consumerId}, waiting out a crashed predecessor's
     * session; returns early if the waiter is cut short.
     *
     * @throws ConsumerIdInUseException if a member with that id outlives its session: it is running
     */
    void claim(String groupId, String consumerId, long sessionTimeoutMs) {
        Set<Member> holders = holders(groupId, consumerId);
        if (holders.isEmpty()) {
            return;
        }
        long started = clockMs.getAsLong();
        long deadline = started + sessionTimeoutMs + EXPIRY_MARGIN_MS;
        log.info("Consumer id {} is held in group {} by {}: waiting up to {} ms for a crashed predecessor's session "
                + "to expire", consumerId, groupId, holders, deadline - started);
        while (true) {
            if (!waiter.await(POLL_INTERVAL_MS)) {
                return;
            }
            holders.retainAll(holders(groupId, consumerId));
            if (holders.isEmpty()) {
                log.info("Consumer id {}: the previous holder's session expired after {} ms; taking the id over",
                        consumerId, clockMs.getAsLong() - started);
                return;
            }
            if (clockMs.getAsLong() >= deadline) {
                Member m = holders.iterator().next();
                throw new ConsumerIdInUseException("consumer id '" + consumerId + "' is already in use by a running "
                        + "consumer in group '" + groupId + "' (member " + m.memberId() + " on host " + m.host()
                        + ", still heartbeating after session.timeout.ms=" + sessionTimeoutMs
                        + "), so this one stops: give every consumer its own consumer id");
            }
        }
    }

    private Set<Member> holders(String groupId, String consumerId) {
        return members.describe(groupId).stream().filter(m -> consumerId.equals(m.clientId()))
                .collect(Collectors.toCollection(HashSet::new));
    }

    /** The group coordinator's view through {@code admin}, each call bounded by {@code timeout}. */
    static GroupMembers viaAdmin(Admin admin, Duration timeout) {
        return groupId -> {
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                        .get(groupId).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                return d.members().stream().map(ConsumerIdClaim::member).toList();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    return List.of();
                }
                if (e.getCause() instanceof KafkaException k) {
                    throw k;
                }
                throw new KafkaException("describing group " + groupId + " failed", e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new org.apache.kafka.common.errors.TimeoutException("describing group " + groupId
                        + " took over " + timeout.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        };
    }

    private static Member member(MemberDescription m) {
        return new Member(m.consumerId(), m.clientId(), m.host());
    }
}
