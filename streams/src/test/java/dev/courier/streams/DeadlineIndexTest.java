package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class DeadlineIndexTest {

    @Test
    void keysRoundTrip() {
        byte[] key = DeadlineIndex.key(1_764_244_800_000L, "0190f3a0-7c2e-7000-8000-000000000001/alice");
        assertEquals(1_764_244_800_000L, DeadlineIndex.deadline(key));
        assertEquals("0190f3a0-7c2e-7000-8000-000000000001/alice", DeadlineIndex.deliveryKey(key));
    }

    @Test
    void byteOrderIsDeadlineOrderAndTheRangeUpToNowHoldsExactlyWhatIsDue() {
        TreeMap<Bytes, String> index = new TreeMap<>(); // Bytes sort like RocksDB's default comparator
        long[] deadlines = {5, 1_000, 255, 256, 999, 1_001, 70_000, 1_000};
        for (int i = 0; i < deadlines.length; i++) {
            index.put(Bytes.wrap(DeadlineIndex.key(deadlines[i], "m" + i + "/r-\u00e9")), "m" + i);
        }
        List<Long> due = new ArrayList<>();
        index.subMap(Bytes.wrap(DeadlineIndex.first()), true, Bytes.wrap(DeadlineIndex.upTo(1_000)), true)
                .keySet().forEach(k -> due.add(DeadlineIndex.deadline(k.get())));
        assertEquals(List.of(5L, 255L, 256L, 999L, 1_000L, 1_000L), due);
        List<Long> all = index.keySet().stream().map(k -> DeadlineIndex.deadline(k.get())).toList();
        assertTrue(all.stream().sorted().toList().equals(all), "iteration order is deadline order");
    }
}
