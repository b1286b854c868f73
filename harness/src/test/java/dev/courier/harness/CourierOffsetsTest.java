package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CourierOffsetsTest {

    @Test
    void lagIsEndMinusCommittedSummedOverPartitions() {
        TopicProgress p = TopicProgress.of(Map.of(0, 100L, 1, 50L), Map.of(0, 90L, 1, 50L));

        assertEquals(150, p.end());
        assertEquals(140, p.committed());
        assertEquals(10, p.lag());
    }

    @Test
    void aPartitionTheGroupHasNotCommittedCountsFromTheBeginning() {
        Map<Integer, Long> committed = new HashMap<>();
        committed.put(0, 100L);
        committed.put(1, null); // the admin client answers null for a partition without an offset

        TopicProgress p = TopicProgress.of(Map.of(0, 100L, 1, 40L, 2, 7L), committed);

        assertEquals(47, p.lag());
        assertEquals(100, p.committed());
    }

    @Test
    void committedOffsetsOfOtherPartitionsOrPastTheEndNeverMakeLagNegative() {
        // e.g. the end offsets were read a moment before the group committed further
        TopicProgress p = TopicProgress.of(Map.of(0, 100L, 1, 100L), Map.of(0, 103L, 1, 98L, 7, 1_000L));

        assertEquals(2, p.lag());
        assertEquals(201, p.committed());
    }

    @Test
    void caughtUpNeedsTheConsumersOnTheSendTopicAndTheTrackerOnTheAckTopic() {
        TopicProgress consumersDone = new TopicProgress(1_000, 995, 5);
        TopicProgress consumersBehind = new TopicProgress(1_000, 500, 500);
        TopicProgress trackerDone = new TopicProgress(80, 78, 2);
        TopicProgress trackerBehind = new TopicProgress(80, 40, 40);

        assertTrue(new CourierOffsets(consumersDone, trackerDone).caughtUp(100, 12));
        assertFalse(new CourierOffsets(consumersBehind, trackerDone).caughtUp(100, 12));
        assertFalse(new CourierOffsets(consumersDone, trackerBehind).caughtUp(100, 12));
    }
}
