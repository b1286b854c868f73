package dev.courier.operator;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/** Counts dead letters by reason and keeps the newest few, in one pass over the topic. */
public final class DeadLetterSummary {

    /** One line of the newest dead letters (JSON keys are the CLI's contract). */
    public record Row(String id, String reason, String messageId, String recipientId, int attempts,
                      String deadLetteredAt) {
        static Row of(DeadLetterEntry e) {
            return new Row(e.id().toString(), e.reason(), e.messageId(), e.recipientId(), e.attempts(),
                    e.deadLetteredAt().toString());
        }
    }

    /** What {@code dlq list} prints. */
    public record Listing(long total, @JsonProperty("by_reason") Map<String, Long> byReason, List<Row> newest) {
    }

    /** Newest last dead-lettered first; ties by id, so the order is stable. */
    private static final Comparator<DeadLetterEntry> NEWEST_FIRST = Comparator
            .comparing(DeadLetterEntry::deadLetteredAt).reversed()
            .thenComparing(DeadLetterEntry::partition).thenComparing(DeadLetterEntry::offset);

    private final int limit;
    private final Map<String, Long> byReason = new TreeMap<>();
    /** The newest {@code limit} so far, oldest at the head (the one to drop). */
    private final PriorityQueue<DeadLetterEntry> newest = new PriorityQueue<>(NEWEST_FIRST.reversed());
    private long total;

    public DeadLetterSummary(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        this.limit = limit;
    }

    public void add(DeadLetterEntry entry) {
        total++;
        byReason.merge(entry.reason(), 1L, Long::sum);
        newest.add(entry);
        if (newest.size() > limit) {
            newest.poll();
        }
    }

    public Listing listing() {
        List<DeadLetterEntry> rows = new ArrayList<>(newest);
        rows.sort(NEWEST_FIRST);
        return new Listing(total, new TreeMap<>(byReason),
                rows.stream().map(Row::of).toList());
    }
}
