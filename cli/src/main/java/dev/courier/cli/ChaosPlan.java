package dev.courier.cli;

import dev.courier.cli.DemoCommand.Fault;
import dev.courier.deploy.LocalCluster;
import dev.courier.schemas.CourierTopics;
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
 *   <li>broker: SIGKILL the leader of send partition 0, restart it after {@value #BROKER_DOWN_MS} ms;</li>
 *   <li>consumer: SIGKILL delivery consumer 0 mid-stream, restart it after {@value #PROCESS_DOWN_MS} ms;</li>
 *   <li>tracker: SIGKILL tracker 0 (a transaction is open: it commits every 100 ms), restart it after
 *       {@value #PROCESS_DOWN_MS} ms.</li>
 * </ul>
 */
final class ChaosPlan {

    static final long BROKER_DOWN_MS = 10_000;
    static final long PROCESS_DOWN_MS = 3_000;

    private record Planned(Fault fault, double at) {
    }

    private final List<Planned> pending = new ArrayList<>();
    private final List<Future<?>> fired = new ArrayList<>();
    private final LocalCluster cluster;
    private final CourierTopics topics;
    private final List<ChildJvm> trackers;
    private final List<ChildJvm> consumers;
    private final FaultLog log;
    private final Progress progress;
    private volatile String active = "";

    ChaosPlan(Set<Fault> faults, LocalCluster cluster, CourierTopics topics, List<ChildJvm> trackers,
              List<ChildJvm> consumers, FaultLog log, Progress progress) {
        this.cluster = cluster;
        this.topics = topics;
        this.trackers = trackers;
        this.consumers = consumers;
        this.log = log;
        this.progress = progress;
        List<Fault> ordered = faults.stream().sorted().toList();
        for (int i = 0; i < ordered.size(); i++) {
            pending.add(new Planned(ordered.get(i), (i + 1.0) / (ordered.size() + 1.0)));
        }
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
        switch (fault) {
            case BROKER -> {
                int node = cluster.leaderOf(topics.send(), 0);
                String target = "node-" + node + " (leader of " + topics.send() + "-0)";
                FaultLog.Entry e = log.begin("broker kill -9", target);
                down("broker " + target);
                cluster.killNode(node);
                TimeUnit.MILLISECONDS.sleep(BROKER_DOWN_MS);
                cluster.startNode(node);
                log.recovered(e);
            }
            case CONSUMER -> killAndRestart("consumer kill -9", consumers.get(0));
            case TRACKER -> killAndRestart("tracker kill -9", trackers.get(0));
            case NONE -> {
            }
        }
        active = "";
    }

    private void killAndRestart(String type, ChildJvm victim) throws Exception {
        FaultLog.Entry e = log.begin(type, victim.name() + " (pid " + victim.pid() + ")");
        down(victim.name());
        victim.kill();
        TimeUnit.MILLISECONDS.sleep(PROCESS_DOWN_MS);
        victim.restart();
        log.recovered(e);
    }

    private void down(String what) {
        active = " | " + what + " down";
        progress.say("fault: " + what + " killed with SIGKILL");
    }

    String activeFaults() {
        return active;
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
