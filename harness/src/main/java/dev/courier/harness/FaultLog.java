package dev.courier.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What was broken, when, and when it was back: seconds since the run started; and, when the run can say,
 * how many deliveries were in flight (sent, not yet delivered) the moment it struck.
 */
final class FaultLog {

    static final class Entry {
        final String type;
        final String target;
        final double atS;
        /** Deliveries sent and not yet delivered when the fault struck; null if the run does not count them. */
        final Long inFlightAtFault;
        volatile Double recoveredAtS;
        /** What did not hold when the fault was undone (the victim did not come back as it must); null if all did. */
        volatile String problem;

        Entry(String type, String target, double atS, Long inFlightAtFault) {
            this.type = type;
            this.target = target;
            this.atS = atS;
            this.inFlightAtFault = inFlightAtFault;
        }
    }

    private final long startMs;
    private final LongSupplier inFlight;
    private final List<Entry> entries = new ArrayList<>();

    /** A log that does not count deliveries in flight. */
    FaultLog(long startMs) {
        this(startMs, null);
    }

    /** @param inFlight deliveries sent and not yet delivered, asked at the moment each fault strikes */
    FaultLog(long startMs, LongSupplier inFlight) {
        this.startMs = startMs;
        this.inFlight = inFlight;
    }

    /** Call just before breaking {@code target}. */
    synchronized Entry begin(String type, String target) {
        Entry e = new Entry(type, target, secondsSinceStart(), inFlight == null ? null : inFlight.getAsLong());
        entries.add(e);
        return e;
    }

    /** The fault's victim did not come back as it must: fails the run. */
    void problem(Entry e, String what) {
        e.problem = e.problem == null ? what : e.problem + "; " + what;
    }

    void recovered(Entry e) {
        e.recoveredAtS = secondsSinceStart();
    }

    synchronized List<Entry> faults() {
        return List.copyOf(entries);
    }

    /**
     * What the entries say against a run that must keep deliveries in flight through every fault: a fault that
     * struck with none in flight (or uncounted), and a fault whose victim did not come back as it must.
     */
    static List<String> problems(List<Entry> entries) {
        List<String> idle = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (Entry f : entries) {
            if (f.inFlightAtFault == null || f.inFlightAtFault <= 0) {
                idle.add(f.type + " at " + f.atS + " s");
            }
            if (f.problem != null) {
                out.add(f.type + ": " + f.problem);
            }
        }
        if (!idle.isEmpty()) {
            out.add(0, "fault(s) struck with no delivery in flight (in_flight_at_fault 0): " + idle);
        }
        return out;
    }

    private double secondsSinceStart() {
        return Math.round((System.currentTimeMillis() - startMs) / 100.0) / 10.0;
    }
}
