package dev.courier.bench;

import dev.courier.deploy.LocalCluster;
import dev.courier.harness.CourierOffsets;
import dev.courier.harness.CourierPipeline;
import dev.courier.harness.EndOffsets;
import dev.courier.harness.Pipeline;
import dev.courier.harness.RecordsWritten;
import dev.courier.harness.UnreadReemits;
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

    /** The tracker's re-emit back-off during the memory phase: far longer than the phase, so nothing is re-emitted. */
    static final Duration MEMORY_ACK_TIMEOUT = Duration.ofHours(1);
    /** Recipients of the memory phase's messages; their devices are offline. */
    private static final String MEMORY_RECIPIENTS = "mem-";

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
            CourierOffsets maxBefore = courier.offsets();
            long maxStarted = System.nanoTime();
            courierPhases.begin(courier.name() + " max", System.currentTimeMillis());
            PhaseResult courierMax = phase(report, runner.maxRate(courier, options.maxPhase(), options.window()));
            double max = courierMaxRate(courierMax, maxBefore, courier.offsets(), (System.nanoTime() - maxStarted) / 1e9,
                    report);
            double at50 = Math.max(1, 0.5 * max);
            double at80 = Math.max(1, 0.8 * max);
            awaitCaughtUp(courier, 100);
            long changelogBefore = courier.trackerChangelogRecords();
            CourierOffsets before50 = courier.offsets();
            Map<String, Map<Integer, Long>> offsetsBefore = everyEndOffset(admin);
            courierPhases.begin("courier @50%", System.currentTimeMillis());
            PhaseResult c50 = phase(report, runner.fixedRate(courier, "courier @50%", at50, options.fixedPhase()));
            awaitCaughtUp(courier, 100);
            CourierOffsets after50 = courier.offsets();
            changelogPerMessage(report, courier.trackerChangelogRecords() - changelogBefore,
                    before50 == null || after50 == null ? -1
                            : after50.consumersOnSend().committed() - before50.consumersOnSend().committed());
            recordsPerMessage(report, offsetsBefore, everyEndOffset(admin), c50.delivered());
            courierPhases.begin("courier @80%", System.currentTimeMillis());
            PhaseResult c80 = phase(report, runner.fixedRate(courier, "courier @80%", at80, options.fixedPhase()));
            awaitCaughtUp(courier, 100);
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
     * Tracker state writes per message at 50% load: pending-store changelog records over the send records the
     * consumers committed (messages: nothing is re-emitted at this load). The tracker keeps state only for a
     * delivery a consumer could not settle (RETRY, HELD): one delivered on its first attempt writes nothing;
     * one that was not writes its entry and, once settled, a tombstone (unless both fall in one commit
     * interval, {@code CacheCoalescing}). Transaction markers of the changelog count too.
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
     * Courier's maximum ({@link CourierMax}): what the consumers committed per second (each committed send record
     * with its ack), not the tracker's pace. The tracker is not on the delivery path: it reads the ack topic and
     * keeps state only for what a consumer did not deliver, so its lag delays re-emits, not deliveries; if it
     * grew, the phase says so ({@code downstream_lag_growing}). {@code courier_max_tracker_per_s} is the ack-topic
     * records (one AckBatch per consumer transaction and partition, not messages) the tracker committed per
     * second over the phase.
     */
    private double courierMaxRate(PhaseResult phase, CourierOffsets before, CourierOffsets after, double seconds,
                                  BenchReport report) {
        CourierMax max = CourierMax.of(phase.deliveredPerSecond(), phase.committedPerSecond());
        report.detail("courier_max_delivered_per_s", phase.deliveredPerSecond());
        if (before != null && after != null && seconds > 0) {
            report.detail("courier_max_tracker_per_s",
                    Math.round((after.trackerOnAck().committed() - before.trackerOnAck().committed()) / seconds));
        }
        if (max.bound() != null) {
            report.detail("courier_max_bound", max.bound());
        }
        progress.accept(String.format("  courier max: handed %.0f/s to the Deliverer, committed %s; using %.0f/s%s",
                phase.deliveredPerSecond(), phase.committedPerSecond() < 0 ? "not measured"
                        : String.format("%.0f/s", phase.committedPerSecond()), max.perSecond(),
                phase.downstreamLagGrowing() ? "; the tracker fell behind on the ack topic (re-emits would be late)" : ""));
        return max.perSecond();
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
            long droppedBefore = courier.droppedFirstAttempts();
            courier.dropFraction(options.dropFraction());
            PhaseResult r = runner.fixedRate(courier, "courier drop", Math.max(1, rate), options.redeliveryPhase());
            courier.dropFraction(0);
            report.phase(r);
            // A dropped delivery is re-emitted one back-off (ack timeout + up to 20% jitter) after the consumer
            // committed its RETRY ack; the phase's drain already waited for most of them to be delivered again.
            awaitReemits(watcher, courier.droppedFirstAttempts() - droppedBefore,
                    Duration.ofMillis((long) (courier.ackTimeoutMs() * 1.2) + 3000));
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
     * Tracker memory per pending delivery. Pending tracker state exists only for deliveries a consumer read and
     * did not settle, so the phase makes exactly those: the devices of its recipients are offline (the Deliverer
     * answers RETRY; each RETRY ack carries the send event and creates the tracker's state), and the tracker is
     * restarted with a re-emit back-off of {@link #MEMORY_ACK_TIMEOUT} so nothing is re-emitted while it is
     * measured. The same number of messages is sent in each step; after each, once the consumers have committed
     * every send record and the tracker every ack record: heap after GC (this JVM: the tracker plus clients whose
     * memory does not grow with pending deliveries) plus the tracker's RocksDB memory, against the deliveries the
     * consumers committed a RETRY for. The least-squares slope ({@link PendingMemory}), minus the payload, is the
     * figure. Last phase: the offline deliveries are left pending.
     */
    private void memoryPerPending(CourierPipeline courier, BenchReport report) throws Exception {
        int steps = 5;
        // The Streams cache (10 MB) and RocksDB memtables fill first and are bounded: the slope is taken from
        // the first step on, and the full run goes well past them.
        int perStep = options.quick() ? 4_000 : 30_000;
        long exact = 2L * options.partitions(); // a trailing transaction marker per partition, at most
        progress.accept("courier: memory per pending delivery (devices offline: every delivery RETRY'd, re-emit back-off "
                + MEMORY_ACK_TIMEOUT.toMinutes() + " min; " + steps + " steps of " + perStep + ") ...");
        try {
            courier.restartTracker(MEMORY_ACK_TIMEOUT.toMillis());
        } catch (Exception e) {
            progress.accept("  not measured: the tracker did not restart with the long back-off: " + e);
            report.detail("bytes_per_pending_error", e.toString());
            return;
        }
        courier.devicesOffline(MEMORY_RECIPIENTS);
        PendingMemory memory = new PendingMemory();
        MemoryMXBean heapBean = ManagementFactory.getMemoryMXBean();
        CourierOffsets start = null;
        long sent = 0;
        for (int step = 0; step <= steps; step++) {
            if (step > 0) {
                for (int i = 0; i < perStep; i++) {
                    courier.send(MEMORY_RECIPIENTS + (i % 1000), Payload.create(options.payloadBytes(), System.nanoTime()), () -> { });
                }
                sent += perStep;
            }
            if (!awaitCaughtUp(courier, exact, exact)) {
                progress.accept("  not caught up after 2 minutes: this step's pending count is what was committed so far");
            }
            CourierOffsets now = courier.offsets();
            if (step == 0) {
                start = now;
            }
            long pending = start != null && now != null
                    ? now.consumersOnSend().committed() - start.consumersOnSend().committed() : sent;
            if (start != null && now != null && now.consumersOnSend().end() - start.consumersOnSend().end() > sent + exact) {
                progress.accept("  the send topic grew by more than was sent: the tracker re-emitted during the phase");
            }
            System.gc();
            long heap = heapBean.getHeapMemoryUsage().getUsed();
            long rocks = courier.trackerRocksDbBytes();
            memory.add(pending, heap, rocks);
            progress.accept(String.format("  pending %7d: heap %6.1f MB + RocksDB %6.1f MB", pending, heap / 1e6, rocks / 1e6));
        }
        double slope = memory.bytesPerPending();
        double perPending = slope - options.payloadBytes();
        long[] range = memory.range();
        report.put("bytes_per_pending", Math.round(perPending));
        report.detail("bytes_per_pending_with_payload", Math.round(slope));
        report.detail("bytes_per_pending_method", "slope of heap-after-GC + tracker RocksDB memory from " + range[0]
                + " to " + range[1] + " pending deliveries (read by a consumer and answered RETRY: devices offline, "
                + "re-emit back-off " + MEMORY_ACK_TIMEOUT.toMinutes() + " min), minus the " + options.payloadBytes()
                + "-byte payload");
        progress.accept(String.format("  %.0f bytes per pending delivery beyond its %d-byte payload", perPending,
                options.payloadBytes()));
    }

    /**
     * Waits (at most two minutes) until the delivery consumers have committed all but {@code sendSlack} records of
     * the send topic (the tracker's re-emits keep a few in flight) and the tracker all but two records per partition
     * of the ack topic (a trailing transaction marker), so that a phase does not pay for the backlog of the one
     * before. The tracker no longer reads the send topic.
     */
    private boolean awaitCaughtUp(CourierPipeline courier, long sendSlack) throws InterruptedException {
        return awaitCaughtUp(courier, sendSlack, 2L * options.partitions());
    }

    private boolean awaitCaughtUp(CourierPipeline courier, long sendSlack, long ackSlack) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            CourierOffsets offsets = courier.offsets();
            if (offsets != null && offsets.caughtUp(sendSlack, ackSlack)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** Waits until the watcher has seen {@code expected} re-emits, or {@code patience} has passed. */
    private static void awaitReemits(StatusWatcher watcher, long expected, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (watcher.lateness().reemitsSeen() < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
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
