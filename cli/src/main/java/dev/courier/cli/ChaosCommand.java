package dev.courier.cli;

import dev.courier.bench.UnreadReemits;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code courier chaos}: the pipeline under load on a local 3-node cluster while faults are injected on a
 * schedule; then the load stops, the pipeline quiesces, and a reconciliation of the ledger (every send
 * intent, Kafka acknowledgment and failure) against everything committed downstream decides the verdict.
 * It exits non-zero if anything acknowledged was lost, the application saw a duplicate, a conversation
 * was received out of order, or the tracker re-emitted a delivery no consumer had read and committed
 * ({@code reemits_of_unread}). It also counts every record the run wrote to every topic per delivered
 * message ({@code records_per_message}). A PNG timeline of the run is written next to the report.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Run the pipeline under load while injecting faults, then reconcile and draw the timeline.",
                "Exit code 0 only if lost, duplicates_to_app, order_violations and reemits_of_unread are all 0."})
public final class ChaosCommand implements Callable<Integer> {

    enum FaultType { LEADER, CONTROLLER, FREEZE, MAJORITY, CONSUMER, TRACKER, OUTAGE, POISON }

    @Option(names = "--faults", split = ",", defaultValue = "leader,controller,freeze,majority,consumer,tracker,outage,poison",
            description = "Faults, comma-separated: leader (kill -9 a busy partition's leader, twice, chasing it), "
                    + "controller, freeze (SIGSTOP a broker 15 s), majority (kill 2 of 3 brokers 20 s), consumer, "
                    + "tracker, outage (every consumer down for --outage-s), poison (bad records among the load). "
                    + "Default: all.")
    List<FaultType> faults;

    @Option(names = "--duration", defaultValue = "600", description = "Seconds of load (default: ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--rate", defaultValue = "300", description = "Messages per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--messages", defaultValue = "0", description = "Stop the load after this many messages (default: duration x rate).")
    long messages;

    @Option(names = "--conversations", defaultValue = "500", description = "Distinct conversations, each to one recipient (default: ${DEFAULT-VALUE}).")
    int conversations;

    @Option(names = "--poison-rate", defaultValue = "0.01", description = "Share of records that are poison, with --faults poison (default: ${DEFAULT-VALUE}).")
    double poisonRate;

    @Option(names = "--drop-rate", defaultValue = "0.01",
            description = "Share of deliveries the simulated devices drop (RETRY), so that re-emits and the consumers' "
                    + "order hold are exercised (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--outage-s", defaultValue = "120", description = "Length of the all-consumers outage (default: ${DEFAULT-VALUE}).")
    int outageS;

    @Option(names = "--reemit-budget", defaultValue = "20",
            description = "Tracker re-emits per second per partition (redelivery.max.per.second), low enough that the "
                    + "limit shows after an outage (default: ${DEFAULT-VALUE}).")
    double reemitBudget;

    @Option(names = "--report", description = "Write the JSON report here; the timeline PNG goes next to it.")
    Path report;

    @Option(names = "--ci", description = "The CI profile: about 5 minutes, every fault, 1%% poison, 1%% drops.")
    boolean ci;

    @Option(names = "--dir", defaultValue = "work/chaos", description = "Work directory; each run gets a subdirectory (default: ${DEFAULT-VALUE}).")
    Path baseDir;

    @Override
    public Integer call() throws Exception {
        if (ci) {
            durationS = 200;
            rate = 150;
            outageS = 30;
        }
        long total = messages > 0 ? messages : (long) durationS * rate;
        Set<FaultType> chosen = EnumSet.copyOf(faults);
        Path dir = baseDir.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Progress progress = new Progress();
        progress.say("work directory: " + dir.toAbsolutePath());
        long started = System.currentTimeMillis();
        ExecutorService background = Executors.newCachedThreadPool();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        int partitions = 6;
        LocalPipeline.Settings settings = new LocalPipeline.Settings(partitions, 2, 2, 10_000, dropRate, 1,
                Map.of("redelivery.max.per.second", String.valueOf(reemitBudget)));
        try (LocalPipeline pipeline = LocalPipeline.start(dir, settings, progress);
             SchemaRegistryClient registry = SchemaRegistryClients.fromUrl(pipeline.registryUrl());
             DeliveryObserver observer = new DeliveryObserver(pipeline.bootstrapServers(), registry, pipeline.topics());
             PoisonInjector poison = new PoisonInjector(pipeline.bootstrapServers(), registry, pipeline.topics())) {
            background.submit(observer);
            FaultLog faultLog = new FaultLog(started);
            FaultInjector injector = new FaultInjector(pipeline, faultLog, progress);
            SendLedger ledger = new SendLedger();
            Timeline timeline = new Timeline(started);
            sampler.scheduleAtFixedRate(() -> timeline.sample(() -> observer.deliveredAt().size(), observer::reemits,
                    () -> ledger.acked().size() - settled(ledger, observer)), 1, 1, TimeUnit.SECONDS);

            TrafficMeter traffic = TrafficMeter.start(pipeline.cluster().admin(), progress);
            Future<?> faultRun = background.submit(() -> {
                runFaults(chosen, injector, durationS, outageS * 1000L);
                return null;
            });
            long loadStart = System.currentTimeMillis();
            load(pipeline, total, chosen.contains(FaultType.POISON) ? poison : null, ledger, observer, injector, progress);
            progress.say(String.format("load done: %d messages in %.0f s; waiting for the faults to end and the pipeline to quiesce...",
                    total, (System.currentTimeMillis() - loadStart) / 1000.0));
            faultRun.get();
            boolean settled = awaitQuiescence(ledger, observer, poison, progress, injector);
            progress.finish();
            Map<String, Map<Integer, Long>> end = traffic.end();
            if (end != null) {
                observer.awaitRead(end, Duration.ofSeconds(60));
            }
            timeline.sample(() -> observer.deliveredAt().size(), observer::reemits,
                    () -> ledger.acked().size() - settled(ledger, observer));
            UnreadReemits.Result unread = observer.unreadReemits();
            ChaosReport result = ChaosReport.reconcile(ledger, observer, unread, traffic.written(), poison,
                    HandLogs.read(pipeline.handLogs()), faultLog.faults(), timeline, started, settled,
                    reemitBudget * partitions);
            System.out.println(result.table());
            Path out = report != null ? report : dir.resolve("chaos-report.json");
            result.write(out);
            Reconciliation.listReemitsOfUnread(dir, unread);
            Path png = pngNextTo(out);
            TimelineChart.write(timeline, faultLog.faults(), png);
            System.out.println("report: " + out.toAbsolutePath());
            System.out.println("timeline: " + png.toAbsolutePath());
            System.out.println(result.passed()
                    ? "PASS: nothing lost, no duplicate, no order violation, no re-emit of an unread delivery"
                    : "FAIL: " + result.failure());
            return result.passed() ? 0 : 1;
        } finally {
            sampler.shutdownNow();
            background.shutdownNow();
        }
    }

