package dev.courier.harness;

import dev.courier.deploy.LocalCluster;
import dev.courier.deploy.NotReadyException;
import dev.courier.deploy.ProgressWait;
import dev.courier.registry.SchemaRegistryServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The faults real clusters suffer, done for real to a {@link LocalPipeline}: SIGKILL, SIGSTOP/SIGCONT, and
 * the victims' return. Each method breaks something, waits, brings it back, and logs both moments.
 */
final class FaultInjector {

    static final long BROKER_DOWN_MS = 10_000;
    static final long FREEZE_MS = 15_000;
    static final long MAJORITY_DOWN_MS = 20_000;
    static final long PROCESS_DOWN_MS = 3_000;
    static final long REGISTRY_DOWN_MS = 10_000;
    /** How long the running registry may take to report a bad {@code _schemas} record skipped. */
    static final long REGISTRY_PATIENCE_MS = 60_000;
    /** How long the slow message may take to be settled: a dropped delivery costs it a re-emit and another slow one. */
    static final long SLOW_PATIENCE_MS = 180_000;

    private final LocalPipeline pipeline;
    private final FaultLog log;
    private final Progress progress;
    private final long outageMs;
    private final SlowDelivery slow;
    private volatile String active = "";

    /** @param slow the slow fault's traffic; null where there is none (the demo) */
    FaultInjector(LocalPipeline pipeline, FaultLog log, Progress progress, long outageMs, SlowDelivery slow) {
        this.pipeline = pipeline;
        this.log = log;
        this.progress = progress;
        this.outageMs = outageMs;
        this.slow = slow;
    }

    /** Breaks what {@code fault} names, waits, brings it back; {@link Fault#POISON} and {@link Fault#NONE} do nothing here. */
    void inject(Fault fault) throws Exception {
        switch (fault) {
            case BROKER -> killPartitionLeader(1);
            case LEADER -> killPartitionLeader(2);
            case CONTROLLER -> killActiveController();
            case FREEZE -> freezeBroker();
            case MAJORITY -> killMajority();
            case CONSUMER -> killConsumer(0);
            case TRACKER -> killTracker(0);
            case OUTAGE -> consumerOutage(outageMs);
            case SCHEMAS -> schemasPoison();
            case REGISTRY -> registryKill(1);
            case SLOW -> slowDelivery();
            case POISON, NONE -> {
            }
        }
    }

    /** SIGKILL the leader of send partition 0, restart it; {@code rounds} times, chasing the new leader. */
    void killPartitionLeader(int rounds) throws Exception {
        LocalCluster cluster = pipeline.cluster();
        for (int round = 0; round < rounds; round++) {
            int node = cluster.leaderOf(pipeline.topics().send(), 0);
            killBrokerFor("broker kill -9", node, "leader of " + pipeline.topics().send() + "-0", BROKER_DOWN_MS);
        }
    }

    /** SIGKILL the active KRaft controller, restart it. */
    void killActiveController() throws Exception {
        int node = pipeline.cluster().activeControllerNode();
        killBrokerFor("controller kill -9", node, "active KRaft controller", BROKER_DOWN_MS);
    }

    private void killBrokerFor(String type, int node, String role, long downMs) throws Exception {
        FaultLog.Entry e = log.begin(type, "node-" + node + " (" + role + ")");
        down("node-" + node + " (" + role + ")", "killed with SIGKILL");
        pipeline.cluster().killNode(node);
        TimeUnit.MILLISECONDS.sleep(downMs);
        pipeline.cluster().startNode(node);
        log.recovered(e);
        active = "";
    }

