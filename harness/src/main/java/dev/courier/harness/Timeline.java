package dev.courier.harness;

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

    void sample(LongSupplier delivered, LongSupplier reemits, LongSupplier pending) {
        add(new Sample((System.currentTimeMillis() - startMs) / 1000.0, delivered.getAsLong(),
                reemits.getAsLong(), pending.getAsLong()));
    }

    synchronized void add(Sample sample) {
        samples.add(sample);
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
     * Seconds from a fault's injection at {@code faultAtS} until the pipeline caught up: the backlog, once
     * it grew past its level just before the fault plus {@code slack}, is back under that line. 0 when the
     * fault never pushed the backlog over it; -1 when the backlog never came back.
     */
    synchronized double recoverySeconds(double faultAtS, long slack) {
        long line = slack;
        for (Sample s : samples) {
            if (s.atS() <= faultAtS) {
                line = s.pending() + slack;
            }
        }
        boolean over = false;
        for (Sample s : samples) {
            if (s.atS() <= faultAtS) {
                continue;
            }
            if (s.pending() > line) {
                over = true;
            } else if (over) {
                return Math.round((s.atS() - faultAtS) * 10) / 10.0;
            }
        }
        return over ? -1 : 0;
    }

    /** The highest re-emit rate over any {@code windowS}-second window (commits arrive in bursts). */
    synchronized double maxReemitRate(double windowS) {
        double max = 0;
        int from = 0;
        for (int to = 0; to < samples.size(); to++) {
            while (samples.get(to).atS() - samples.get(from).atS() > windowS) {
                from++;
            }
            double span = samples.get(to).atS() - samples.get(from).atS();
            if (span >= windowS * 0.8) {
                max = Math.max(max, (samples.get(to).reemits() - samples.get(from).reemits()) / span);
            }
        }
        return Math.round(max * 10) / 10.0;
    }
}
