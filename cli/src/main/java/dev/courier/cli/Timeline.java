package dev.courier.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** One sample per second of a run: cumulative deliveries and re-emits, and the backlog, to plot and to judge. */
final class Timeline {

    record Sample(double atS, long delivered, long reemits, long pending) {
    }

    private final long startMs;
    private final List<Sample> samples = new ArrayList<>();

    Timeline(long startMs) {
        this.startMs = startMs;
    }

    synchronized void sample(LongSupplier delivered, LongSupplier reemits, LongSupplier pending) {
        samples.add(new Sample((System.currentTimeMillis() - startMs) / 1000.0, delivered.getAsLong(),
                reemits.getAsLong(), pending.getAsLong()));
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Longest stretch, in seconds, with messages pending and not one delivered. */
    synchronized double longestStall() {
        double longest = 0;
        Double stallStart = null;
        for (int i = 1; i < samples.size(); i++) {
            Sample prev = samples.get(i - 1);
            Sample s = samples.get(i);
            boolean stalled = s.delivered() == prev.delivered() && prev.pending() > 0;
            if (stalled && stallStart == null) {
                stallStart = prev.atS();
            } else if (!stalled && stallStart != null) {
                longest = Math.max(longest, prev.atS() - stallStart);
                stallStart = null;
            }
        }
        if (stallStart != null) {
            longest = Math.max(longest, samples.get(samples.size() - 1).atS() - stallStart);
        }
        return Math.round(longest * 10) / 10.0;
    }

    /**
     * Seconds from {@code recoveredAtS} (the victim is back) until the backlog is down to what it was just
     * before the fault at {@code faultAtS}, plus {@code slack}; -1 if it never got there.
     */
    synchronized double recoverySeconds(double faultAtS, double recoveredAtS, long slack) {
        long before = 0;
        for (Sample s : samples) {
            if (s.atS() <= faultAtS) {
                before = s.pending();
            }
        }
        for (Sample s : samples) {
            if (s.atS() >= recoveredAtS && s.pending() <= before + slack) {
                return Math.round((s.atS() - recoveredAtS) * 10) / 10.0;
            }
        }
        return -1;
    }
}
