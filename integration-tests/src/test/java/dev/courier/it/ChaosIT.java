package dev.courier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.cli.Courier;
import dev.courier.schemas.DeadLetterReason;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code courier chaos --ci}, as CI runs it on every submission: every fault type, 1% poison input and 1% of
 * deliveries dropped by the devices (so re-emits and order holds happen) on its own 3-node cluster; nothing
 * acknowledged may be lost, duplicated to the application or reordered, and no delivery re-emitted before a
 * consumer had read it.
 */
class ChaosIT {

    @TempDir
    Path dir;

    @Test
    void theCiChaosProfilePassesWithEveryFaultAndPoisonInput() throws Exception {
        Path report = dir.resolve("chaos.json");
        int exit = Courier.commandLine().execute("chaos", "--ci", "--report", report.toString(), "--dir", dir.toString());

        assertTrue(Files.exists(report), "chaos stopped before writing its report (exit " + exit
                + "); its own error is printed above this test's result");
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertEquals(0, exit, "chaos exit code; report: " + r);
        assertEquals(0, r.get("lost").asLong());
        assertEquals(0, r.get("duplicates_to_app").asLong());
        assertEquals(0, r.get("order_violations").asLong());
        assertEquals(0, r.get("reemits_of_unread").asLong(), "no delivery re-emitted before a consumer had read it");
        assertTrue(r.get("records_per_message").asDouble() > 0, "every record written, per delivered message");
        assertEquals(0, r.get("poison_not_dead_lettered").asLong());
        assertTrue(r.get("poison_records").asLong() > 0, "poison was injected");
        assertEquals(8, r.get("faults").size(), "leader twice, controller, freeze, majority, consumer, tracker, outage");
        assertFalse(r.get("dead_lettered_by_reason").has(DeadLetterReason.MAX_ATTEMPTS.name()), "nothing dead-lettered for an outage");
        assertTrue(Files.exists(dir.resolve("chaos-timeline.png")), "the timeline picture is drawn");
    }
}
