package dev.courier.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict of a chaos run. {@code lost} = sends the brokers acknowledged that are neither delivered nor
 * dead-lettered with a reason, found key by key from the ledger; never from counters. A re-emit of a
 * delivery no consumer had read and committed ({@code reemits_of_unread}, from the topics) fails it like a
 * loss, a duplicate or an order violation.
 */
public final class ChaosReport {

    private final Map<String, Object> values;
    private final String failure;

    private ChaosReport(Map<String, Object> values, String failure) {
        this.values = values;
        this.failure = failure;
    }

    /**
     * @param unread the tracker's re-emits judged against what the consumers had read ({@code observer}'s, taken once)
     * @param written what the run wrote to every topic, null if not measured
     */
    static ChaosReport reconcile(SendLedger ledger, DeliveryObserver observer, UnreadReemits.Result unread,
                                 RecordsWritten written, PoisonInjector poison, HandLogs hands,
                                 List<FaultLog.Entry> faults, Timeline timeline, long startedMs, boolean settled,
                                 double reemitLimitPerS) {
        Reconciliation r = Reconciliation.of(ledger.acked(), observer);
        long lost = r.lost;
        long poisonMissing = poison.poisonOrigins().stream()
                .filter(o -> !observer.deadLetteredOrigins().contains(o)).count();
        long duplicates = observer.duplicatesToApp();
        long orderViolations = hands.orderViolations();
        long reemitsOfUnread = unread.ofUnread();

        Map<String, Object> v = new LinkedHashMap<>();
        v.put("sent", ledger.intents());
        v.put("kafka_acked", ledger.acked().size());
        v.put("send_failed", ledger.failed().get());
        v.put("indeterminate", ledger.indeterminate().get());
        v.put("delivered", r.delivered);
        v.put("lost", lost);
        v.put("duplicates_to_app", duplicates);
        v.put("raw_redeliveries", hands.rawRedeliveries());
        v.put("order_violations", orderViolations);
        v.put("redelivered", observer.reemits());
        v.put("reemits_of_unread", reemitsOfUnread);
        v.put("dead_lettered_by_reason", observer.deadLettersByReason());
        v.put("poison_records", poison.written());
        v.put("poison_not_dead_lettered", poisonMissing);
        v.put("stray_acks", poison.strayAcks());
        List<Map<String, Object>> faultList = new ArrayList<>();
        double recoverMax = 0;
        long slack = Math.max(50, ledger.acked().size() / 1000);
        for (FaultLog.Entry f : faults) {
            Map<String, Object> m = Reconciliation.fault(f);
            double recover = timeline.recoverySeconds(f.atS, slack);
            m.put("recover_s", recover);
            recoverMax = Math.max(recoverMax, recover);
            faultList.add(m);
        }
        v.put("faults", faultList);
        v.put("unavailable_s_max", timeline.longestStall());
        v.put("reemits_per_s_max", timeline.maxReemitRate(5));
        v.put("reemit_limit_per_s", reemitLimitPerS);
        v.put("recover_s_max", recoverMax);
        r.putLatencies(v);
        r.putRecordsPerMessage(v, written);
        v.put("settled", settled);
        v.put("duration_s", Reconciliation.secondsSince(startedMs));

        String failure = null;
        if (lost > 0) {
            failure = lost + " acknowledged message(s) neither delivered nor dead-lettered";
        } else if (duplicates > 0) {
            failure = duplicates + " duplicate deliveries committed to the application";
        } else if (orderViolations > 0) {
            failure = orderViolations + " message(s) received out of order within their conversation";
        } else if (reemitsOfUnread > 0) {
            failure = reemitsOfUnread + " re-emit(s) of a delivery no consumer had read and committed (reemits_of_unread)";
        } else if (poisonMissing > 0) {
            failure = poisonMissing + " poison record(s) not dead-lettered";
        }
        return new ChaosReport(v, failure);
    }

    public boolean passed() {
        return failure == null;
    }

    public String failure() {
        return failure;
    }

    public String table() {
        return Reconciliation.table(values, List.of("sent", "kafka_acked", "send_failed", "indeterminate", "delivered",
                "lost", "duplicates_to_app", "raw_redeliveries", "order_violations", "redelivered", "reemits_of_unread",
                "dead_lettered_by_reason", "poison_records", "stray_acks", "unavailable_s_max", "recover_s_max",
                "reemits_per_s_max", "reemit_limit_per_s", "p50_ms", "p99_ms", "max_ms", "records_per_message",
                "records_per_topic", "duration_s"));
    }

    public void write(Path file) throws IOException {
        Reconciliation.write(values, file);
    }
}
