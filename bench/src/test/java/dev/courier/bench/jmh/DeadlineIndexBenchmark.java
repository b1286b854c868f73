package dev.courier.bench.jmh;

import dev.courier.streams.DeadlineIndex;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The tracker's deadline index: encoding a key, and "what is due by now" as a range over a sorted map of
 * {@link Bytes} (a TreeMap standing in for the RocksDB store: same key order, no I/O).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DeadlineIndexBenchmark {

    @Param({"100000"})
    int pending;

    @Param({"100"})
    int due;

    private final NavigableMap<Bytes, byte[]> store = new TreeMap<>();
    private static final byte[] PRESENT = new byte[0];
    private long now;

    @Setup
    public void setUp() {
        long base = 1_700_000_000_000L;
        for (int i = 0; i < pending; i++) {
            store.put(Bytes.wrap(DeadlineIndex.key(base + i, "0192f3a4-5b6c-7d8e-9f01-" + i + "/user-" + i % 1000)), PRESENT);
        }
        now = base + due - 1;
    }

    @Benchmark
    public byte[] encodeKey() {
        return DeadlineIndex.key(now, "0192f3a4-5b6c-7d8e-9f01-23456789abcd/user-42");
    }

    @Benchmark
    public void rangeDue(Blackhole bh) {
        for (Map.Entry<Bytes, byte[]> e : store.subMap(Bytes.wrap(DeadlineIndex.first()), true,
                Bytes.wrap(DeadlineIndex.upTo(now)), true).entrySet()) {
            bh.consume(DeadlineIndex.deliveryKey(e.getKey().get()));
        }
    }
}
