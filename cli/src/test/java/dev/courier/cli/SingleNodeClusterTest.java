package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.deploy.LocalCluster;
import dev.courier.schemas.CourierTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A real single-node cluster driven through {@code courier cluster} as a script would: start (nodes
 * detached, Courier's topics created), status, kill -9, restart, stop, each with its exit code.
 */
class SingleNodeClusterTest {

    @TempDir
    Path workDir;

    private StringWriter out;

    /** Runs {@code cluster <args> --dir=<workDir>}; its standard output is in {@link #out}. */
    private int cluster(String... args) {
        out = new StringWriter();
        CommandLine command = new CommandLine(new ClusterCommand());
        command.setOut(new PrintWriter(out, true));
        return command.execute(Stream.concat(Arrays.stream(args), Stream.of("--dir=" + workDir)).toArray(String[]::new));
    }

    private String lastLine() {
        List<String> lines = out.toString().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @AfterEach
    void stopWhateverIsLeft() {
        if (LocalCluster.existsIn(workDir)) {
            LocalCluster.attach(workDir).stop();
        }
    }

    @Test
    void startStatusKillRestartStopThroughTheCommand() throws Exception {
        assertEquals(ClusterCommand.EXIT_OK, cluster("start", "--nodes", "1", "--partitions", "2", "--heap", "384m",
                // After kill -9 the restarted node waits out its old registration's session: 4 s, not 9.
                "--broker-config", "broker.session.timeout.ms=4000", "--broker-config", "broker.heartbeat.interval.ms=1000"));
        assertTrue(lastLine().startsWith("bootstrap.servers=localhost:"), out.toString());
        String bootstrap = lastLine().substring("bootstrap.servers=".length());

        try (LocalCluster attached = LocalCluster.attach(workDir)) {
            TopicDescription send = attached.admin().describeTopics(List.of(CourierTopics.defaults().send()))
                    .allTopicNames().get().get(CourierTopics.defaults().send());
            assertEquals(2, send.partitions().size());
            assertEquals(1, send.partitions().get(0).replicas().size());
        }
        produceWithAcksAll(bootstrap);

        assertEquals(ClusterCommand.EXIT_OK, cluster("status"));
        assertTrue(out.toString().contains("leader"), out.toString());

        assertEquals(ClusterCommand.EXIT_OK, cluster("kill", "0"));
        assertEquals(ClusterCommand.EXIT_FAILED, cluster("status"), "status fails while a node is down");

        assertEquals(ClusterCommand.EXIT_OK, cluster("restart", "0"));
        assertEquals(ClusterCommand.EXIT_OK, cluster("status"));
        produceWithAcksAll(bootstrap);

        assertEquals(ClusterCommand.EXIT_OK, cluster("stop"));
        assertEquals("stopped 1 of 1 nodes in " + workDir, lastLine());
        assertEquals(ClusterCommand.EXIT_FAILED, cluster("status"));
    }

    private static void produceWithAcksAll(String bootstrap) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(CourierTopics.defaults().send(), "key", "value")).get(30, TimeUnit.SECONDS);
        }
    }
}
