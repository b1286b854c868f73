package dev.courier.cli;

import java.io.IOException;
import java.nio.file.Path;
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
        Reconciliation r = Reconciliation.of(ledger, observer);
        long duplicates = observer.duplicatesToApp();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("sent", messages);
        v.put("kafka_acked", ledger.size());
        v.put("send_failed", sendFailed);
        v.put("delivered", r.delivered);
        v.put("lost", r.lost);
        v.put("duplicates_to_app", duplicates);
        v.put("redelivered", observer.reemits());
        v.put("raw_redeliveries", HandLogs.read(handLogs).rawRedeliveries());
        v.put("duplicate_acks", observer.duplicateAcks());
        v.put("dead_lettered", r.deadLettered);
        r.putLatencies(v);
        double window = Math.max(0.001, (Math.max(r.lastDeliveryAtMs, sendStartMs) - sendStartMs) / 1000.0);
        v.put("throughput_per_s", Math.round(r.delivered / window));
        v.put("faults", faults.stream().map(Reconciliation::fault).toList());
        v.put("settled", settled);
        v.put("duration_s", Reconciliation.secondsSince(startedMs));

        String failure = null;
        if (r.lost > 0) {
            failure = r.lost + " acknowledged message(s) neither delivered nor dead-lettered";
        } else if (duplicates > 0) {
            failure = duplicates + " duplicate deliveries committed to the application";
        } else if (sendFailed > 0) {
            failure = sendFailed + " send(s) failed at the producer";
        } else if (r.delivered + r.deadLettered != messages) {
            failure = "only " + (r.delivered + r.deadLettered) + " of " + messages + " messages settled";
        }
        return new DemoReport(v, failure);
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
        return Reconciliation.table(values, List.of("sent", "kafka_acked", "delivered", "lost", "duplicates_to_app",
                "redelivered", "raw_redeliveries", "dead_lettered", "p50_ms", "p99_ms", "max_ms", "throughput_per_s",
                "duration_s"));
    }

    void write(Path file) throws IOException {
        Reconciliation.write(values, file);
    }
}
