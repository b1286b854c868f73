package dev.courier.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's verdict. {@code lost} comes from the producer's ledger (every send the brokers acknowledged)
 * checked key by key against what was committed downstream, never from counters.
 */
final class DemoReport {

    private final Map<String, Object> values;
    private final String failure;

    private DemoReport(Map<String, Object> values, String failure) {
        this.values = values;
        this.failure = failure;
    }

    static DemoReport reconcile(int messages, Map<String, Long> ledger, long sendFailed, DeliveryObserver observer,
                                List<Path> handLogs, List<FaultLog.Entry> faults, long startedMs, long sendStartMs,
                                boolean settled) {
        Map<String, Long> deliveredAt = observer.deliveredAt();
        Map<String, String> deadLettered = observer.deadLettered();
        long delivered = 0;
        long dead = 0;
        long lost = 0;
        long lastDelivery = sendStartMs;
        long[] latencies = new long[ledger.size()];
        int n = 0;
        for (Map.Entry<String, Long> sent : ledger.entrySet()) {
            Long at = deliveredAt.get(sent.getKey());
            if (at != null) {
                delivered++;
                latencies[n++] = Math.max(0, at - sent.getValue());
                lastDelivery = Math.max(lastDelivery, at);
            } else if (deadLettered.containsKey(sent.getKey())) {
                dead++;
            } else {
                lost++;
            }
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        long duplicates = observer.duplicatesToApp();

        Map<String, Object> v = new LinkedHashMap<>();
        v.put("sent", messages);
        v.put("kafka_acked", ledger.size());
        v.put("send_failed", sendFailed);
        v.put("delivered", delivered);
        v.put("lost", lost);
        v.put("duplicates_to_app", duplicates);
        v.put("redelivered", observer.reemits());
        v.put("raw_redeliveries", HandLogs.read(handLogs).rawRedeliveries());
        v.put("duplicate_acks", observer.duplicateAcks());
        v.put("dead_lettered", dead);
        v.put("p50_ms", percentile(sorted, 0.50));
        v.put("p99_ms", percentile(sorted, 0.99));
        v.put("max_ms", sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        double window = Math.max(0.001, (lastDelivery - sendStartMs) / 1000.0);
        v.put("throughput_per_s", Math.round(delivered / window));
        v.put("faults", faults.stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", f.type);
            m.put("target", f.target);
            m.put("at_s", f.atS);
            m.put("recovered_at_s", f.recoveredAtS);
            return m;
        }).toList());
        v.put("settled", settled);
        v.put("duration_s", Math.round((System.currentTimeMillis() - startedMs) / 100.0) / 10.0);

        String failure = null;
        if (lost > 0) {
            failure = lost + " acknowledged message(s) neither delivered nor dead-lettered";
        } else if (duplicates > 0) {
            failure = duplicates + " duplicate deliveries committed to the application";
        } else if (sendFailed > 0) {
            failure = sendFailed + " send(s) failed at the producer";
        } else if (delivered + dead != messages) {
            failure = "only " + (delivered + dead) + " of " + messages + " messages settled";
        }
        return new DemoReport(v, failure);
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    boolean passed() {
        return failure == null;
    }

    String failure() {
        return failure;
    }

    Map<String, Object> values() {
        return values;
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%n%-20s %s%n", "metric", "value"));
        out.append("-".repeat(34)).append('\n');
        for (String key : List.of("sent", "kafka_acked", "delivered", "lost", "duplicates_to_app", "redelivered",
                "raw_redeliveries", "dead_lettered", "p50_ms", "p99_ms", "max_ms", "throughput_per_s", "duration_s")) {
            out.append(String.format("%-20s %s%n", key, values.get(key)));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> faults = (List<Map<String, Object>>) values.get("faults");
        for (Map<String, Object> f : faults) {
            out.append(String.format("fault at %6.1fs  %-17s %s, back at %ss%n", (Double) f.get("at_s"), f.get("type"),
                    f.get("target"), f.get("recovered_at_s")));
        }
        return out.toString();
    }

    void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Json.MAPPER.writeValue(file.toFile(), values);
    }
}
