package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How far an ack partition counts as read: by reading it, and by this instance's own commits when nothing lies between. */
class LedgerProgressTest {

    private static final long DAY = 24L * 3600 * 1000;
    private static final long NOW = 10 * DAY;

    private final LedgerProgress progress = new LedgerProgress(DAY, 1000, 600_000);

    private LedgerProgress readTo(long offset) {
        progress.advanceTo(offset);
        progress.caughtUp(NOW);
        return progress;
    }

    @Test
    void ownCommitsRightAfterWhatWasReadCountAsReadTheirMarkersIncluded() {
        readTo(100);

        progress.committedOwn(100, 101);  // two AckBatch records, commit marker at 102
        progress.committedOwn(103, 103);  // the next transaction's record, right after that marker

        assertEquals(OptionalLong.of(104), progress.nextOffset());
    }

    @Test
    void aRecordOfSomeoneElseBetweenStopsTheReadPositionSoItIsReadLater() {
        readTo(100);
        progress.committedOwn(100, 100);  // marker at 101

        progress.committedOwn(103, 103);  // 102 is not ours: an aborted transaction, another writer
        progress.committedOwn(105, 105);

        assertEquals(OptionalLong.of(101), progress.nextOffset());
    }

    @Test
    void ownCommitsDoNotMoveAPartitionThatIsBehind() {
        readTo(100);
        progress.behind();

        progress.committedOwn(100, 100);

        assertEquals(OptionalLong.of(100), progress.nextOffset());
        assertFalse(progress.isCaughtUp());
    }

    @Test
    void readingPastOwnCommitsStartsTheChainAgainFromWhatWasRead() {
        readTo(100);
        progress.committedOwn(100, 100);
        progress.behind();
        progress.advanceTo(110);
        progress.caughtUp(NOW);

        progress.committedOwn(111, 111); // 110 is not known to be our marker: not counted

        assertEquals(OptionalLong.of(110), progress.nextOffset());
    }
}
