package dev.courier.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each phase began (wall clock, ms), so that a timestamped event read back from a topic afterwards can
 * be put in the phase it happened in: a phase runs from its start to the next one's (what happens between
 * two phases, e.g. a backlog draining, belongs to the earlier one).
 */
final class PhaseTimes {

    static final String BEFORE = "before the first phase";

    private final List<String> labels = new ArrayList<>();
    private final List<Long> starts = new ArrayList<>();

    /** Phase {@code label} begins at {@code atMs}; phases are begun in time order. */
    synchronized void begin(String label, long atMs) {
        if (!starts.isEmpty() && atMs < starts.get(starts.size() - 1)) {
            throw new IllegalStateException("phase " + label + " begins at " + atMs + ", before " + labels.get(labels.size() - 1)
                    + " at " + starts.get(starts.size() - 1));
        }
        labels.add(label);
        starts.add(atMs);
    }

    /** The phase running at {@code atMs}: the last one begun at or before it; {@link #BEFORE} if none. */
    synchronized String phaseAt(long atMs) {
        for (int i = starts.size() - 1; i >= 0; i--) {
            if (starts.get(i) <= atMs) {
                return labels.get(i);
            }
        }
        return BEFORE;
    }

    /** Every phase with a count of 0, in the order they began. */
    private synchronized Map<String, Long> zeros() {
        Map<String, Long> out = new LinkedHashMap<>();
        labels.forEach(l -> out.put(l, 0L));
        return out;
    }

    /** How many of {@code timesMs} fell in each phase (every phase listed, 0 included). */
    Map<String, Long> countBy(List<Long> timesMs) {
        Map<String, Long> out = zeros();
        timesMs.forEach(t -> out.merge(phaseAt(t), 1L, Long::sum));
        return out;
    }
}
