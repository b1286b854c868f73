package dev.courier.operator;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which records of a topic a replay covers, half-open {@code [from, to)}: a time range (resolved with the
 * brokers' time index) or per-partition offsets. An open end is the partition's log start or end.
 */
public record ReplayRange(Instant fromTime, Instant toTime, Map<Integer, Long> fromOffsets, Map<Integer, Long> toOffsets) {

    /** The offsets {@code [start, end)} of one partition to read. */
    public record Span(long start, long end) {
        public long size() {
            return Math.max(0, end - start);
        }
    }

    /** The offset of the first record of a partition with a timestamp at or after an instant, null if none. */
    @FunctionalInterface
    public interface TimeIndex {
        Long offsetAt(int partition, Instant time);
    }

    public ReplayRange {
        fromOffsets = fromOffsets == null ? Map.of() : Map.copyOf(fromOffsets);
        toOffsets = toOffsets == null ? Map.of() : Map.copyOf(toOffsets);
        boolean byTime = fromTime != null || toTime != null;
        boolean byOffset = !fromOffsets.isEmpty() || !toOffsets.isEmpty();
        if (byTime == byOffset) {
            throw new IllegalArgumentException(byTime
                    ? "give a time range (--from-time/--to-time) or offsets (--from-offset/--to-offset), not both"
                    : "give the range to replay: --from-time/--to-time or --from-offset/--to-offset");
        }
        if (fromTime != null && toTime != null && !fromTime.isBefore(toTime)) {
            throw new IllegalArgumentException("--from-time " + fromTime + " is not before --to-time " + toTime);
        }
        for (Map.Entry<Integer, Long> from : fromOffsets.entrySet()) {
            Long to = toOffsets.get(from.getKey());
            if (to != null && to < from.getValue()) {
                throw new IllegalArgumentException("partition " + from.getKey() + ": --to-offset " + to
                        + " is before --from-offset " + from.getValue());
            }
        }
    }

    public static ReplayRange ofTimes(Instant from, Instant to) {
        return new ReplayRange(from, to, null, null);
    }

    public static ReplayRange ofOffsets(Map<Integer, Long> from, Map<Integer, Long> to) {
        return new ReplayRange(null, null, from, to);
    }

    /** {@code 0=100,1=250}: partition=offset pairs, comma-separated. */
    public static Map<Integer, Long> parseOffsets(String text) {
        Map<Integer, Long> out = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String pair : text.split(",")) {
            String[] kv = pair.trim().split("=");
            try {
                if (kv.length != 2) {
                    throw new NumberFormatException();
                }
                int partition = Integer.parseInt(kv[0].trim());
                long offset = Long.parseLong(kv[1].trim());
                if (partition < 0 || offset < 0) {
                    throw new NumberFormatException();
                }
                if (out.put(partition, offset) != null) {
                    throw new IllegalArgumentException("partition " + partition + " given twice in '" + text + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + pair.trim() + "' is not PARTITION=OFFSET (e.g. 0=100,1=250)");
            }
        }
        return out;
    }

    public boolean byTime() {
        return fromTime != null || toTime != null;
    }

    /** The partitions to read: all of the topic's by time; the ones named by offsets (which must exist). */
    public TreeSet<Integer> partitions(String topic, int partitionCount) {
        TreeSet<Integer> out = new TreeSet<>();
        if (byTime()) {
            for (int p = 0; p < partitionCount; p++) {
                out.add(p);
            }
            return out;
        }
        out.addAll(fromOffsets.keySet());
        out.addAll(toOffsets.keySet());
        for (int p : out) {
            if (p >= partitionCount) {
                throw new NotFoundException("topic " + topic + " has no partition " + p + " (" + partitionCount + " partitions)");
            }
        }
        return out;
    }

    /** The span of {@code partition} within its log {@code [beginning, end)}, clamped to it. */
    public Span span(int partition, long beginning, long end, TimeIndex index) {
        long start;
        long stop;
        if (byTime()) {
            start = fromTime == null ? beginning : orEnd(index.offsetAt(partition, fromTime), end);
            stop = toTime == null ? end : orEnd(index.offsetAt(partition, toTime), end);
        } else {
            start = fromOffsets.getOrDefault(partition, beginning);
            stop = toOffsets.getOrDefault(partition, end);
        }
        start = Math.min(Math.max(start, beginning), end);
        stop = Math.min(Math.max(stop, start), end);
        return new Span(start, stop);
    }

    private static long orEnd(Long offset, long end) {
        return Objects.requireNonNullElse(offset, end);
    }
}
