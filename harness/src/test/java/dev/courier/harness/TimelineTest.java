package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimelineTest {

    /** Samples one second apart: cumulative delivered and re-emits, and the backlog. */
    private static Timeline timeline(long[][] samples) {
        Timeline t = new Timeline(System.currentTimeMillis());
        for (long[] s : samples) {
            t.add(new Timeline.Sample(s[0], s[1], s[2], s[3]));
        }
        return t;
    }

    @Test
    void recoveryIsTheTimeUntilTheBacklogIsBackUnderItsPreFaultLine() {
        Timeline t = timeline(new long[][] {
                {0, 0, 0, 10}, {1, 100, 0, 10}, {2, 100, 0, 300}, {3, 100, 0, 600}, {4, 700, 0, 200}, {5, 1200, 0, 20}});
        assertEquals(4.0, t.recoverySeconds(1.0, 50));
        assertEquals(2.0, t.longestStall(), "nothing delivered from second 1 to second 3 while messages were pending");
    }

    @Test
    void aFaultThatNeverRaisedTheBacklogRecoveredAtOnceAndOneThatNeverDrainedDidNot() {
        Timeline calm = timeline(new long[][] {{0, 0, 0, 10}, {1, 100, 0, 20}, {2, 200, 0, 15}});
        assertEquals(0.0, calm.recoverySeconds(0.5, 50));
        Timeline stuck = timeline(new long[][] {{0, 0, 0, 10}, {1, 0, 0, 500}, {2, 0, 0, 900}});
        assertEquals(-1.0, stuck.recoverySeconds(0.5, 50));
    }

    @Test
    void theReEmitRateIsTakenOverWholeWindows() {
        Timeline t = timeline(new long[][] {{0, 0, 0, 0}, {1, 0, 0, 0}, {2, 0, 100, 0}, {3, 0, 100, 0}, {4, 0, 100, 0},
                {5, 0, 100, 0}, {6, 0, 100, 0}, {7, 0, 600, 0}});
        assertEquals(100.0, t.maxReemitRate(5), "500 re-emits between second 2 and second 7");
    }
}