    static Path pngNextTo(Path report) {
        String name = report.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return report.toAbsolutePath().resolveSibling(base + "-timeline.png");
    }

    /** Faults one after another, spread over the load, each given time to recover before the next. */
    private static void runFaults(Set<FaultType> chosen, FaultInjector injector, int durationS, long outageMs)
            throws Exception {
        List<FaultType> ordered = chosen.stream().filter(f -> f != FaultType.POISON).sorted().toList();
        if (ordered.isEmpty()) {
            return;
        }
        long start = System.currentTimeMillis();
        long gapMs = Math.max(5_000, durationS * 1000L / (ordered.size() + 1) / 3);
        TimeUnit.MILLISECONDS.sleep(gapMs);
        for (FaultType f : ordered) {
            switch (f) {
                case LEADER -> injector.killPartitionLeader(2);
                case CONTROLLER -> injector.killActiveController();
                case FREEZE -> injector.freezeBroker();
                case MAJORITY -> injector.killMajority();
                case CONSUMER -> injector.killConsumer(0);
                case TRACKER -> injector.killTracker(0);
                case OUTAGE -> injector.consumerOutage(outageMs);
                case POISON -> {
                }
            }
            long left = durationS * 1000L - (System.currentTimeMillis() - start);
            TimeUnit.MILLISECONDS.sleep(Math.max(3_000, Math.min(gapMs, left / 2)));
        }
    }

    private void load(LocalPipeline pipeline, long total, PoisonInjector poison, SendLedger ledger,
                      DeliveryObserver observer, FaultInjector injector, Progress progress) throws InterruptedException {
        CourierProducerConfig config = new CourierProducerConfig(Map.of(
                CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers(),
                CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, pipeline.registryUrl()));
        long[] seq = new long[conversations];
        Semaphore inFlight = new Semaphore(20_000);
        double poisonDebt = 0;
        try (CourierProducer producer = new CourierProducer(config)) {
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (poison != null && (poisonDebt += poisonRate) >= 1) {
                    poisonDebt -= 1;
                    poison.inject();
                }
                int c = (int) (i % conversations);
                String recipient = "user-" + c;
                OutgoingMessage message = OutgoingMessage.builder().senderId("chaos").recipients(recipient)
                        .conversationId("conv-" + c).seq(seq[c]++)
                        .payload(("chaos message " + i).getBytes(StandardCharsets.UTF_8)).build();
                inFlight.acquire();
                long sentAt = System.currentTimeMillis();
                ledger.intent();
                producer.send(message).whenComplete((receipt, error) -> {
                    inFlight.release();
                    if (error == null) {
                        ledger.acked().put(CourierTopics.deliveryKey(receipt.messageId(), recipient), sentAt);
                    } else if (rootCause(error) instanceof TimeoutException) {
                        ledger.indeterminate().incrementAndGet();
                    } else {
                        ledger.failed().incrementAndGet();
                    }
                });
                if (i % 500 == 0) {
                    progress.bar(observer.deliveredAt().size(), total, "load " + i + "/" + total + injector.active());
                }
            }
            producer.flush();
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static long settled(SendLedger ledger, DeliveryObserver observer) {
        return ledger.acked().keySet().stream().filter(k -> observer.deliveredAt().containsKey(k)
                || observer.deadLettered().containsKey(k)).count();
    }

    private boolean awaitQuiescence(SendLedger ledger, DeliveryObserver observer, PoisonInjector poison,
                                    Progress progress, FaultInjector injector) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 600_000;
        while (System.currentTimeMillis() < deadline) {
            long settled = settled(ledger, observer);
            boolean poisonDone = observer.deadLetteredOrigins().containsAll(poison.poisonOrigins());
            progress.bar(settled, ledger.acked().size(), "re-emits " + observer.reemits() + injector.active());
            if (settled >= ledger.acked().size() && poisonDone) {
                return true;
            }
            Thread.sleep(1_000);
        }
        return false;
    }

    /** Every send intent and what Kafka answered. */
    static final class SendLedger {
        private final AtomicLong intents = new AtomicLong();
        private final Map<String, Long> acked = new ConcurrentHashMap<>();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong indeterminate = new AtomicLong();

        void intent() {
            intents.incrementAndGet();
        }

        long intents() {
            return intents.get();
        }

        /** delivery key -> when it was sent, for every send the brokers acknowledged. */
        Map<String, Long> acked() {
            return acked;
        }

        AtomicLong failed() {
            return failed;
        }

        AtomicLong indeterminate() {
            return indeterminate;
        }
    }
}
