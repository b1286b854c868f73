package dev.courier.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The demo's faults: each chosen fault fires once while messages are being published, spread evenly over
 * the publishing (with three faults: at 25%, 50% and 75%), and each victim comes back after a while.
 *
 * <ul>
 *   <li>broker: SIGKILL the leader of send partition 0, restart it after
 *       {@value FaultInjector#BROKER_DOWN_MS} ms;</li>
 *   <li>consumer: SIGKILL delivery consumer 0 mid-stream, restart it after
 *       {@value FaultInjector#PROCESS_DOWN_MS} ms;</li>
 *   <li>tracker: SIGKILL tracker 0 (it commits a transaction every 500 ms, so one is open), restart it
 *       after {@value FaultInjector#PROCESS_DOWN_MS} ms.</li>
 * </ul>
 */
final class ChaosPlan {

    private record Planned(Fault fault, double at) {
    }

    private final List<Planned> pending = new ArrayList<>();
    private final List<Future<?>> fired = new ArrayList<>();
    private final FaultInjector injector;

    ChaosPlan(Set<Fault> faults, FaultInjector injector) {
        this.injector = injector;
        List<Fault> ordered = faults.stream().sorted().toList();
        for (int i = 0; i < ordered.size(); i++) {
            pending.add(new Planned(ordered.get(i), (i + 1.0) / (ordered.size() + 1.0)));
        }
    }

    /**
     * The chaos run's schedule: every chosen fault but {@link Fault#POISON} (mixed into the load) and
     * {@link Fault#NONE}, one after another, in the order of {@link Fault}.
     */
    static List<Fault> chaosSchedule(Set<Fault> chosen) {
        return chosen.stream().filter(f -> f != Fault.POISON && f != Fault.NONE).sorted().toList();
    }

    /** Fires every planned fault whose moment ({@code fraction} of the messages published) has come. */
    synchronized void maybeInject(double fraction, ExecutorService executor) {
        pending.removeIf(p -> {
            if (p.at() > fraction) {
                return false;
            }
            fired.add(executor.submit(() -> {
                inject(p.fault());
                return null;
            }));
            return true;
        });
    }

    private void inject(Fault fault) throws Exception {
        injector.inject(fault);
    }

    String activeFaults() {
        return injector.active();
    }

    synchronized boolean allRecovered() {
        return pending.isEmpty() && fired.stream().allMatch(Future::isDone);
    }

    /** Waits for every fired fault's victim to be back; fails if a fault could not be injected or undone. */
    void awaitRecoveries() throws Exception {
        List<Future<?>> all;
        synchronized (this) {
            all = List.copyOf(fired);
        }
        for (Future<?> f : all) {
            f.get(5, TimeUnit.MINUTES);
        }
    }
}
