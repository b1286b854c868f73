package dev.courier.bench;

import dev.courier.deploy.LocalCluster;
import dev.courier.schemas.CourierTopics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The bench as a library: raw Kafka vs a share group vs Courier on the same topic settings, then Courier's
 * redelivery lateness and its recovery from a broker kill. {@code bin/courier bench} is a thin wrapper.
 *
 * <p>Order: Courier's max rate first (the fixed rates of every pipeline are 50% and 80% of it), then for
 * each of courier, raw, share: max rate, 50%, 80%; then Courier's redelivery lateness; the broker kill
 * last (it leaves the cluster degraded). Over Courier's 50% phase it also counts every record written to
 * every topic of the cluster per delivered message; once Courier is stopped it reads its send and ack topics
 * back for re-emits of deliveries no consumer had read ({@link UnreadReemits}), per Courier phase.
 */
public final class CourierBench {

    private final BenchOptions options;
    private final Consumer<String> progress;

    public CourierBench(BenchOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        Path dir = options.workDir().resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        LocalCluster cluster = null;
        String bootstrap = options.bootstrapServers();
        try {
            if (bootstrap == null) {
                progress.accept("starting a local 3-node KRaft cluster in " + dir + " ...");
                cluster = LocalCluster.builder().nodes(3).workDir(dir.resolve("cluster")).brokerHeap("512m").build();
                cluster.start();
                bootstrap = cluster.bootstrapServers();
            }
            progress.accept("cluster: " + bootstrap);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                return runPhases(bootstrap, admin, cluster, dir);
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private BenchReport runPhases(String bootstrap, Admin admin, LocalCluster cluster, Path dir) throws Exception {
        BenchReport report = new BenchReport();
        report.detail("mode", options.quick() ? "quick" : "full");
        report.detail("partitions", options.partitions());
        report.detail("payload_bytes", options.payloadBytes());
        report.detail("consumers_per_pipeline", options.consumers());
        report.detail("max_rate_method", "closed loop, window " + options.window() + " messages between send and delivery");
        String run = "bench" + System.currentTimeMillis() % 100_000_000;
        PhaseProbe.Slot slot = new PhaseProbe.Slot();
        PhaseRunner runner = new PhaseRunner(slot, options.payloadBytes(), options.partitions(), options.warmup(),
                options.quick() ? Duration.ofSeconds(12) : Duration.ofSeconds(30));
        int p = options.partitions();
        int c = options.consumers();
        PhaseTimes courierPhases = new PhaseTimes();
        CourierTopics courierTopics;
        String courierRegistry;

        try (CourierPipeline courier = new CourierPipeline(bootstrap, admin, run, p, c, options.ackTimeoutMs(),
                dir.resolve("tracker-state"), slot)) {
            courierTopics = courier.topics();
            courierRegistry = courier.registryUrl();
            progress.accept("courier: starting producer, tracker and " + c + " delivery consumers ...");
            courier.start();
            long committedBefore = courier.trackerCommittedRecords();
            long maxStarted = System.nanoTime();
            courierPhases.begin(courier.name() + " max", System.currentTimeMillis());
            PhaseResult courierMax = phase(report, runner.maxRate(courier, options.maxPhase(), options.window()));
            double trackerPerSecond = (courier.trackerCommittedRecords() - committedBefore)
                    / (double) CourierPipeline.TRACKER_RECORDS_PER_MESSAGE / ((System.nanoTime() - maxStarted) / 1e9);
            double max = sustainedCourierRate(courierMax, trackerPerSecond, report);
            double at50 = Math.max(1, 0.5 * max);
            double at80 = Math.max(1, 0.8 * max);
            awaitTrackerCaughtUp(courier, 100);
            long changelogBefore = courier.trackerChangelogRecords();
            long trackedBefore = courier.trackerCommittedRecords();
            Map<String, Map<Integer, Long>> offsetsBefore = everyEndOffset(admin);
            courierPhases.begin("courier @50%", System.currentTimeMillis());
            PhaseResult c50 = phase(report, runner.fixedRate(courier, "courier @50%", at50, options.fixedPhase()));
            awaitTrackerCaughtUp(courier, 100);
            changelogPerMessage(report, courier.trackerChangelogRecords() - changelogBefore,
                    (courier.trackerCommittedRecords() - trackedBefore) / CourierPipeline.TRACKER_RECORDS_PER_MESSAGE);
            recordsPerMessage(report, offsetsBefore, everyEndOffset(admin), c50.delivered());
            courierPhases.begin("courier @80%", System.currentTimeMillis());
            PhaseResult c80 = phase(report, runner.fixedRate(courier, "courier @80%", at80, options.fixedPhase()));
            awaitTrackerCaughtUp(courier, 100);
            report.put("courier_per_s", max);
            report.put("p50_ms", c50.latency().p50Ms());
            report.put("p99_ms", c50.latency().p99Ms());
            report.put("p999_ms", c50.latency().p999Ms());
            report.put("p99_ms_at_80", c80.latency().p99Ms());

            for (Pipeline other : List.<Pipeline>of(
                    new RawPipeline(bootstrap, admin, run + "-raw", p, c, slot),
                    new SharePipeline(bootstrap, admin, run + "-share", p, c, slot))) {
                try (other) {
                    progress.accept(other.name() + ": starting ...");
                    other.start();
                    PhaseResult m = phase(report, runner.maxRate(other, options.maxPhase(), options.window()));
                    phase(report, runner.fixedRate(other, other.name() + " @50%", at50, options.fixedPhase()));
                    phase(report, runner.fixedRate(other, other.name() + " @80%", at80, options.fixedPhase()));
                    report.put(other.name() + "_per_s", m.deliveredPerSecond());
                    if (m.deliveredPerSecond() > 0) {
                        report.put("courier_vs_" + other.name(), max / m.deliveredPerSecond());
                    }
                } catch (Exception e) {
                    progress.accept(other.name() + " failed: " + e);
                    report.detail(other.name() + "_error", e.toString());
                }
            }

            courierPhases.begin("courier drop", System.currentTimeMillis());
            redelivery(bootstrap, courier, runner, report, 0.3 * max);
            if (cluster != null) {
                courierPhases.begin("courier kill -9", System.currentTimeMillis());
                recovery(cluster, admin, courier, runner, report, at50);
            } else {
                report.detail("recovery_note", "not measured: --bootstrap-servers given, the bench kills only brokers it started");
            }
            courierPhases.begin("courier memory", System.currentTimeMillis());
            memoryPerPending(courier, report);
        }
        // Courier stopped: its topics are read back without taking CPU from any measured phase.
        unreadReemits(bootstrap, courierTopics, courierRegistry, courierPhases, report);
        return report;
    }

    /**
     * Every record written to every topic of the cluster per delivered message, between two end-offset
     * snapshots (null when one could not be read): {@code records_per_message}, and per topic in
     * {@code records_per_topic}. Against a cluster of one's own ({@code --bootstrap-servers}) other
     * applications' writes count too.
     */
    private void recordsPerMessage(BenchReport report, Map<String, Map<Integer, Long>> before,
                                   Map<String, Map<Integer, Long>> after, long delivered) {
        if (before == null || after == null || delivered <= 0) {
            return;
        }
        RecordsWritten written;
        try {
            written = RecordsWritten.between(before, after);
        } catch (IllegalStateException e) {
            progress.accept("  records per message not measured: " + e.getMessage());
            report.detail("records_per_message_error", e.getMessage());
            return;
        }
        report.put("records_per_message", written.perMessage(delivered));
        report.detail("records_per_topic", written.perTopicPerMessage(delivered));
        progress.accept(String.format("  records written to all topics: %d for %d delivered messages (%.2f per message)",
                written.total(), delivered, written.total() / (double) delivered));
    }

    /** Every topic's end offsets, or null (said on the progress line) if the cluster would not tell in 60 s. */
    private Map<String, Map<Integer, Long>> everyEndOffset(Admin admin) throws InterruptedException {
        try {
            return EndOffsets.ofEveryTopic(admin, Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            progress.accept("  end offsets of every topic could not be read: " + e);
            return null;
        }
    }

    /**
     * {@code reemits_of_unread}: Courier's re-emits of a delivery whose send record no consumer had read and
     * committed when it was re-emitted, from its send and ack topics read back ({@link ReemitScan}), in all
     * and per Courier phase (a phase runs until the next Courier phase begins).
     */
    private void unreadReemits(String bootstrap, CourierTopics topics, String registryUrl, PhaseTimes phases,
                               BenchReport report) {
        progress.accept("courier: reading its send and ack topics back for re-emits of unread deliveries ...");
        try {
            UnreadReemits.Result result = ReemitScan.scan(bootstrap, topics, registryUrl, Duration.ofMinutes(2));
            report.put("reemits_of_unread", result.ofUnread());
            report.detail("reemits_of_unread_by_phase",
                    phases.countBy(result.unread().stream().map(UnreadReemits.Reemit::atMs).toList()));
            report.detail("reemits_read_back", result.reemits());
            progress.accept("  " + result.reemits() + " re-emits, " + result.ofUnread() + " of unread deliveries ("
                    + result.previousNotFound() + " whose previous attempt was not found)");
        } catch (RuntimeException e) {
            progress.accept("  re-emits of unread deliveries not measured: " + e);
            report.detail("reemits_of_unread_error", e.toString());
        }
    }

    /**
     * Tracker state writes per message at 50% load: pending-store changelog records over messages the tracker
     * settled. A put and a delete within one commit interval write nothing ({@code CacheCoalescing}); each
     * delivery whose ack lands in a later interval writes two (the entry and its tombstone).
     */
    private void changelogPerMessage(BenchReport report, long changelogRecords, long messages) {
        if (changelogRecords < 0 || messages <= 0) {
            return;
        }
        double perMessage = changelogRecords / (double) messages;
        report.detail("tracker_changelog_records_per_message_at_50", Math.round(perMessage * 100) / 100.0);
        progress.accept(String.format("  tracker changelog: %d records for %d messages (%.2f per message)",
                changelogRecords, messages, perMessage));
    }

    /**
     * Courier's maximum counts only what the tracker also keeps up with: a delivery is not done until its
     * pending entry is cleared. If the tracker's lag grew during the max phase, the sustained rate is what
     * the tracker committed per second over the phase (its send and ack records, two per message).
     */
    private double sustainedCourierRate(PhaseResult max, double trackerPerSecond, BenchReport report) {
        double delivered = max.deliveredPerSecond();
        report.detail("courier_max_delivered_per_s", delivered);
        report.detail("courier_max_tracker_per_s", Math.round(trackerPerSecond));
        if (!max.downstreamLagGrowing() || trackerPerSecond >= delivered) {
            return delivered;
        }
        double cleared = Math.max(1, trackerPerSecond);
        report.detail("courier_max_bound", "tracker: consumers delivered " + Math.round(delivered) + "/s, the tracker cleared "
                + Math.round(cleared) + "/s");
        progress.accept(String.format("  courier max is tracker-bound: delivered %.0f/s, tracker cleared %.0f/s; using %.0f/s",
                delivered, cleared, cleared));
        return cleared;
    }

    private PhaseResult phase(BenchReport report, PhaseResult result) {
        report.phase(result);
        progress.accept(String.format("  %-16s %8.0f msg/s delivered%s%s", result.label(), result.deliveredPerSecond(),
                result.targetPerSecond() > 0 ? String.format(", p50 %.1f ms, p99 %.1f ms", result.latency().p50Ms(),
                        result.latency().p99Ms()) : "",
                result.lagGrowing() ? ", LAG GROWING" : ""));
        return result;
    }

    private void redelivery(String bootstrap, CourierPipeline courier, PhaseRunner runner, BenchReport report,
                            double rate) throws Exception {
        progress.accept("courier: redelivery lateness (dropping " + options.dropFraction() * 100 + "% of first attempts) ...");
        try (StatusWatcher watcher = new StatusWatcher(bootstrap, courier.topics(), courier.registryUrl())) {
            watcher.start();
            courier.dropFraction(options.dropFraction());
            PhaseResult r = runner.fixedRate(courier, "courier drop", Math.max(1, rate), options.redeliveryPhase());
            courier.dropFraction(0);
            report.phase(r);
            // deadline = ack timeout + up to 20% jitter after the tracker saw the send; then a commit interval
            Thread.sleep((long) (courier.ackTimeoutMs() * 1.2) + 3000);
            RedeliveryLateness.Result result = watcher.lateness().result();
            progress.accept("  re-emits " + result.reemits() + ", early " + result.early() + ", spurious " + result.spurious()
                    + ", lateness p99 " + result.p99Ms() + " ms");
            if (result.reemits() > 0) {
                report.put("redelivery_lateness_p99_ms", result.p99Ms());
                report.put("early_redeliveries", result.early());
            }
            report.detail("redelivery_reemits", result.reemits());
            report.detail("redelivery_lateness_p50_ms", result.p50Ms());
            report.detail("redelivery_lateness_max_ms", result.maxMs());
            report.detail("spurious_redeliveries", result.spurious());
            report.detail("redelivery_unmatched", result.unmatched());
        }
    }

    /**
     * Tracker memory per pending message: acks paused (the Deliverer answers RETRY), the same number of
     * messages sent in each step; after each step, once the tracker has read everything, heap after GC
     * (this JVM: the tracker plus clients whose memory does not grow with pending deliveries) plus the
     * tracker's RocksDB memory. The least-squares slope against the pending count, minus the payload, is
     * the figure. Last phase: the paused deliveries are left to the tracker's re-emits.
     */
    private void memoryPerPending(CourierPipeline courier, BenchReport report) throws Exception {
        int steps = 5;
        // The Streams cache (10 MB) and RocksDB memtables fill first and are bounded: the slope is taken from
        // the first step on, and the full run goes well past them.
        int perStep = options.quick() ? 4_000 : 30_000;
        progress.accept("courier: memory per pending message (acks paused, " + steps + " steps of " + perStep + ") ...");
        courier.pauseAcks(true);
        List<double[]> points = new ArrayList<>();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int step = 0; step <= steps; step++) {
            if (step > 0) {
                for (int i = 0; i < perStep; i++) {
                    courier.send("mem-" + (i % 1000), Payload.create(options.payloadBytes(), System.nanoTime()), () -> { });
                }
            }
            awaitTrackerCaughtUp(courier, perStep / 20);
            System.gc();
            long heap = memory.getHeapMemoryUsage().getUsed();
            long rocks = courier.trackerRocksDbBytes();
            long pending = (long) step * perStep;
            points.add(new double[] {pending, heap + rocks});
            progress.accept(String.format("  pending %7d: heap %6.1f MB + RocksDB %6.1f MB", pending, heap / 1e6, rocks / 1e6));
        }
        courier.pauseAcks(false);
        double slope = LeastSquares.slope(points.subList(1, points.size()), 3);
        double perPending = slope - options.payloadBytes();
        report.put("bytes_per_pending", Math.round(perPending));
        report.detail("bytes_per_pending_with_payload", Math.round(slope));
        report.detail("bytes_per_pending_method", "slope of heap-after-GC + tracker RocksDB memory from " + perStep
                + " to " + steps * perStep + " pending messages, minus the " + options.payloadBytes() + "-byte payload");
        progress.accept(String.format("  %.0f bytes per pending message beyond its %d-byte payload", perPending,
                options.payloadBytes()));
    }

    /**
     * Waits (at most two minutes) until the tracker's lag is within {@code slack} records (its own re-emits
     * keep a few in flight), so that a phase does not pay for the backlog of the one before.
     */
    private void awaitTrackerCaughtUp(CourierPipeline courier, long slack) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            long lag = courier.downstreamLag();
            if (lag >= 0 && lag <= slack) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private void recovery(LocalCluster cluster, Admin admin, CourierPipeline courier, PhaseRunner runner,
                          BenchReport report, double rate) throws Exception {
        String sendTopic = courier.topics().send();
        int controller = cluster.activeControllerNode();
        int victim = cluster.leaderOf(sendTopic, 0);
        for (int part = 0; part < options.partitions(); part++) {
            int leader = cluster.leaderOf(sendTopic, part);
            if (leader != controller) {
                victim = leader;
                break;
            }
        }
        List<Integer> affected = new ArrayList<>();
        for (int part = 0; part < options.partitions(); part++) {
            if (cluster.leaderOf(sendTopic, part) == victim) {
                affected.add(part);
            }
        }
        int node = victim;
        double killAt = options.recoveryPhase().toSeconds() / 3.0;
        progress.accept("courier: kill -9 of node " + node + " (leads send partitions " + affected + ") at "
                + String.format("%.0f", killAt) + " s of a " + options.recoveryPhase().toSeconds() + " s run at "
                + String.format("%.0f", rate) + " msg/s ...");
        long[] killNanos = new long[1];
        PhaseResult r = runner.fixedRateWithAction(courier, "courier kill -9", rate, options.recoveryPhase(), now -> {
            killNanos[0] = now;
            runner.lastProbe().mark(now);
            cluster.killNode(node);
        }, killAt);
        report.phase(r);
        PhaseProbe probe = runner.lastProbe();
        List<Long> firsts = affected.stream().map(probe::firstDeliveryAfterMark).toList();
        OptionalDouble resume = RecoveryAnalysis.resumeSeconds(killNanos[0], firsts);
        int killBucket = probe.rates.bucketOf(killNanos[0]);
        double offset = (killNanos[0] - probe.rates.startNanos()) / 1e9 - killBucket * r.rateBucketSeconds();
        int steady = (int) Math.ceil(options.warmup().toMillis() / 1000.0 / r.rateBucketSeconds());
        OptionalDouble back = RecoveryAnalysis.backTo90Seconds(r.rates(), r.rateBucketSeconds(), steady, killBucket, offset);
        report.killAtSeconds((killNanos[0] - probe.rates.startNanos()) / 1e9);
        if (resume.isPresent()) {
            report.put("recovery_s", resume.getAsDouble());
        }
        report.detail("killed_node", node);
        report.detail("affected_partitions", affected);
        report.detail("recovery_rate_back_to_90pct_s", back.isPresent() ? back.getAsDouble() : null);
        progress.accept("  affected partitions resumed after " + (resume.isPresent() ? String.format("%.2f s", resume.getAsDouble()) : "never")
                + "; rate back to 90% after " + (back.isPresent() ? String.format("%.2f s", back.getAsDouble()) : "never"));
    }
}
