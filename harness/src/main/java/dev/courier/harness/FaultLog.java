package dev.courier.harness;

import java.util.ArrayList;
import java.util.List;

/** What was broken, when, and when it was back: seconds since the run started. */
final class FaultLog {

    static final class Entry {
        final String type;
        final String target;
        final double atS;
        volatile Double recoveredAtS;

        Entry(String type, String target, double atS) {
            this.type = type;
            this.target = target;
            this.atS = atS;
        }
    }

    private final long startMs;
    private final List<Entry> entries = new ArrayList<>();

    FaultLog(long startMs) {
        this.startMs = startMs;
    }

    synchronized Entry begin(String type, String target) {
        Entry e = new Entry(type, target, secondsSinceStart());
        entries.add(e);
        return e;
    }

    void recovered(Entry e) {
        e.recoveredAtS = secondsSinceStart();
    }

    synchronized List<Entry> faults() {
        return List.copyOf(entries);
    }

    private double secondsSinceStart() {
        return Math.round((System.currentTimeMillis() - startMs) / 100.0) / 10.0;
    }
}
