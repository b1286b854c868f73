package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The isolation of a record that keeps its batch from committing, on its own: failures in, limits and verdicts out. */
class PoisonIsolationTest {

    private final PoisonIsolation isolation = new PoisonIsolation();

    @Test
    void aBatchThatFailsTwiceAtTheSameRecordShrinksToOneRecordUntilItsRecordsAreThrough() {
        isolation.failed(2, 100, 50, "too large");
        assertEquals(Integer.MAX_VALUE, isolation.batchLimit(), "one failure may be a fluke");

        isolation.failed(2, 100, 50, "too large");
        assertEquals(1, isolation.batchLimit());

        isolation.committed(Map.of(2, 101L), 1);
        assertEquals(1, isolation.batchLimit());
        for (int i = 1; i < 50; i++) {
            isolation.committed(Map.of(2, 101L + i), 1);
        }
        assertEquals(Integer.MAX_VALUE, isolation.batchLimit(), "the failed batch's records are through");
    }

    @Test
    void aRecordWhoseOwnBatchFailsThreeTimesIsPoisonUntilItCommits() {
        isolation.failed(2, 100, 1, "fenced");
        isolation.failed(2, 100, 1, "fenced");
        assertFalse(isolation.isPoison(2, 100));

        isolation.failed(2, 100, 1, "fenced");
        assertTrue(isolation.isPoison(2, 100));
        assertFalse(isolation.isPoison(2, 101));
        assertFalse(isolation.isPoison(1, 100));
        assertTrue(isolation.reason(2).contains("failed 3 times (3 times alone), last: fenced"), isolation.reason(2));

        isolation.committed(Map.of(2, 101L), 1); // dead-lettered
        assertFalse(isolation.isPoison(2, 100));
    }

    @Test
    void failuresStartingElsewhereStartCountingOver() {
        isolation.failed(2, 100, 1, "x");
        isolation.failed(2, 100, 1, "x");
        isolation.failed(2, 101, 1, "x");
        isolation.failed(2, 101, 1, "x");
        assertFalse(isolation.isPoison(2, 100));
        assertFalse(isolation.isPoison(2, 101));
    }

    @Test
    void anotherPartitionsCommitsLeaveTheCountAlone() {
        isolation.failed(2, 100, 1, "x");
        isolation.failed(2, 100, 1, "x");
        isolation.committed(Map.of(1, 500L), 1);
        isolation.failed(2, 100, 1, "x");
        assertTrue(isolation.isPoison(2, 100));
    }
}
