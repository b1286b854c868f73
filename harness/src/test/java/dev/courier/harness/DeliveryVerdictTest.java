package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos verdict judged from a ledger, hand logs, committed acks and dead letters written by hand: each
 * kind of wrong outcome is reported by its own key and fails the run.
 */
class DeliveryVerdictTest {

    @TempDir
    Path dir;

    private final SendLedger ledger = new SendLedger();
    private final Map<String, Long> committed = new HashMap<>();
    private final Map<String, String> deadLettered = new HashMap<>();
    private Path handLog;

    @BeforeEach
    void fiveMessagesOfOneConversationWereSentAndAcknowledgedByKafka() {
        for (int i = 1; i <= 5; i++) {
            ledger.intent();
            ledger.acked().put("m" + i + "/bob", 1000L + i);
        }
        handLog = dir.resolve("consumer-0.deliveries");
    }

    @Test
    void everyMessageHandedOnceInOrderAndCommittedPasses() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false");

        Map<String, Object> report = report(judge());

        assertTrue(judge().problems().isEmpty(), "problems: " + judge().problems());
        assertEquals(5L, report.get("delivered"));
        assertEquals(0L, report.get("lost"));
        assertEquals(0L, report.get("duplicates_to_app"));
    }

    @Test
    void aMessageNoDeviceReceivedAndNothingDeadLetteredIsLost() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false");

        assertEquals(1L, report(judge()).get("lost"));
        assertTrue(judge().problems().stream().anyMatch(p -> p.contains("neither handed to a device nor dead-lettered")));
    }

    @Test
    void aMessageHandedTwiceWithoutThePossibleRedeliveryFlagIsADuplicate() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false", "m5 bob 1 2006 c1 4 false");

        assertEquals(1L, report(judge()).get("duplicates_to_app"));
        assertTrue(judge().problems().stream().anyMatch(p -> p.contains("without the possible-redelivery flag")));
    }

    @Test
    void aRepeatFlaggedAsPossibleRedeliveryIsARawRedeliveryNotADuplicate() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false", "m5 bob 1 2006 c1 4 true");

        assertEquals(0L, report(judge()).get("duplicates_to_app"));
        assertEquals(1L, report(judge()).get("raw_redeliveries"));
        assertTrue(judge().problems().isEmpty(), "problems: " + judge().problems());
    }

    @Test
    void aConversationReceivedOutOfSeqOrderIsReported() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m3 bob 1 2002 c1 2 false", "m2 bob 1 2003 c1 1 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false");

        assertEquals(1L, report(judge()).get("order_violations"));
        assertTrue(judge().problems().stream().anyMatch(p -> p.contains("out of order")));
    }

    @Test
    void anAckCommittedForAMessageNoDeviceReceivedIsReported() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false");
        committed.put("m5/bob", 2005L); // the consumer acked m5 without handing it over

        assertEquals(1L, report(judge()).get("acked_not_handed"));
        assertEquals(1L, report(judge()).get("lost"), "from the devices' side m5 never arrived");
        assertTrue(judge().problems().stream().anyMatch(p -> p.contains("acked as delivered that no device received")));
    }

    @Test
    void aMessageHandedOverWhoseDeliveryWasNeverCommittedIsReported() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false");
        committed.remove("m5/bob");

        assertEquals(1L, report(judge()).get("handed_not_acked"));
        assertTrue(judge().problems().stream().anyMatch(p -> p.contains("never committed nor dead-lettered")));
    }

    @Test
    void aDeadLetteredMessageCountsAgainstTheRunUnlessTheScenarioAskedForIt() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false");
        deadLettered.put("m5/bob", "MAX_ATTEMPTS");

        DeliveryVerdict unasked = judge();
        assertEquals(1L, report(unasked).get("dead_lettered_unexpected"));
        assertEquals(0L, report(unasked).get("lost"), "dead-lettered with a reason is not lost");
        assertTrue(unasked.problems().stream().anyMatch(p -> p.contains("dead-lettered though the scenario did not ask")));

        DeliveryVerdict asked = DeliveryVerdict.judge(ledger, HandLogs.read(List.of(handLog)), committed, 0,
                deadLettered, Set.of("MAX_ATTEMPTS"), Set.of());
        assertTrue(asked.problems().isEmpty(), "problems: " + asked.problems());
    }

    @Test
    void aMissingHandLogFailsTheRun() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false");
        Path missing = dir.resolve("consumer-1.deliveries");

        DeliveryVerdict verdict = DeliveryVerdict.judge(ledger, HandLogs.read(List.of(handLog, missing)), committed, 0,
                deadLettered, Set.of(), Set.of());

        assertEquals(List.of(missing.toString()), report(verdict).get("hand_logs_missing"));
        assertTrue(verdict.problems().stream().anyMatch(p -> p.contains("hand log(s) missing")));
    }

    @Test
    void aDeliveryCommittedTwiceIsReportedThoughTheDeviceGotItOnce() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 2003 c1 2 false",
                "m4 bob 1 2004 c1 3 false", "m5 bob 1 2005 c1 4 false");

        DeliveryVerdict verdict = DeliveryVerdict.judge(ledger, HandLogs.read(List.of(handLog)), committed, 1,
                deadLettered, Set.of(), Set.of());

        assertEquals(1L, report(verdict).get("duplicate_commits"));
        assertTrue(verdict.problems().stream().anyMatch(p -> p.contains("committed more than once")));
    }

    @Test
    void aSendKafkaNeverConfirmedAndARunThatDeliveredNothingFail() throws Exception {
        ledger.intent(); // a sixth send whose answer never came
        Files.writeString(handLog, "");

        DeliveryVerdict verdict = judge();

        assertEquals(1L, report(verdict).get("unconfirmed_sends"));
        assertTrue(verdict.problems().stream().anyMatch(p -> p.contains("never confirmed by Kafka")));
        assertTrue(verdict.problems().contains("nothing was delivered to a device"));
    }

    @Test
    void aSlowDeliveryHandedOnceAndCommittedPasses() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 47003 c1 2 false",
                "m4 bob 1 47004 c1 3 false", "m5 bob 1 47005 c1 4 false");

        DeliveryVerdict verdict = judgeWithM3Slow();

        assertTrue(verdict.problems().isEmpty(), "problems: " + verdict.problems());
        assertEquals(1L, report(verdict).get("slow_deliveries"));
        assertEquals(0L, report(verdict).get("slow_not_delivered_once"));
    }

    @Test
    void aSlowDeliveryHandedAgainFailsTheRunThoughTheRepeatIsFlagged() throws Exception {
        // what a consumer that opened its transaction before the slow call did: aborted under it, redone, flagged
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m3 bob 1 47003 c1 2 false",
                "m3 bob 1 92003 c1 2 true", "m4 bob 1 92004 c1 3 false", "m5 bob 1 92005 c1 4 false");

        DeliveryVerdict verdict = judgeWithM3Slow();

        assertEquals(0L, report(verdict).get("duplicates_to_app"), "flagged: any other message could be handed again");
        assertEquals(1L, report(verdict).get("slow_not_delivered_once"));
        assertTrue(verdict.problems().stream().anyMatch(p -> p.contains("m3/bob (handed 2 time(s), committed)")),
                "problems: " + verdict.problems());
    }

    @Test
    void aSlowDeliveryDeadLetteredUncommittableFailsTheRun() throws Exception {
        handAndCommit("m1 bob 1 2001 c1 0 false", "m2 bob 1 2002 c1 1 false", "m4 bob 1 2004 c1 3 false",
                "m5 bob 1 2005 c1 4 false");
        deadLettered.put("m3/bob", "UNCOMMITTABLE");

        DeliveryVerdict verdict = judgeWithM3Slow();

        assertEquals(1L, report(verdict).get("slow_not_delivered_once"));
        assertEquals(1L, report(verdict).get("dead_lettered_unexpected"));
        assertTrue(verdict.problems().stream().anyMatch(p -> p.contains("m3/bob (handed 0 time(s), not committed, "
                + "dead-lettered UNCOMMITTABLE)")), "problems: " + verdict.problems());
    }

    /** Writes the hand log and commits a settling ack for each line's message. */
    private void handAndCommit(String... lines) throws Exception {
        Files.writeString(handLog, String.join("\n", lines) + "\n");
        for (String line : lines) {
            String[] p = line.split(" ");
            committed.putIfAbsent(p[0] + "/" + p[1], Long.parseLong(p[3]));
        }
    }

    private DeliveryVerdict judge() {
        return DeliveryVerdict.judge(ledger, HandLogs.read(List.of(handLog)), committed, 0, deadLettered, Set.of(), Set.of());
    }

    /** The verdict with m3 a delivery the scenario made slower than the consumers' transaction timeout. */
    private DeliveryVerdict judgeWithM3Slow() {
        return DeliveryVerdict.judge(ledger, HandLogs.read(List.of(handLog)), committed, 0, deadLettered, Set.of(),
                Set.of("m3/bob"));
    }

    private static Map<String, Object> report(DeliveryVerdict verdict) {
        Map<String, Object> values = new LinkedHashMap<>();
        verdict.putInto(values);
        return values;
    }
}
