package dev.courier.harness;

import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The chaos run: the pipeline under load on a local 3-node cluster while {@link Fault}s are injected one after
 * another; the load goes on until every fault is over (and {@value #LOAD_TAIL_MS} ms more), so each one strikes
 * a busy pipeline and its entry records the deliveries in flight; then the pipeline quiesces, and the
 * reconciliation of the {@link SendLedger} against what the devices received, cross-checked with what was
 * committed downstream ({@link ChaosReport}), decides the verdict. The timeline PNG goes next to the report
 * ({@link Charts#pngNextTo}).
 */
public record ChaosRun(Settings settings, Progress progress) {

    /** The CI profile's load: about 5 minutes with every fault. */
    public static final int CI_DURATION_S = 200;
    public static final int CI_RATE = 150;
    public static final int CI_OUTAGE_S = 30;
    /** How long the load goes on after the last fault is over: its recovery happens under load too. */
    static final long LOAD_TAIL_MS = 10_000;

    /**
     * What to run, made with {@link #builder}. {@code commandMain}: see {@link LocalPipeline.Settings}; {@code messages}
     * 0: duration x rate; {@code report}: where the JSON report goes (the timeline PNG next to it). The duration, rate,
     * conversations and re-emit budget have no defaults here (the CLI's options have them): each must be set, and
     * positive.
     */
    public record Settings(String commandMain, Path runDir, Set<Fault> faults, int durationS, int rate, long messages,
                           int conversations, double poisonRate, double dropRate, int outageS, double reemitBudget,
                           Path report) {
        public Settings {
            faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
            faults.remove(Fault.NONE);
            if (durationS <= 0 || rate <= 0 || conversations <= 0 || !(reemitBudget > 0)) {
                throw new IllegalArgumentException(String.format("durationS %d, rate %d, conversations %d and reemitBudget %s "
                        + "must all be positive", durationS, rate, conversations, reemitBudget));
            }
        }

        public static Builder builder(String commandMain, Path runDir) {
            return new Builder(commandMain, runDir);
        }

        /**
         * Names each setting; {@link #build()} checks them. Unless set: no faults, {@code messages} 0 (duration x rate),
         * no poison, no drops, no outage, the report {@code chaos-report.json} in the run directory.
         */
        public static final class Builder {
            private final String commandMain;
            private final Path runDir;
            private Set<Fault> faults = Set.of();
            private int durationS;
            private int rate;
            private long messages;
            private int conversations;
            private double poisonRate;
            private double dropRate;
            private int outageS;
            private double reemitBudget;
            private Path report;

            private Builder(String commandMain, Path runDir) {
                this.commandMain = commandMain;
                this.runDir = runDir;
            }

            /** The faults to inject; {@link Fault#NONE} is none. */
            public Builder faults(Collection<Fault> faults) {
                this.faults = Set.copyOf(faults);
                return this;
            }

            /** Seconds of load. */
            public Builder durationS(int durationS) {
                this.durationS = durationS;
                return this;
            }

            /** Messages per second. */
            public Builder rate(int rate) {
                this.rate = rate;
                return this;
            }

            /** Stop the load after this many messages; 0: duration x rate. */
            public Builder messages(long messages) {
                this.messages = messages;
                return this;
            }

            /** Distinct conversations, each to one recipient. */
            public Builder conversations(int conversations) {
                this.conversations = conversations;
                return this;
            }

            /** Share of records that are poison, with {@link Fault#POISON}. */
            public Builder poisonRate(double poisonRate) {
                this.poisonRate = poisonRate;
                return this;
            }

            /** Share of deliveries the simulated devices drop. */
            public Builder dropRate(double dropRate) {
                this.dropRate = dropRate;
                return this;
            }

            /** Length of the all-consumers outage. */
            public Builder outageS(int outageS) {
                this.outageS = outageS;
                return this;
            }

            /** The trackers' redelivery.max.per.second. */
            public Builder reemitBudget(double reemitBudget) {
                this.reemitBudget = reemitBudget;
                return this;
            }

            /** Where the JSON report goes; null: {@code chaos-report.json} in the run directory. */
            public Builder report(Path report) {
                this.report = report;
                return this;
            }

            public Settings build() {
                return new Settings(commandMain, runDir, faults, durationS, rate, messages, conversations, poisonRate, dropRate,
                        outageS, reemitBudget, report != null ? report : runDir.resolve("chaos-report.json"));
            }
        }
    }

    /** Runs chaos to its verdict and writes the report and the timeline. */
    public ChaosReport run() throws Exception {
        long total = settings.messages() > 0 ? settings.messages() : (long) settings.durationS() * settings.rate();
        Set<Fault> chosen = settings.faults();
        Path dir = settings.runDir();
        long started = System.currentTimeMillis();
        ExecutorService background = Executors.newCachedThreadPool();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        int partitions = 6;
        boolean slowFault = chosen.contains(Fault.SLOW);
        try (LocalPipeline pipeline = LocalPipeline.start(dir, layout(partitions), progress);
             SchemaRegistryClient registry = SchemaRegistryClients.fromUrl(pipeline.registryUrl());
             DeliveryObserver observer = new DeliveryObserver(pipeline.bootstrapServers(), registry, pipeline.topics());
             PoisonInjector poison = new PoisonInjector(pipeline.bootstrapServers(), registry, pipeline.topics())) {
            background.submit(observer);
            SendLedger ledger = new SendLedger();
            FaultLog faultLog = new FaultLog(started, () -> inFlight(ledger, observer));
            SlowDelivery slow = slowFault ? new SlowDelivery(pipeline.bootstrapServers(), registry, pipeline.topics(), ledger,
                    poison, observer) : null;
            try (slow) { // null without the slow fault: nothing to close
                FaultInjector injector = new FaultInjector(pipeline, faultLog, progress, settings.outageS() * 1000L, slow);
                Timeline timeline = new Timeline(started);
                sampler.scheduleAtFixedRate(() -> timeline.sample(() -> observer.deliveredAt().size(), observer::reemits,
                        () -> ledger.acked().size() - settled(ledger, observer)), 1, 1, TimeUnit.SECONDS);

                TrafficMeter traffic = TrafficMeter.start(pipeline.cluster().admin(), progress);
                Future<?> faultRun = background.submit(() -> {
                    runFaults(chosen, injector, settings.durationS());
                    return null;
                });
                long loadStart = System.currentTimeMillis();
                long published = load(pipeline, total, chosen.contains(Fault.POISON) ? poison : null, ledger, observer,
                        injector, faultRun);
                faultRun.get();
                progress.say(String.format("load done: %d messages in %.0f s, through every fault; waiting for the pipeline to quiesce...",
                        published, (System.currentTimeMillis() - loadStart) / 1000.0));
                boolean settled = awaitQuiescence(ledger, observer, poison, injector);
                progress.finish();
                Map<String, Map<Integer, Long>> end = traffic.end();
                if (end != null) {
                    observer.awaitRead(end, Duration.ofSeconds(60));
                }
                timeline.sample(() -> observer.deliveredAt().size(), observer::reemits,
                        () -> ledger.acked().size() - settled(ledger, observer));
                UnreadReemits.Result unread = observer.unreadReemits();
                ChaosReport result = ChaosReport.reconcile(ledger, observer, unread, traffic.written(), poison,
                        slow == null ? Set.of() : slow.keys(), HandLogs.read(pipeline.handLogs()), faultLog.faults(), timeline,
                        started, settled, settings.reemitBudget() * partitions);
                result.write(settings.report());
                Reconciliation.listReemitsOfUnread(dir, unread);
                TimelineChart.write(timeline, faultLog.faults(), timelinePng());
                return result;
            }
        } finally {
            sampler.shutdownNow();
            background.shutdownNow();
        }
    }

    /**
     * The pipeline the run needs: 2 trackers with the run's re-emit budget, 2 consumers whose devices drop the run's
     * share of deliveries; with the slow fault, {@link SlowDelivery#RECIPIENTS}' devices are slow and the consumers'
     * transaction timeout is {@link SlowDelivery#TRANSACTION_TIMEOUT_MS}, so that the fault costs half a minute.
     */
    LocalPipeline.Settings layout(int partitions) {
        boolean slow = settings.faults().contains(Fault.SLOW);
        LocalPipeline.Devices devices = slow
                ? new LocalPipeline.Devices(settings.dropRate(), 1, SlowDelivery.RECIPIENTS, SlowDelivery.DELIVERY_MS)
                : LocalPipeline.Devices.of(settings.dropRate(), 1);
        Map<String, String> consumerProperties = slow
                ? Map.of(DeliveryConsumerConfig.TRANSACTION_TIMEOUT_MS_CONFIG, String.valueOf(SlowDelivery.TRANSACTION_TIMEOUT_MS))
                : Map.of();
        return new LocalPipeline.Settings(settings.commandMain(), partitions, 2, 2, 10_000, devices,
                Map.of("redelivery.max.per.second", String.valueOf(settings.reemitBudget())), consumerProperties);
    }

    /** Where the timeline picture goes: next to the report. */
    public Path timelinePng() {
        return Charts.pngNextTo(settings.report(), "-timeline");
    }

    /** Faults one after another ({@link ChaosPlan#chaosSchedule}), spread over the load, each given time to recover. */
    private static void runFaults(Set<Fault> chosen, FaultInjector injector, int durationS) throws Exception {
        List<Fault> ordered = ChaosPlan.chaosSchedule(chosen);
        if (ordered.isEmpty()) {
            return;
        }
        long start = System.currentTimeMillis();
        long gapMs = Math.max(5_000, durationS * 1000L / (ordered.size() + 1) / 3);
        TimeUnit.MILLISECONDS.sleep(gapMs);
        for (Fault f : ordered) {
            injector.inject(f);
            long left = durationS * 1000L - (System.currentTimeMillis() - start);
            TimeUnit.MILLISECONDS.sleep(Math.max(3_000, Math.min(gapMs, left / 2)));
        }
    }

    /**
     * Publishes at the rate until {@code total} messages are sent and the faults are over, then
     * {@value #LOAD_TAIL_MS} ms more; returns how many messages it published.
     */
    private long load(LocalPipeline pipeline, long total, PoisonInjector poison, SendLedger ledger,
                      DeliveryObserver observer, FaultInjector injector, Future<?> faultRun) throws InterruptedException {
        long[] seq = new long[settings.conversations()];
        Semaphore inFlight = new Semaphore(20_000);
        double poisonDebt = 0;
        long i = 0;
        long tailEnd = Long.MAX_VALUE;
        try (CourierProducer producer = new CourierProducer(pipeline.assembly().producerConfig())) {
            long start = System.nanoTime();
            for (; i < total || System.currentTimeMillis() < tailEnd; i++) {
                if (tailEnd == Long.MAX_VALUE && faultRun.isDone()) {
                    tailEnd = System.currentTimeMillis() + LOAD_TAIL_MS;
                }
                long wait = start + (long) (i * 1e9 / settings.rate()) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (poison != null && (poisonDebt += settings.poisonRate()) >= 1) {
                    poisonDebt -= 1;
                    poison.inject();
                }
                int c = (int) (i % settings.conversations());
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
                    progress.bar(observer.deliveredAt().size(), Math.max(total, i), "load " + i + (i < total ? "/" + total : "")
                            + injector.active());
                }
            }
            producer.flush();
        }
        return i;
    }

    /** Deliveries sent (intended, whatever Kafka answered yet) and not yet delivered. */
    private static long inFlight(SendLedger ledger, DeliveryObserver observer) {
        long delivered = ledger.acked().keySet().stream().filter(observer.deliveredAt()::containsKey).count();
        return ledger.intents() - delivered;
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
                                    FaultInjector injector) throws InterruptedException {
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
}
