package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CourierMaxTest {

    @Test
    void theMaxIsWhatTheConsumersCommitted() {
        CourierMax max = CourierMax.of(2_700, 2_690);

        assertEquals(2_690, max.perSecond());
        assertNull(max.bound()); // within the sampling tolerance: nothing bounds it but the hand-offs
    }

    @Test
    void commitsWellBelowTheHandOffsAreTheBoundAndSaySo() {
        CourierMax max = CourierMax.of(2_700, 2_000);

        assertEquals(2_000, max.perSecond());
        assertTrue(max.bound().contains("handed 2700/s"), max.bound());
        assertTrue(max.bound().contains("committed 2000/s"), max.bound());
    }

    @Test
    void withoutTheCommitsTheHandOffsAreTheFigure() {
        CourierMax max = CourierMax.of(2_700, -1);

        assertEquals(2_700, max.perSecond());
        assertNull(max.bound());
    }

    @Test
    void nothingCommittedStillGivesAUsableRate() {
        assertEquals(1, CourierMax.of(2_700, 0).perSecond()); // the fixed-rate phases run at 50% and 80% of it
    }
}
