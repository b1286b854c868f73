package dev.courier.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    @Test
    void idsAreVersion7WithTheRfcVariantAndTheClockTimestamp() {
        MessageIds ids = MessageIds.create(() -> 1_700_000_000_123L, new Random(1));

        String id = ids.next();

        UUID uuid = UUID.fromString(id);
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant());
        assertEquals(id, uuid.toString(), "canonical lower-case text");
        assertEquals(1_700_000_000_123L, MessageIds.timestampOf(id));
    }

    @Test
    void idsWithinOneMillisecondAreStrictlyIncreasing() {
        MessageIds ids = MessageIds.create(() -> 42_000L, new Random(7));

        List<String> generated = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            generated.add(ids.next());
        }

        for (int i = 1; i < generated.size(); i++) {
            assertTrue(generated.get(i - 1).compareTo(generated.get(i)) < 0, "id #" + i + " not greater than its predecessor");
            assertEquals(42_000L, MessageIds.timestampOf(generated.get(i)));
        }
    }

    @Test
    void idsStayIncreasingWhenTheClockStepsBackwards() {
        AtomicLong clock = new AtomicLong(5_000);
        MessageIds ids = MessageIds.create(clock::get, new Random(3));

        String before = ids.next();
        clock.set(4_000);
        String after = ids.next();

        assertTrue(before.compareTo(after) < 0);
        assertEquals(5_000L, MessageIds.timestampOf(after), "keeps the last timestamp, never goes back");
    }

    @Test
    void idsFollowTheClockAcrossMilliseconds() {
        AtomicLong clock = new AtomicLong(1_000);
        MessageIds ids = MessageIds.create(clock::getAndIncrement, new Random(5));

        String previous = ids.next();
        for (int i = 0; i < 1_000; i++) {
            String next = ids.next();
            assertTrue(previous.compareTo(next) < 0);
            previous = next;
        }
    }

    @Test
    void idsAreUniqueAndPerThreadOrderedAcrossThreads() throws Exception {
        MessageIds ids = MessageIds.create();
        int threads = 8;
        int perThread = 20_000;
        Set<String> all = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    String previous = "";
                    boolean ordered = true;
                    for (int i = 0; i < perThread; i++) {
                        String id = ids.next();
                        ordered &= previous.compareTo(id) < 0;
                        all.add(id);
                        previous = id;
                    }
                    return ordered;
                }));
            }
            start.countDown();
            for (Future<Boolean> r : results) {
                assertTrue(r.get(60, TimeUnit.SECONDS), "each thread sees increasing ids");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, all.size(), "no duplicates");
    }

    @Test
    void separateGeneratorsDoNotCollideInTheSameMillisecond() {
        Set<String> seen = new HashSet<>();
        for (int g = 0; g < 100; g++) {
            MessageIds ids = MessageIds.create(() -> 9_999L, new java.security.SecureRandom());
            for (int i = 0; i < 100; i++) {
                assertTrue(seen.add(ids.next()));
            }
        }
    }
}
