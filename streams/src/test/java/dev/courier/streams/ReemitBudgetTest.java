package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReemitBudgetTest {

    @Test
    void givenAFullBucketWhenManyAskAtOnceThenOnlyTheBurstGoesOut() {
        ReemitBudget budget = new ReemitBudget(100, 20, 0);
        assertEquals(20, take(budget, 0, 1_000));
        assertFalse(budget.tryTake(0));
    }

    @Test
    void givenAnEmptyBucketWhenTimePassesThenTokensComeBackAtTheRate() {
        ReemitBudget budget = new ReemitBudget(100, 20, 0);
        take(budget, 0, 1_000);
        assertEquals(1, take(budget, 10, 1_000), "100/s is one per 10 ms");
        assertEquals(10, take(budget, 110, 1_000));
    }

    @Test
    void givenAQuietSpellWhenItEndsThenNoMoreThanTheBurstIsSaved() {
        ReemitBudget budget = new ReemitBudget(100, 20, 0);
        assertEquals(20, take(budget, 60_000, 1_000));
    }

    @Test
    void givenSteadyDemandWhenMeasuredOverTenSecondsThenTheRateHoldsWithinTheBurst() {
        ReemitBudget budget = ReemitBudget.perPunctuation(100, 100, 0);
        assertEquals(20, budget.burst(), 1e-9, "two punctuations' worth");
        int total = 0;
        for (long now = 0; now < 10_000; now += 100) {
            total += take(budget, now, 1_000);
        }
        assertTrue(total >= 1_000 && total <= 1_000 + 20, "about 100/s for 10 s: " + total);
    }

    @Test
    void givenAFractionalRateThenOneGoesOutPerInterval() {
        ReemitBudget budget = ReemitBudget.perPunctuation(0.5, 100, 0);
        assertEquals(1, budget.burst(), 1e-9, "at least one");
        assertEquals(1, take(budget, 0, 10));
        assertEquals(0, take(budget, 1_900, 10));
        assertEquals(1, take(budget, 2_000, 10));
    }

    @Test
    void givenAClockThatStepsBackThenNothingIsAddedOrLost() {
        ReemitBudget budget = new ReemitBudget(100, 20, 1_000);
        take(budget, 1_000, 1_000);
        assertEquals(0, take(budget, 500, 1_000));
        assertEquals(1, take(budget, 1_010, 1_000));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ReemitBudget(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReemitBudget(Double.NaN, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ReemitBudget(1, 0.5, 0));
    }

    private static int take(ReemitBudget budget, long now, int wanted) {
        int taken = 0;
        while (taken < wanted && budget.tryTake(now)) {
            taken++;
        }
        return taken;
    }
}
