package dev.courier.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger of acknowledged sends checked key by key against what was committed downstream, as the demo
 * and the chaos run both judge it: every key is delivered, dead-lettered with a reason, or lost. Also the
 * pieces of their reports that are the same: latency percentiles, records per message, the fault list, the
 * table, the file, the list of re-emits of unread deliveries.
 */
final class Reconciliation {

    final long delivered;
    final long deadLettered;
    final long lost;
    /** Send-to-delivered latencies of the delivered keys, sorted. */
    final long[] latenciesMs;
    final long lastDeliveryAtMs;

    private Reconciliation(long delivered, long deadLettered, long lost, long[] latenciesMs, long lastDeliveryAtMs) {
        this.delivered = delivered;
        this.deadLettered = deadLettered;
        this.lost = lost;
        this.latenciesMs = latenciesMs;
        this.lastDeliveryAtMs = lastDeliveryAtMs;
    }

    /** @param ledger delivery key to the time it was sent, for every send the brokers acknowledged */
    static Reconciliation of(Map<String, Long> ledger, DeliveryObserver observer) {
        return of(ledger, observer.deliveredAt(), observer.deadLettered());
    }

    /**
     * @param ledger delivery key to the time it was sent, for every send the brokers acknowledged
     * @param deliveredAt delivery key to when it was delivered (by committed acks, or by the devices' hand logs)
     * @param deadLettered delivery key to its dead-letter reason
     */
    static Reconciliation of(Map<String, Long> ledger, Map<String, Long> deliveredAt, Map<String, String> deadLettered) {
        long delivered = 0;
        long dead = 0;
        long lost = 0;
        long last = 0;
        long[] latencies = new long[ledger.size()];
        int n = 0;
        for (Map.Entry<String, Long> sent : ledger.entrySet()) {
            Long at = deliveredAt.get(sent.getKey());
            if (at != null) {
                delivered++;
                latencies[n++] = Math.max(0, at - sent.getValue());
                last = Math.max(last, at);
            } else if (deadLettered.containsKey(sent.getKey())) {
                dead++;
            } else {
                lost++;
            }
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Reconciliation(delivered, dead, lost, sorted, last);
    }

    /** Puts p50_ms, p99_ms and max_ms. */
    void putLatencies(Map<String, Object> values) {
        values.put("p50_ms", percentile(0.50));
        values.put("p99_ms", percentile(0.99));
        values.put("max_ms", latenciesMs.length == 0 ? 0 : latenciesMs[latenciesMs.length - 1]);
    }

    long percentile(double q) {
        if (latenciesMs.length == 0) {
            return 0;
        }
        return latenciesMs[(int) Math.min(latenciesMs.length - 1, Math.ceil(q * latenciesMs.length) - 1)];
    }

    /**
     * Puts {@code records_per_message} (every record written to every topic, per delivered message) and
     * {@code records_per_topic} (the same per topic, most first); null and empty when not measured.
     */
    void putRecordsPerMessage(Map<String, Object> values, RecordsWritten written) {
        values.put("records_per_message", written == null ? null : written.perMessage(delivered));
        values.put("records_per_topic", written == null ? Map.of() : written.perTopicPerMessage(delivered));
    }

    /**
     * If there are re-emits of unread deliveries, lists them one per line in {@code reemits-of-unread.tsv} in
     * the run directory, for whoever investigates the count, and prints where.
     */
    static void listReemitsOfUnread(Path runDir, UnreadReemits.Result result) throws IOException {
        if (result.unread().isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder(
                "# send_partition\toffset\tmessageId/recipientId\tattempt\treemitted_at_ms\tprevious_attempt_offset\n");
        for (UnreadReemits.Reemit r : result.unread()) {
            out.append(r.partition()).append('\t').append(r.offset()).append('\t').append(r.deliveryKey()).append('\t')
                    .append(r.attempt()).append('\t').append(r.atMs()).append('\t').append(r.previousOffset()).append('\n');
        }
        Path file = runDir.resolve("reemits-of-unread.tsv");
        Files.writeString(file, out);
        System.out.println("re-emits of unread deliveries: " + file.toAbsolutePath());
    }

    static Map<String, Object> fault(FaultLog.Entry f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", f.type);
        m.put("target", f.target);
        m.put("at_s", f.atS);
        m.put("recovered_at_s", f.recoveredAtS);
        if (f.inFlightAtFault != null) {
            m.put("in_flight_at_fault", f.inFlightAtFault);
        }
        if (f.problem != null) {
            m.put("problem", f.problem);
        }
        return m;
    }

    static double secondsSince(long startedMs) {
        return Math.round((System.currentTimeMillis() - startedMs) / 100.0) / 10.0;
    }

    /** A two-column table of {@code keys}, then one line per fault. */
    static String table(Map<String, Object> values, List<String> keys) {
        int width = keys.stream().mapToInt(String::length).max().orElse(10) + 2;
        StringBuilder out = new StringBuilder(String.format("%n%-" + width + "s %s%n", "metric", "value"));
        out.append("-".repeat(width + 14)).append('\n');
        for (String key : keys) {
            out.append(String.format("%-" + width + "s %s%n", key, values.get(key)));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> faults = (List<Map<String, Object>>) values.get("faults");
        for (Map<String, Object> f : faults) {
            out.append(String.format("fault at %6.1fs  %-22s %s, back at %ss%s%s%n", (Double) f.get("at_s"), f.get("type"),
                    f.get("target"), f.get("recovered_at_s"),
                    f.containsKey("in_flight_at_fault") ? ", " + f.get("in_flight_at_fault") + " in flight" : "",
                    f.containsKey("recover_s") ? ", caught up in " + f.get("recover_s") + "s" : ""));
        }
        return out.toString();
    }

    static void write(Map<String, Object> values, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Json.MAPPER.writeValue(file.toFile(), values);
    }
}
