package dev.courier.harness;

import dev.courier.deploy.ClusterSecurity;
import dev.courier.deploy.LocalCluster;
import dev.courier.registry.RegistrySecurity;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * The whole pipeline on this machine, as {@code courier demo} and {@code courier chaos} run it: a 3-node
 * KRaft cluster with Courier's topics, the schema registry (in this JVM), and trackers and delivery
 * consumers each in its own JVM, so that killing one is a real SIGKILL. Everything lives under one
 * directory: cluster data, process logs, and each consumer's hand log (what it gave the devices). In secure mode
 * ({@code demo --secure}) the cluster is SASL_SSL with ACLs, the registry HTTPS with basic auth, and each component
 * connects as its own principal ({@link ClusterSecurity}): child JVMs get their {@code --command-config}.
 */
public final class LocalPipeline implements AutoCloseable {

    /**
     * How the pipeline is made up. {@code commandMain} is the main class of a command line with {@code tracker}
     * and {@code consumer} subcommands (the CLI's {@code Courier}), run in each child JVM.
     */
    public record Settings(String commandMain, int partitions, int trackers, int consumers, long ackTimeoutMs,
                           double dropRate, long deviceLatencyMs, Map<String, String> trackerProperties) {
    }

    private final Path dir;
    private final CourierTopics topics = CourierTopics.defaults();
    private final LocalCluster cluster;
    private final List<ChildJvm> trackers = new ArrayList<>();
    private final List<ChildJvm> consumers = new ArrayList<>();
    private SchemaRegistryServer registry;

    private LocalPipeline(Path dir, boolean secure) {
        this.dir = dir;
        // A busy 2-core machine may need minutes to bring 3 TLS nodes up; the bound only limits a real failure.
        this.cluster = LocalCluster.builder().nodes(3).workDir(dir.resolve("cluster")).secure(secure)
                .readyTimeout(Duration.ofMinutes(5)).build();
    }

    /** A new directory for one run under {@code base}, named by the time it starts ({@code run-yyyyMMdd-HHmmss}). */
    public static Path freshRunDir(Path base) {
        return base.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    public static LocalPipeline start(Path dir, Settings settings, Progress progress) throws Exception {
        return start(dir, settings, false, progress);
    }

    /** @param secure SASL_SSL, ACLs and an HTTPS registry with basic auth, a principal per component */
    public static LocalPipeline start(Path dir, Settings settings, boolean secure, Progress progress) throws Exception {
        LocalPipeline pipeline = new LocalPipeline(dir, secure);
        try {
            pipeline.startAll(settings, progress);
            return pipeline;
        } catch (Exception | Error e) {
            pipeline.close();
            throw e;
        }
    }

    private void startAll(Settings s, Progress progress) throws Exception {
        progress.say("starting a 3-node KRaft cluster...");
        cluster.start();
        cluster.createTopics(topics.specs(s.partitions()));
        progress.say("cluster up: " + cluster.bootstrapServers());
        SchemaRegistryServer.Builder registryBuilder = SchemaRegistryServer.builder()
                .bootstrapServers(cluster.bootstrapServers()).port(0);
        if (cluster.isSecure()) {
            cluster.grantAcls(topics);
            progress.say("secure: SASL_SSL, ACLs per component; client configs in " + cluster.security().clientsDir());
            registryBuilder.clientProperties(kafkaSecurity(ClusterSecurity.REGISTRY))
                    .security(RegistrySecurity.fromProperties(cluster.security().registryServerProperties()));
        }
        registry = registryBuilder.build();
        registry.start();
        progress.say("schema registry: " + registry.url());
        for (int i = 0; i < s.trackers(); i++) {
            List<String> args = new ArrayList<>(List.of(
                    "tracker", "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", registry.url(),
                    "--state-dir", dir.resolve("tracker-" + i + "-state").toString(),
                    "--ack-timeout-ms", String.valueOf(s.ackTimeoutMs())));
            args.addAll(commandConfig(ClusterSecurity.TRACKER));
            s.trackerProperties().forEach((k, v) -> args.addAll(List.of("--property", k + "=" + v)));
            trackers.add(ChildJvm.start("tracker-" + i, dir.resolve("tracker-" + i + ".log"), "384m", s.commandMain(), args));
        }
        for (int i = 0; i < s.consumers(); i++) {
            List<String> args = new ArrayList<>(List.of(
                    "consumer", "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", registry.url(),
                    "--consumer-id", "consumer-" + i, "--drop-rate", String.valueOf(s.dropRate()),
                    "--latency-ms", String.valueOf(s.deviceLatencyMs()),
                    "--hand-log", handLog(i).toString()));
            args.addAll(commandConfig(ClusterSecurity.CONSUMER));
            consumers.add(ChildJvm.start("consumer-" + i, dir.resolve("consumer-" + i + ".log"), "256m", s.commandMain(), args));
        }
        progress.say("waiting for " + s.trackers() + " trackers and " + s.consumers() + " consumers to join...");
        awaitGroup("courier-tracker", s.trackers());
        awaitGroup("courier-delivery", s.consumers());
    }

    Path dir() {
        return dir;
    }

    CourierTopics topics() {
        return topics;
    }

    LocalCluster cluster() {
        return cluster;
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    /** Kafka client security settings of {@code principal} (a {@link ClusterSecurity} name); empty in plaintext. */
    Map<String, String> kafkaSecurity(String principal) {
        return cluster.isSecure() ? cluster.security().kafkaProperties(principal) : Map.of();
    }

    /** Registry client credentials and trust store of {@code principal}; empty in plaintext. */
    Map<String, String> registrySecurity(String principal) {
        return cluster.isSecure() ? cluster.security().registryClientProperties(principal) : Map.of();
    }

    /** {@code --command-config <principal's file>} for a child JVM's command line; nothing in plaintext. */
    private List<String> commandConfig(String principal) {
        return cluster.isSecure()
                ? List.of("--command-config", cluster.security().clientConfig(principal).toString())
                : List.of();
    }

    List<ChildJvm> trackers() {
        return trackers;
    }

    List<ChildJvm> consumers() {
        return consumers;
    }

    private Path handLog(int consumer) {
        return dir.resolve("consumer-" + consumer + ".deliveries");
    }

    /** Every consumer's hand log: one line per message handed to the devices. */
    List<Path> handLogs() {
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < consumers.size(); i++) {
            logs.add(handLog(i));
        }
        return logs;
    }

    private void awaitGroup(String group, int members) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        String seen = "not created yet";
        while (System.currentTimeMillis() < deadline) {
            try {
                ConsumerGroupDescription d = cluster.admin().describeConsumerGroups(List.of(group))
                        .describedGroups().get(group).get(10, TimeUnit.SECONDS);
                if (d.groupState() == GroupState.STABLE && d.members().size() >= members) {
                    return;
                }
                seen = d.groupState() + " with " + d.members().size() + " members";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            } catch (java.util.concurrent.TimeoutException e) {
                seen = "the cluster did not answer within 10 s"; // a busy machine: ask again until the deadline
            }
            Thread.sleep(500);
        }
        throw new IOException("group " + group + " did not reach " + members + " stable members in 180 s (" + seen
                + "); see the process logs in " + dir);
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildJvm child : trackers) {
            child.close();
        }
        for (ChildJvm child : consumers) {
            child.close();
        }
        if (registry != null) {
            registry.close();
        }
        cluster.close();
    }
}
