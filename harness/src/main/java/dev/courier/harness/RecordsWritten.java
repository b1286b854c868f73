package dev.courier.harness;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records written to each topic between two end-offset snapshots of a cluster ({@link EndOffsets#ofEveryTopic}),
 * and the same per delivered message: the reports' {@code records_per_message} and {@code records_per_topic}.
 *
 * <p>A partition's records are the increase of its end offset, which counts everything appended to its log:
 * data records, aborted ones, and the commit/abort markers of every transaction that touched it; compaction
 * removes records but never lowers an end offset. A partition absent from the first snapshot (created since)
 * counts from 0; one absent from the second (deleted since) counts nothing.
 *
 * @param byTopic records written per topic, topics in name order
 */
public record RecordsWritten(Map<String, Long> byTopic) {

    public RecordsWritten {
        byTopic = Map.copyOf(byTopic);
    }

    /**
     * @param before topic -> partition -> end offset, at the start
     * @param after the same at the end
     * @throws IllegalStateException if an end offset went down (truncated or recreated partition: no count is right)
     */
    public static RecordsWritten between(Map<String, Map<Integer, Long>> before, Map<String, Map<Integer, Long>> after) {
        Map<String, Long> byTopic = new TreeMap<>();
        after.forEach((topic, ends) -> {
            Map<Integer, Long> starts = before.getOrDefault(topic, Map.of());
            long records = 0;
            for (Map.Entry<Integer, Long> end : ends.entrySet()) {
                long start = starts.getOrDefault(end.getKey(), 0L);
                if (end.getValue() < start) {
                    throw new IllegalStateException("end offset of " + topic + "-" + end.getKey() + " went down from "
                            + start + " to " + end.getValue());
                }
                records += end.getValue() - start;
            }
            byTopic.put(topic, records);
        });
        return new RecordsWritten(byTopic);
    }

    /** Records written to every topic together. */
    public long total() {
        return byTopic.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@link #total()} per delivered message, to 3 decimals; null when nothing was delivered. */
    public Double perMessage(long delivered) {
        return delivered <= 0 ? null : round3(total() / (double) delivered);
    }

    /**
     * Topic -> records per delivered message, to 3 decimals, most first; topics with no record left out;
     * empty when nothing was delivered.
     */
    public Map<String, Double> perTopicPerMessage(long delivered) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (delivered <= 0) {
            return out;
        }
        byTopic.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> out.put(e.getKey(), round3(e.getValue() / (double) delivered)));
        return out;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
