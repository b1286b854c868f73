package dev.courier.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's verdict. {@code lost} comes from the producer's ledger (every send the brokers acknowledged)
 * checked key by key against what was committed downstream, never from counters; {@code reemits_of_unread}
 * from the send and ack topics ({@link UnreadReemits}). Either above 0 fails the demo.
 */
public final class DemoReport {

    private final Map<String, Object> values;
    private final String failure;

    private DemoReport(Map<String, Object> values, String failure) {
        this.values = values;
        this.failure = failure;
    }

    /**
     * @param unread the tracker's re-emits judged against what the consumers had read ({@code observer}'s, taken once)
     * @param written what the run wrote to every topic, null if not measured
     */
    static DemoReport reconcile(int messages, Map<String, Long> ledger, long sendFailed, DeliveryObserver observer,
                                UnreadReemits.Result unread, RecordsWritten written, List<Path> handLogs,
                                List<FaultLog.Entry> faults, long startedMs, long sendStartMs, boolean settled) {
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
        v.put("reemits_of_unread", unread.ofUnread());
        v.put("raw_redeliveries", HandLogs.read(handLogs).rawRedeliveries());
        v.put("duplicate_acks", observer.duplicateAcks());
        v.put("dead_lettered", r.deadLettered);
        r.putLatencies(v);
        double window = Math.max(0.001, (Math.max(r.lastDeliveryAtMs, sendStartMs) - sendStartMs) / 1000.0);
        v.put("throughput_per_s", Math.round(r.delivered / window));
        r.putRecordsPerMessage(v, written);
        v.put("faults", faults.stream().map(Reconciliation::fault).toList());
        v.put("settled", settled);
        v.put("duration_s", Reconciliation.secondsSince(startedMs));

        String failure = null;
        if (r.lost > 0) {
            failure = r.lost + " acknowledged message(s) neither delivered nor dead-lettered";
        } else if (duplicates > 0) {
            failure = duplicates + " duplicate deliveries committed to the application";
        } else if (unread.ofUnread() > 0) {
            failure = unread.ofUnread() + " re-emit(s) of a delivery no consumer had read and committed (reemits_of_unread)";
        } else if (sendFailed > 0) {
            failure = sendFailed + " send(s) failed at the producer";
        } else if (r.delivered + r.deadLettered != messages) {
            failure = "only " + (r.delivered + r.deadLettered) + " of " + messages + " messages settled";
        }
        return new DemoReport(v, failure);
    }

    public boolean passed() {
        return failure == null;
    }

    public String failure() {
        return failure;
    }

    public Map<String, Object> values() {
        return values;
    }

    public String table() {
        return Reconciliation.table(values, List.of("sent", "kafka_acked", "delivered", "lost", "duplicates_to_app",
                "redelivered", "reemits_of_unread", "raw_redeliveries", "dead_lettered", "p50_ms", "p99_ms", "max_ms",
                "throughput_per_s", "records_per_message", "records_per_topic", "duration_s"));
    }

    public void write(Path file) throws IOException {
        Reconciliation.write(values, file);
    }
}
