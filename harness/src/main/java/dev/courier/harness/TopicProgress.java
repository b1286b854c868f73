package dev.courier.harness;

import java.util.Map;

/**
 * One consumer group's position on one topic, summed over the topic's partitions: records written (end
 * offsets, transaction markers included), records the group has committed, and its lag (per partition, end
 * minus committed, never below 0; a partition the group has not committed yet counts from offset 0). No
 * Kafka types: the caller reads the offsets, keyed by partition number.
 */
public record TopicProgress(long end, long committed, long lag) {

    /**
     * @param ends every partition of the topic and its end offset
     * @param committed the group's committed offset per partition; a partition missing or mapped to null has none
     */
    public static TopicProgress of(Map<Integer, Long> ends, Map<Integer, Long> committed) {
        long end = 0;
        long done = 0;
        long lag = 0;
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            Long c = committed.get(e.getKey());
            long at = c == null ? 0 : c;
            end += e.getValue();
            done += at;
            lag += Math.max(0, e.getValue() - at);
        }
        return new TopicProgress(end, done, lag);
    }
}