    /** SIGSTOP a broker (frozen, not dead: its sessions and leaderships linger), SIGCONT after a while. */
    void freezeBroker() throws Exception {
        LocalCluster cluster = pipeline.cluster();
        int node = cluster.leaderOf(pipeline.topics().ack(), 0);
        long pid = cluster.pid(node);
        FaultLog.Entry e = log.begin("broker SIGSTOP", "node-" + node + " (leader of " + pipeline.topics().ack() + "-0)");
        down("node-" + node, "frozen with SIGSTOP");
        signal("STOP", pid);
        try {
            TimeUnit.MILLISECONDS.sleep(FREEZE_MS);
        } finally {
            signal("CONT", pid);
        }
        log.recovered(e);
        active = "";
    }

    /** SIGKILL two of the three brokers: writes must stall (min.insync.replicas=2), not be acknowledged and lost. */
    void killMajority() throws Exception {
        LocalCluster cluster = pipeline.cluster();
        List<Integer> victims = List.of(0, 1);
        FaultLog.Entry e = log.begin("2 of 3 brokers kill -9", "node-0, node-1");
        down("node-0 and node-1", "killed with SIGKILL");
        for (int node : victims) {
            cluster.killNode(node);
        }
        TimeUnit.MILLISECONDS.sleep(MAJORITY_DOWN_MS);
        cluster.start(); // both at once: neither can be ready without the other (quorum of 2 of 3)
        log.recovered(e);
        active = "";
    }

    /** Every delivery consumer down at once (SIGKILL) for {@code downMs}: an outage of the delivery side. */
    void consumerOutage(long downMs) throws Exception {
        List<ChildJvm> consumers = pipeline.consumers();
        FaultLog.Entry e = log.begin("all consumers down", consumers.size() + " consumers for " + downMs / 1000 + " s");
        down("every delivery consumer", "killed with SIGKILL");
        for (ChildJvm c : consumers) {
            c.kill();
        }
        TimeUnit.MILLISECONDS.sleep(downMs);
        for (ChildJvm c : consumers) {
            c.restart();
        }
        log.recovered(e);
        active = "";
    }

    void killConsumer(int index) throws Exception {
        killProcess("consumer kill -9", pipeline.consumers().get(index % pipeline.consumers().size()));
    }

    void killTracker(int index) throws Exception {
        killProcess("tracker kill -9", pipeline.trackers().get(index % pipeline.trackers().size()));
    }

    private void killProcess(String type, ChildJvm victim) throws Exception {
        FaultLog.Entry e = log.begin(type, victim.name() + " (pid " + victim.pid() + ")");
        down(victim.name(), "killed with SIGKILL");
        victim.kill();
        TimeUnit.MILLISECONDS.sleep(PROCESS_DOWN_MS);
        victim.restart();
        log.recovered(e);
        active = "";
    }

