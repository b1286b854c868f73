package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CounterRateTest {

    @Test
    void aCounterMovingInStepsIsJudgedByItsTrendNotItsEnds() {
        CounterRate rate = new CounterRate();
        // 1,000 per second, committed in one step every second, sampled every 500 ms
        for (int i = 0; i < 20; i++) {
            rate.add(i * 500L, (i / 2) * 1_000L);
        }
        assertEquals(1_000, rate.perSecond(), 60);
    }

    @Test
    void fewerThanThreeSamplesAreNotMeasured() {
        CounterRate rate = new CounterRate();
        rate.add(0, 0);
        rate.add(1_000, 5_000);
        assertEquals(-1, rate.perSecond());
    }
}
