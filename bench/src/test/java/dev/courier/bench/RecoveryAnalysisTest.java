package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryAnalysisTest {

    @Test
    void theSlowestAffectedPartitionDecidesWhenDeliveryResumed() {
        assertEquals(4.0, RecoveryAnalysis.resumeSeconds(1_000_000_000L, List.of(3_000_000_000L, 5_000_000_000L))
                .getAsDouble(), 1e-9);
    }

    @Test
    void aPartitionThatNeverResumedMeansNoRecovery() {
        assertTrue(RecoveryAnalysis.resumeSeconds(0, List.of(5L, 0L)).isEmpty());
    }

    @Test
    void rateIsBackWhenABucketAfterTheKillReaches90PercentOfTheRateBefore() {
        double[] rates = {0, 100, 100, 100, 40, 0, 50, 95, 100};
        // steady from bucket 1, kill in bucket 4 at 0.25 s into it, buckets of 1 s: back in bucket 7
        assertEquals(2.75, RecoveryAnalysis.backTo90Seconds(rates, 1.0, 1, 4, 0.25).getAsDouble(), 1e-9);
    }

    @Test
    void rateThatNeverComesBackIsEmpty() {
        double[] rates = {100, 100, 10, 10};
        assertTrue(RecoveryAnalysis.backTo90Seconds(rates, 1.0, 0, 2, 0).isEmpty());
    }
}
