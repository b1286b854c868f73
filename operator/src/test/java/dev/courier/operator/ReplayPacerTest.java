package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplayPacerTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void recordsGoAtTheRateAskedFor() throws Exception {
        ReplayPacer pacer = new ReplayPacer(50, now::get, now::addAndGet);
        long start = now.get();
        for (int i = 0; i < 101; i++) {
            pacer.acquire();
        }
        assertEquals(2_000_000_000L, now.get() - start, "100 intervals of 20 ms");
    }

    @Test
    void aPauseIsMadeUpSoTheRateOverTheRunHolds() throws Exception {
        ReplayPacer pacer = new ReplayPacer(10, now::get, now::addAndGet);
        long start = now.get();
        pacer.acquire();
        now.addAndGet(500_000_000L); // a slow commit: 5 records late
        long beforeBurst = now.get();
        for (int i = 0; i < 5; i++) {
            pacer.acquire();
        }
        assertEquals(beforeBurst, now.get(), "the late records go at once");
        for (int i = 0; i < 5; i++) {
            pacer.acquire();
        }
        assertEquals(1_000_000_000L, now.get() - start, "11 records at 10/s: 1 s");
        assertThrows(IllegalArgumentException.class, () -> new ReplayPacer(0));
    }
}
