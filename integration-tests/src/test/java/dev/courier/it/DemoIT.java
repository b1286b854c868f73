package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code courier demo} as a user runs it (its own 3-node cluster, trackers and consumers in their own
 * JVMs), smaller, with every fault: it must exit 0 and its report must reconcile.
 */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void theDemoSurvivesBrokerConsumerAndTrackerKillsWithNothingLost() throws Exception {
        Path report = dir.resolve("report.json");
        int exit = Courier.commandLine().execute("demo", "--messages", "4000", "--rate", "400",
                "--chaos", "broker,consumer,tracker", "--report", report.toString(), "--dir", dir.toString());

        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertEquals(0, exit, "demo exit code; report: " + r);
        assertEquals(4000, r.get("sent").asInt());
        assertEquals(4000, r.get("delivered").asInt());
        assertEquals(0, r.get("lost").asInt());
        assertEquals(0, r.get("duplicates_to_app").asInt());
        assertEquals(0, r.get("reemits_of_unread").asInt(), "no delivery re-emitted before a consumer had read it");
        assertTrue(r.get("records_per_message").asDouble() > 0, "every record written, per delivered message");
        assertTrue(r.get("records_per_topic").has("courier.send"), "records per topic");
        assertEquals(3, r.get("faults").size(), "one fault of each kind was injected");
        for (String key : new String[] {"redelivered", "dead_lettered", "p50_ms", "p99_ms", "throughput_per_s", "duration_s"}) {
            assertTrue(r.has(key), "report has " + key);
        }
    }
}
