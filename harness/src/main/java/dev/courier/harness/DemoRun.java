package dev.courier.harness;

import dev.courier.deploy.ClusterSecurity;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * The demo: the whole pipeline on a local 3-node cluster ({@link LocalPipeline}, trackers and consumers in
 * their own JVMs), messages published at a steady rate, the chosen {@link Fault}s injected while they flow
 * ({@link ChaosPlan}), a wait until every message the brokers acknowledged is delivered or dead-lettered,
 * and the reconciliation ({@link DemoReport}). The run directory gets the ledger and the re-emits of unread
 * deliveries; the caller prints and writes the report.
 */
public record DemoRun(Settings settings, Progress progress) {

    /**
     * What to run, made with {@link #builder}. {@code commandMain}: see {@link LocalPipeline.Settings}; {@code runDir}:
     * where the cluster, the process logs and the ledger go (created); {@code secure}: the pipeline in secure mode
     * (SASL_SSL, ACLs, an HTTPS registry with basic auth; the demo publishes as the {@code producer} principal and
     * reads as {@code admin}). The counts, rates and times have no defaults here (the CLI's options have them): each
     * must be set, and positive.
     */
    public record Settings(String commandMain, Path runDir, int messages, int recipients, Set<Fault> faults,
                           int rate, int consumers, int trackers, int partitions, double dropRate,
                           long deviceLatencyMs, long ackTimeoutMs, long timeoutS, boolean secure) {
        public Settings {
            faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
            faults.remove(Fault.NONE);
            for (Fault chaosOnly : List.of(Fault.POISON, Fault.SLOW)) {
                if (faults.contains(chaosOnly)) {
                    throw new IllegalArgumentException(chaosOnly.name().toLowerCase(java.util.Locale.ROOT) + " is a chaos "
                            + "fault (courier chaos --faults " + chaosOnly.name().toLowerCase(java.util.Locale.ROOT)
                            + "), not a demo fault");
                }
            }
            if (LongStream.of(messages, recipients, rate, consumers, trackers, partitions, ackTimeoutMs, timeoutS).anyMatch(n -> n <= 0)) {
                throw new IllegalArgumentException(String.format("messages %d, recipients %d, rate %d, consumers %d, trackers %d, "
                        + "partitions %d, ackTimeoutMs %d and timeoutS %d must all be positive", messages, recipients, rate,
                        consumers, trackers, partitions, ackTimeoutMs, timeoutS));
            }
        }

        public static Builder builder(String commandMain, Path runDir) {
            return new Builder(commandMain, runDir);
        }

        /** Names each setting; {@link #build()} checks them. No faults and plain (not secure) unless set. */
        public static final class Builder {
            private final String commandMain;
            private final Path runDir;
            private int messages;
            private int recipients;
            private Set<Fault> faults = Set.of();
            private int rate;
            private int consumers;
            private int trackers;
            private int partitions;
            private double dropRate;
            private long deviceLatencyMs;
            private long ackTimeoutMs;
            private long timeoutS;
            private boolean secure;

            private Builder(String commandMain, Path runDir) {
                this.commandMain = commandMain;
                this.runDir = runDir;
            }

            public Builder messages(int messages) {
                this.messages = messages;
                return this;
            }

            public Builder recipients(int recipients) {
                this.recipients = recipients;
                return this;
            }

            /** The faults to inject; {@link Fault#NONE} is none. */
            public Builder faults(Collection<Fault> faults) {
                this.faults = Set.copyOf(faults);
                return this;
            }

            /** Messages published per second. */
            public Builder rate(int rate) {
                this.rate = rate;
                return this;
            }

            /** Delivery consumer processes. */
            public Builder consumers(int consumers) {
                this.consumers = consumers;
                return this;
            }

            /** Tracker processes. */
            public Builder trackers(int trackers) {
                this.trackers = trackers;
                return this;
            }

            /** Partitions of the send and ack topics. */
            public Builder partitions(int partitions) {
                this.partitions = partitions;
                return this;
            }

            /** Fraction of deliveries the simulated devices drop. */
            public Builder dropRate(double dropRate) {
                this.dropRate = dropRate;
                return this;
            }

            public Builder deviceLatencyMs(long deviceLatencyMs) {
                this.deviceLatencyMs = deviceLatencyMs;
                return this;
            }

            /** The trackers' ack.timeout.ms. */
            public Builder ackTimeoutMs(long ackTimeoutMs) {
                this.ackTimeoutMs = ackTimeoutMs;
                return this;
            }

            /** How long to wait for the deliveries before giving up. */
            public Builder timeoutS(long timeoutS) {
                this.timeoutS = timeoutS;
                return this;
            }

            public Builder secure(boolean secure) {
                this.secure = secure;
                return this;
            }

            public Settings build() {
                return new Settings(commandMain, runDir, messages, recipients, faults, rate, consumers, trackers, partitions,
                        dropRate, deviceLatencyMs, ackTimeoutMs, timeoutS, secure);
            }
        }
    }

