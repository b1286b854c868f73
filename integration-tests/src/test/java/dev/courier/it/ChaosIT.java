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
 * {@code courier chaos --ci}, as CI runs it on every submission: every fault type, with the load going on through
 * each, 1% poison input and 1% of deliveries dropped by the devices (so re-emits and order holds happen) on its
 * own 3-node cluster; every send must be confirmed and reach a device (by the hand logs) exactly once and in
 * order, matching the committed acks, and no delivery re-emitted before a consumer had read it.
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
        assertEquals(r.get("sent").asLong(), r.get("kafka_acked").asLong(), "every send confirmed by Kafka");
        assertEquals(r.get("sent").asLong(), r.get("delivered").asLong(), "every send handed to a device");
        assertEquals(0, r.get("lost").asLong());
        assertEquals(0, r.get("acked_not_handed").asLong(), "no delivery acked that no device received");
        assertEquals(0, r.get("handed_not_acked").asLong(), "no hand-off whose delivery was never committed");
        assertEquals(0, r.get("duplicate_commits").asLong());
        assertEquals(0, r.get("dead_lettered_unexpected").asLong(), "nothing dead-lettered but the poison");
        assertEquals(0, r.get("hand_logs_missing").size());
        assertEquals(0, r.get("duplicates_to_app").asLong());
        assertEquals(0, r.get("order_violations").asLong());
        assertEquals(0, r.get("reemits_of_unread").asLong(), "no delivery re-emitted before a consumer had read it");
        assertTrue(r.get("records_per_message").asDouble() > 0, "every record written, per delivered message");
        assertEquals(0, r.get("poison_not_dead_lettered").asLong());
        assertEquals(0, r.get("poison_wrong_reason").asLong(), "each poison record dead-lettered with its reason");
        assertTrue(r.get("poison_by_kind").has("OVERSIZED_600_KIB"), "a 600 KiB decodable record was among the poison");
        assertTrue(r.get("poison_by_kind").has("LENGTH_PREFIX"), "a crafted Avro length prefix was among the poison");
        assertTrue(r.get("poison_records").asLong() > 0, "poison was injected");
        assertEquals(1, r.get("slow_deliveries").asLong(), "the slow fault's message");
        assertEquals(0, r.get("slow_not_delivered_once").asLong(),
                "the delivery slower than the transaction timeout handed once and committed");
        assertEquals(11, r.get("faults").size(),
                "leader twice, controller, freeze, majority, consumer, tracker, outage, _schemas poison, registry kill -9, "
                        + "slow delivery");
        for (JsonNode fault : r.get("faults")) {
            assertTrue(fault.get("in_flight_at_fault").asLong() > 0, "the load went on through " + fault);
            assertFalse(fault.has("problem"), "every victim came back: " + fault);
        }
        assertFalse(r.get("dead_lettered_by_reason").has(DeadLetterReason.MAX_ATTEMPTS.name()), "nothing dead-lettered for an outage");
        assertTrue(Files.exists(dir.resolve("chaos-timeline.png")), "the timeline picture is drawn");
    }
}