    /**
     * Writes a record into {@code _schemas} that no registry can apply (a SET_CONFIG with an unknown compatibility
     * level, the record that once killed every instance's follower thread), then waits until the running registry
     * reports it skipped and is healthy.
     */
    void schemasPoison() throws Exception {
        FaultLog.Entry e = log.begin("_schemas poison record", "SET_CONFIG with an unknown compatibility level");
        down("_schemas", "given a record no registry can apply");
        long skippedBefore = Math.max(0, RegistryHealth.of(pipeline.registryUrl()).badRecords()); // -1: not reachable
        String proposal = "chaos-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(SchemaRegistryServer.DEFAULT_TOPIC,
                    "{\"type\":\"SET_CONFIG\",\"subject\":null,\"proposal\":\"" + proposal + "\"}",
                    "{\"type\":\"SET_CONFIG\",\"proposal\":\"" + proposal + "\",\"subject\":null,\"compatibility\":\"SIDEWAYS\"}"))
                    .get(60, TimeUnit.SECONDS);
        }
        RegistryHealth health = RegistryHealth.await(pipeline.registryUrl(), h -> h.up() && h.badRecords() > skippedBefore,
                REGISTRY_PATIENCE_MS);
        if (!(health.up() && health.badRecords() > skippedBefore)) {
            log.problem(e, "the registry did not report the bad _schemas record skipped and itself healthy within "
                    + REGISTRY_PATIENCE_MS / 1000 + " s: " + health);
        }
        log.recovered(e);
        active = "";
    }

    /**
     * SIGKILLs the schema registry's JVM; meanwhile SIGKILLs delivery consumer {@code coldConsumer} and starts it
     * again, so it needs schemas it does not have while no registry answers; after {@value #REGISTRY_DOWN_MS} ms
     * starts the registry again on the same port (empty cache, replaying {@code _schemas}, bad records included) and
     * waits until it has replayed and answers.
     */
    void registryKill(int coldConsumer) throws Exception {
        ChildJvm registry = pipeline.registry();
        ChildJvm cold = pipeline.consumers().get(coldConsumer % pipeline.consumers().size());
        FaultLog.Entry e = log.begin("registry kill -9 + restart", "schema registry " + pipeline.registryUrl()
                + " (pid " + registry.pid() + "), " + cold.name() + " restarted with an empty schema cache meanwhile");
        down("schema registry", "killed with SIGKILL; " + cold.name() + " killed with SIGKILL and restarted while it is down");
        registry.kill();
        cold.kill();
        cold.restart();
        TimeUnit.MILLISECONDS.sleep(REGISTRY_DOWN_MS);
        try {
            pipeline.restartRegistry();
        } catch (IOException first) {
            log.problem(e, "the registry did not come back: " + first.getMessage());
            registry.kill(); // if it is still starting
            pipeline.restartRegistry();
        }
        if (!cold.isAlive()) {
            log.problem(e, cold.name() + " exited while the registry was unreachable (see " + cold.log() + ")");
            cold.restart();
        }
        log.recovered(e);
        active = "";
    }

    /**
     * Once the delivery group is stable (a rebalance meanwhile would re-hand the message for its own reasons), writes
     * a poison record and a message to {@link SlowDelivery#RECIPIENT}, whose delivery takes longer than the
     * consumers' transaction timeout, in one transaction; waits until the message is settled.
     */
    void slowDelivery() throws Exception {
        if (slow == null) {
            throw new IllegalStateException("the slow fault needs the chaos run's load (courier chaos --faults slow)");
        }
        String unstable = null;
        try {
            GroupStability.await(pipeline.cluster().admin(), pipeline.assembly().deliveryGroup(),
                    pipeline.consumers().size(), new ProgressWait(ProgressWait.DEFAULT_STALL, java.time.Duration.ofMinutes(2)));
        } catch (NotReadyException notStable) {
            unstable = notStable.getMessage();
        }
        FaultLog.Entry e = log.begin("slow delivery", SlowDelivery.RECIPIENT + ": one delivery taking "
                + SlowDelivery.DELIVERY_MS / 1000 + " s, past the consumers' transaction.timeout.ms of "
                + SlowDelivery.TRANSACTION_TIMEOUT_MS / 1000 + " s, behind a poison record in its batch");
        if (unstable != null) {
            log.problem(e, "struck a rebalancing delivery group: " + unstable);
        }
        down(SlowDelivery.RECIPIENT + "'s device", "slow: " + SlowDelivery.DELIVERY_MS / 1000 + " s per delivery");
        try {
            String key = slow.send();
            if (!slow.awaitSettled(key, SLOW_PATIENCE_MS)) {
                log.problem(e, "the slow message " + key + " was neither delivered nor dead-lettered within "
                        + SLOW_PATIENCE_MS / 1000 + " s");
            }
        } catch (InterruptedException stopped) {
            throw stopped;
        } catch (Exception failed) {
            log.problem(e, "the slow message could not be written: " + failed);
        }
        log.recovered(e);
        active = "";
    }

    private void down(String what, String how) {
        active = " | " + what + " down";
        progress.say("fault: " + what + " " + how);
    }

    /** What is broken right now, for the progress line. */
    String active() {
        return active;
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }
}