    /** Runs the demo to its verdict. */
    public DemoReport run() throws Exception {
        Path dir = settings.runDir();
        CourierTopics topics = CourierTopics.defaults();
        long started = System.currentTimeMillis();

        ExecutorService background = Executors.newCachedThreadPool();
        LocalPipeline.Settings layout = new LocalPipeline.Settings(settings.commandMain(), settings.partitions(),
                settings.trackers(), settings.consumers(), settings.ackTimeoutMs(),
                LocalPipeline.Devices.of(settings.dropRate(), settings.deviceLatencyMs()), Map.of(), Map.of());
        try (LocalPipeline pipeline = LocalPipeline.start(dir, layout, settings.secure(), progress);
             SchemaRegistryClient registry = SchemaRegistryClients.fromConfigs(registryConfigs(pipeline, ClusterSecurity.ADMIN));
             DeliveryObserver observer = new DeliveryObserver(pipeline.bootstrapServers(),
                     pipeline.kafkaSecurity(ClusterSecurity.ADMIN), registry, topics)) {
            background.submit(observer);
            FaultLog faultLog = new FaultLog(started);
            Map<String, Long> ledger = new ConcurrentHashMap<>();
            AtomicLong sendFailed = new AtomicLong();
            ChaosPlan plan = new ChaosPlan(settings.faults(), new FaultInjector(pipeline, faultLog, progress, 0, null));
            TrafficMeter traffic = TrafficMeter.start(pipeline.cluster().admin(), progress);
            long sendStart = System.currentTimeMillis();
            publish(pipeline, ledger, sendFailed, plan, background, observer);
            progress.say(String.format("published %d messages in %.1f s; waiting for deliveries...",
                    settings.messages(), (System.currentTimeMillis() - sendStart) / 1000.0));
            boolean settled = awaitSettled(ledger, observer, plan, started);
            plan.awaitRecoveries();
            Map<String, Map<Integer, Long>> end = traffic.end();
            if (end != null) {
                observer.awaitRead(end, Duration.ofSeconds(60));
            }
            UnreadReemits.Result unread = observer.unreadReemits();
            DemoReport result = DemoReport.reconcile(settings.messages(), ledger, sendFailed.get(), observer, unread,
                    traffic.written(), pipeline.handLogs(), faultLog.faults(), started, sendStart, settled);
            progress.finish();
            writeLedger(dir.resolve("ledger.tsv"), ledger, observer);
            Reconciliation.listReemitsOfUnread(dir, unread);
            return result;
        } finally {
            background.shutdownNow();
        }
    }

    /** The registry URL and {@code principal}'s registry credentials (secure mode), as client configs. */
    private static Map<String, Object> registryConfigs(LocalPipeline pipeline, String principal) {
        Map<String, Object> configs = new HashMap<>(pipeline.registrySecurity(principal));
        configs.put(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, pipeline.registryUrl());
        return configs;
    }

    private void publish(LocalPipeline pipeline, Map<String, Long> ledger, AtomicLong sendFailed,
                         ChaosPlan plan, ExecutorService background, DeliveryObserver observer)
            throws InterruptedException {
        Map<String, Object> props = registryConfigs(pipeline, ClusterSecurity.PRODUCER);
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
        pipeline.kafkaSecurity(ClusterSecurity.PRODUCER)
                .forEach((key, value) -> props.put(CourierProducerConfig.PRODUCER_PREFIX + key, value));
        CourierProducerConfig config = new CourierProducerConfig(props);
        Semaphore inFlight = new Semaphore(5_000);
        long[] seqByConversation = new long[settings.recipients()];
        try (CourierProducer producer = new CourierProducer(config)) {
            long start = System.nanoTime();
            for (int i = 0; i < settings.messages(); i++) {
                long due = start + (long) (i * 1e9 / settings.rate());
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                plan.maybeInject((double) i / settings.messages(), background);
                int r = i % settings.recipients();
                String recipient = "user-" + r;
                OutgoingMessage message = OutgoingMessage.builder()
                        .senderId("demo-sender")
                        .recipients(recipient)
                        .conversationId("conv-" + r)
                        .seq(seqByConversation[r]++)
                        .payload(("message " + i + " to " + recipient).getBytes(StandardCharsets.UTF_8))
                        .build();
                inFlight.acquire();
                long sentAt = System.currentTimeMillis();
                producer.send(message).whenComplete((receipt, error) -> {
                    inFlight.release();
                    if (error != null) {
                        sendFailed.incrementAndGet();
                    } else {
                        ledger.put(CourierTopics.deliveryKey(receipt.messageId(), recipient), sentAt);
                    }
                });
                if (i % 200 == 0) {
                    progress.bar(observer.deliveredAt().size(), settings.messages(), "publishing " + i + "/" + settings.messages()
                            + plan.activeFaults());
                }
            }
            producer.flush();
        }
    }

    private boolean awaitSettled(Map<String, Long> ledger, DeliveryObserver observer, ChaosPlan plan, long started)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + settings.timeoutS() * 1000;
        while (System.currentTimeMillis() < deadline) {
            long settled = settledCount(ledger.keySet(), observer);
            progress.bar(observer.deliveredAt().size(), ledger.size(), String.format("re-emits %d, elapsed %ds%s",
                    observer.reemits(), (System.currentTimeMillis() - started) / 1000, plan.activeFaults()));
            if (settled >= ledger.size() && plan.allRecovered()) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    /** The reconciliation, key by key, for whoever wants to check the verdict: key, sent, outcome. */
    private static void writeLedger(Path file, Map<String, Long> ledger, DeliveryObserver observer) throws IOException {
        StringBuilder out = new StringBuilder("# messageId/recipientId\tsent_at_ms\toutcome\tat_ms_or_reason\n");
        ledger.forEach((key, sentAt) -> {
            Long deliveredAt = observer.deliveredAt().get(key);
            String reason = observer.deadLettered().get(key);
            out.append(key).append('\t').append(sentAt).append('\t')
                    .append(deliveredAt != null ? "DELIVERED\t" + deliveredAt
                            : reason != null ? "DEAD_LETTERED\t" + reason : "LOST\t-")
                    .append('\n');
        });
        Files.writeString(file, out);
    }

    private static long settledCount(Collection<String> keys, DeliveryObserver observer) {
        return keys.stream().filter(k -> observer.deliveredAt().containsKey(k)
                || observer.deadLettered().containsKey(k)).count();
    }
}
