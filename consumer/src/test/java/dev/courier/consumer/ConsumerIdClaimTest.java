package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsumerIdClaimTest {

    private static final long SESSION_MS = 10_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final List<ConsumerIdClaim.Member> members = new ArrayList<>();
    /** Each wait advances the clock; a member whose session "expires" is removed by the test's hook. */
    private Runnable onWait = () -> { };

    private final ConsumerIdClaim claim = new ConsumerIdClaim(group -> List.copyOf(members), clock::get, ms -> {
        clock.addAndGet(ms);
        onWait.run();
        return true;
    });

    @Test
    void anIdNobodyInTheGroupUsesIsClaimedAtOnce() {
        members.add(new ConsumerIdClaim.Member("other-1", "other", "/10.0.0.2"));

        claim.claim("g", "c1", SESSION_MS);

        assertEquals(1_000_000, clock.get(), "no wait");
    }

    @Test
    void anIdHeldByARunningMemberIsRefusedOnceItsSessionHasOutlivedTheTimeout() {
        members.add(new ConsumerIdClaim.Member("c1-abc", "c1", "/10.0.0.2"));

        ConsumerIdInUseException e = assertThrows(ConsumerIdInUseException.class, () -> claim.claim("g", "c1", SESSION_MS));

        assertTrue(e.getMessage().contains("consumer id 'c1' is already in use by a running consumer in group 'g'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("c1-abc") && e.getMessage().contains("/10.0.0.2"), e.getMessage());
        assertTrue(clock.get() - 1_000_000 >= SESSION_MS, "waited a whole session first");
    }

    @Test
    void anIdHeldByACrashedMemberIsTakenOverWhenItsSessionExpires() {
        members.add(new ConsumerIdClaim.Member("c1-dead", "c1", "/10.0.0.2"));
        long crashedAt = clock.get() - 2_000;
        onWait = () -> {
            if (clock.get() >= crashedAt + SESSION_MS) {
                members.clear(); // the coordinator expires the session
            }
        };

        claim.claim("g", "c1", SESSION_MS);

        assertTrue(clock.get() - 1_000_000 <= SESSION_MS, "taken over within a session timeout");
    }

    @Test
    void aWaitCutShortByCloseReturnsWithoutAVerdict() {
        members.add(new ConsumerIdClaim.Member("c1-abc", "c1", "/10.0.0.2"));
        ConsumerIdClaim closing = new ConsumerIdClaim(group -> List.copyOf(members), clock::get, ms -> false);

        closing.claim("g", "c1", SESSION_MS);
    }
}
