package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OutageDetectorTest {

    private final OutageDetector detector = new OutageDetector(2_000, 3);

    @Test
    void givenNoTimeoutsThenThePipelineIsAvailable() {
        assertFalse(detector.unavailable(0));
        assertFalse(detector.unavailable(1_000_000));
    }

    @Test
    void givenSeveralDeliveriesTimingOutWithNoAckWhenTheSilenceLastsThenThePipelineIsUnavailable() {
        missAll(1_000, "a", "b", "c");
        assertFalse(detector.unavailable(1_000), "not yet: the timeouts just began");
        assertFalse(detector.unavailable(2_999));
        assertTrue(detector.unavailable(3_000));
    }

    @Test
    void givenAnUnavailablePipelineWhenAnyAckArrivesThenItIsAvailableAtOnceAndTheClockRestarts() {
        missAll(1_000, "a", "b", "c");
        assertTrue(detector.unavailable(5_000));
        detector.ackSeen();
        assertFalse(detector.unavailable(5_000));
        missAll(5_100, "a", "b", "c");
        assertFalse(detector.unavailable(7_000), "a fresh silence must last again");
        assertTrue(detector.unavailable(7_100));
    }

    @Test
    void givenOneUndeliverableMessageThatKeepsTimingOutThenItIsNotMistakenForAnOutage() {
        for (long t = 1_000; t < 100_000; t += 5_000) {
            detector.deadlineMissed("lonely", t);
        }
        assertFalse(detector.unavailable(100_000));
        missAll(100_000, "b");
        assertFalse(detector.unavailable(100_000), "two different deliveries are not enough with min 3");
        missAll(100_000, "c");
        assertTrue(detector.unavailable(100_000), "three are, and the timeouts began long ago");
    }

    @Test
    void givenAnIdlePartitionWhenItsFirstDeliveriesTimeOutThenTheIdleTimeIsNotTakenForSilence() {
        // nothing for an hour, then three timeouts: the clock starts at the first of them
        missAll(3_600_000, "a", "b", "c");
        assertFalse(detector.unavailable(3_600_000));
        assertTrue(detector.unavailable(3_602_000));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new OutageDetector(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> new OutageDetector(1_000, 0));
    }

    private void missAll(long now, String... keys) {
        for (String key : keys) {
            detector.deadlineMissed(key, now);
        }
    }
}
