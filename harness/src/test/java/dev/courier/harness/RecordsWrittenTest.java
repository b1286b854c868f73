package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordsWrittenTest {

    @Test
    void recordsAreTheSumOfEveryPartitionsEndOffsetIncrease() {
        // given two snapshots of a send topic (two partitions) and the transaction log
        Map<String, Map<Integer, Long>> before = Map.of(
                "courier.send", Map.of(0, 100L, 1, 50L),
                "__transaction_state", Map.of(0, 7L));
        Map<String, Map<Integer, Long>> after = Map.of(
                "courier.send", Map.of(0, 160L, 1, 90L),
                "__transaction_state", Map.of(0, 27L));
        // when
        RecordsWritten written = RecordsWritten.between(before, after);
        // then
        assertEquals(Map.of("courier.send", 100L, "__transaction_state", 20L), written.byTopic());
        assertEquals(120, written.total());
    }

    @Test
    void perMessageDividesEverythingWrittenByTheDeliveredMessages() {
        RecordsWritten written = new RecordsWritten(Map.of("courier.send", 100L, "courier.ack", 40L,
                "__consumer_offsets", 60L, "_schemas", 0L));

        assertEquals(2.0, written.perMessage(100));
        // most first, nothing-written topics left out
        Map<String, Double> perTopic = written.perTopicPerMessage(100);
        assertEquals(List.of("courier.send", "__consumer_offsets", "courier.ack"), List.copyOf(perTopic.keySet()));
        assertEquals(1.0, perTopic.get("courier.send"));
        assertEquals(0.4, perTopic.get("courier.ack"));
    }

    @Test
    void perMessageIsRoundedToThreeDecimals() {
        RecordsWritten written = new RecordsWritten(Map.of("courier.send", 2L, "courier.status", 1L));

        assertEquals(1.0, written.perMessage(3));
        assertEquals(0.333, written.perTopicPerMessage(3).get("courier.status"));
    }

    @Test
    void aTopicOrPartitionCreatedSinceTheFirstSnapshotCountsFromZero() {
        Map<String, Map<Integer, Long>> before = Map.of("courier.send", Map.of(0, 10L));
        Map<String, Map<Integer, Long>> after = Map.of(
                "courier.send", Map.of(0, 10L, 1, 5L),
                "courier-tracker-pending-changelog", Map.of(0, 3L));

        assertEquals(Map.of("courier.send", 5L, "courier-tracker-pending-changelog", 3L),
                RecordsWritten.between(before, after).byTopic());
    }

    @Test
    void aTopicDeletedSinceTheFirstSnapshotCountsNothing() {
        RecordsWritten written = RecordsWritten.between(Map.of("gone", Map.of(0, 10L)), Map.of());

        assertEquals(0, written.total());
    }

    @Test
    void nothingDeliveredMeansNoFigure() {
        RecordsWritten written = new RecordsWritten(Map.of("courier.send", 5L));

        assertNull(written.perMessage(0));
        assertTrue(written.perTopicPerMessage(0).isEmpty());
    }

    @Test
    void anEndOffsetThatWentDownIsABrokenInvariant() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RecordsWritten.between(
                Map.of("courier.send", Map.of(3, 10L)), Map.of("courier.send", Map.of(3, 4L))));

        assertTrue(e.getMessage().contains("courier.send-3") && e.getMessage().contains("10") && e.getMessage().contains("4"),
                e.getMessage());
    }
}
