package dev.courier.cli;

import dev.courier.bench.UnreadReemits;
import dev.courier.deploy.ClusterSecurity;
import dev.courier.deploy.LocalCluster;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code courier demo}: the whole pipeline on a local 3-node cluster, under faults, with a verdict.
 *
 * <p>It starts the cluster, the registry, two trackers and three delivery consumers (each tracker and
 * consumer in its own JVM, so a fault is a real SIGKILL), publishes messages at a steady rate, injects the
 * chosen faults while they flow, waits until every message the brokers acknowledged is delivered or
 * dead-lettered, and reconciles: the producer's ledger of acknowledged sends against what was committed
 * downstream. It exits 0 only if nothing was lost, the application saw no duplicate and the tracker
 * re-emitted nothing no consumer had read ({@code reemits_of_unread}). It also counts every record the run
 * wrote to every topic per delivered message ({@code records_per_message}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on a local 3-node cluster under faults, then reconcile.",
                "Exit code 0 only if nothing was lost, the application saw no duplicate and no delivery was",
                "re-emitted before a consumer had read it (reemits_of_unread 0)."})
public final class DemoCommand implements Callable<Integer> {

    enum Fault { BROKER, CONSUMER, TRACKER, NONE }

    @Option(names = "--messages", defaultValue = "20000", description = "Messages to publish (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--recipients", defaultValue = "200", description = "Distinct recipients (default: ${DEFAULT-VALUE}).")
    int recipients;

    @Option(names = {"--faults", "--chaos"}, defaultValue = "broker,consumer", split = ",",
            description = "Faults to inject, comma-separated: broker, consumer, tracker, or none (default: ${DEFAULT-VALUE}). "
                    + "--chaos is the old name.")
    List<Fault> chaos;

    @Option(names = "--report", description = "Write the JSON report here.")
    Path report;

    @Option(names = "--rate", defaultValue = "1000", description = "Messages published per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--consumers", defaultValue = "3", description = "Delivery consumer processes (default: ${DEFAULT-VALUE}).")
    int consumerCount;

    @Option(names = "--trackers", defaultValue = "2", description = "Tracker processes (default: ${DEFAULT-VALUE}).")
    int trackerCount;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the send and ack topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--drop-rate", defaultValue = "0.01",
            description = "Fraction of deliveries the simulated devices drop, to be redelivered (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--device-latency-ms", defaultValue = "0",
            description = "Simulated time to hand one message to a device, ms (default: ${DEFAULT-VALUE}).")
    long deviceLatencyMs;

    @Option(names = "--ack-timeout-ms", defaultValue = "1000",
            description = "Tracker's re-emit back-off of a first attempt, counted from the consumer commit that read it without "
                    + "delivering it (default: ${DEFAULT-VALUE}).")
    long ackTimeoutMs;

    @Option(names = "--timeout-s", defaultValue = "600", description = "Give up waiting for deliveries after this long (default: ${DEFAULT-VALUE}).")
    long timeoutS;

    @Option(names = "--secure", description = "Run the pipeline in secure mode: SASL_SSL (SCRAM-SHA-512 over TLS), ACLs "
            + "with a principal per component, the registry over HTTPS with basic auth (see `courier cluster start --secure`).")
    boolean secure;

    @Option(names = "--dir", defaultValue = "work/demo", description = "Work directory; each run gets a fresh subdirectory (default: ${DEFAULT-VALUE}).")
    Path baseDir;

    @Override
    public Integer call() throws Exception {
        Set<Fault> faults = chaos.contains(Fault.NONE) ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(chaos);
        Path dir = baseDir.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Progress progress = new Progress();
        progress.say("work directory: " + dir.toAbsolutePath());
        CourierTopics topics = CourierTopics.defaults();
        long started = System.currentTimeMillis();

        ExecutorService background = Executors.newCachedThreadPool();
        LocalPipeline.Settings settings = new LocalPipeline.Settings(partitions, trackerCount, consumerCount,
                ackTimeoutMs, dropRate, deviceLatencyMs, Map.of());
        try (LocalPipeline pipeline = LocalPipeline.start(dir, settings, secure, progress);
             SchemaRegistryClient registry = SchemaRegistryClients.fromConfigs(registryConfigs(pipeline, ClusterSecurity.ADMIN));
             DeliveryObserver observer = new DeliveryObserver(pipeline.bootstrapServers(),
                     pipeline.kafkaSecurity(ClusterSecurity.ADMIN), registry, topics)) {
            background.submit(observer);
            FaultLog faultLog = new FaultLog(started);
            Map<String, Long> ledger = new ConcurrentHashMap<>();
            AtomicLong sendFailed = new AtomicLong();
            ChaosPlan plan = new ChaosPlan(faults, new FaultInjector(pipeline, faultLog, progress));
            TrafficMeter traffic = TrafficMeter.start(pipeline.cluster().admin(), progress);
            long sendStart = System.currentTimeMillis();
            publish(pipeline, ledger, sendFailed, plan, background, progress, observer);
            progress.say(String.format("published %d messages in %.1f s; waiting for deliveries...",
                    messages, (System.currentTimeMillis() - sendStart) / 1000.0));
            boolean settled = awaitSettled(ledger, observer, progress, plan, started);
            plan.awaitRecoveries();
            Map<String, Map<Integer, Long>> end = traffic.end();
            if (end != null) {
                observer.awaitRead(end, Duration.ofSeconds(60));
            }
            UnreadReemits.Result unread = observer.unreadReemits();
            DemoReport result = DemoReport.reconcile(messages, ledger, sendFailed.get(), observer, unread,
                    traffic.written(), pipeline.handLogs(), faultLog.faults(), started, sendStart, settled);
            progress.finish();
            writeLedger(dir.resolve("ledger.tsv"), ledger, observer);
            System.out.println(result.table());
            if (report != null) {
                result.write(report);
                System.out.println("report: " + report.toAbsolutePath());
            }
            Reconciliation.listReemitsOfUnread(dir, unread);
            System.out.println(result.passed()
                    ? "PASS: nothing lost, no duplicate to the application, no re-emit of an unread delivery"
                    : "FAIL: " + result.failure());
            return result.passed() ? 0 : 1;
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
                         ChaosPlan plan, ExecutorService background, Progress progress, DeliveryObserver observer)
            throws InterruptedException {
        Map<String, Object> props = registryConfigs(pipeline, ClusterSecurity.PRODUCER);
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
        pipeline.kafkaSecurity(ClusterSecurity.PRODUCER)
                .forEach((key, value) -> props.put(CourierProducerConfig.PRODUCER_PREFIX + key, value));
        CourierProducerConfig config = new CourierProducerConfig(props);
        Semaphore inFlight = new Semaphore(5_000);
        long[] seqByConversation = new long[recipients];
        try (CourierProducer producer = new CourierProducer(config)) {
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                plan.maybeInject((double) i / messages, background);
                int r = i % recipients;
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
                    progress.bar(observer.deliveredAt().size(), messages, "publishing " + i + "/" + messages
                            + plan.activeFaults());
                }
            }
            producer.flush();
        }
    }

    private boolean awaitSettled(Map<String, Long> ledger, DeliveryObserver observer, Progress progress,
                                 ChaosPlan plan, long started) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutS * 1000;
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
