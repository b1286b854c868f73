package dev.courier.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report of a chaos run and its verdict: what the devices received against the producer's ledger
 * ({@link DeliveryVerdict}, cross-checked with the committed acks), plus what only the topics show: a
 * re-emit of a delivery no consumer had read and committed ({@code reemits_of_unread}), poison records not
 * dead-lettered, and faults that struck an idle pipeline ({@code in_flight_at_fault} 0 in a fault's entry).
 * Every problem found is named in {@link #failure()}, not only the first.
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
     * @param slowDeliveries delivery keys of the slow fault's messages ({@link SlowDelivery})
     */
    static ChaosReport reconcile(SendLedger ledger, DeliveryObserver observer, UnreadReemits.Result unread,
                                 RecordsWritten written, PoisonInjector poison, Set<String> slowDeliveries, HandLogs hands,
                                 List<FaultLog.Entry> faults, Timeline timeline, long startedMs, boolean settled,
                                 double reemitLimitPerS) {
        DeliveryVerdict verdict = DeliveryVerdict.judge(ledger, hands, observer.deliveredAt(),
                observer.duplicatesToApp(), observer.deadLettered(), Set.of(), slowDeliveries);
        Reconciliation r = verdict.handed();
        long poisonMissing = poison.poisonOrigins().stream()
                .filter(o -> !observer.deadLetteredOrigins().contains(o)).count();
        long poisonWrongReason = poison.expectedReasons().entrySet().stream().filter(e -> {
            String reason = observer.deadLetterReasonByOrigin().get(e.getKey());
            return reason != null && !reason.equals(e.getValue().name());
        }).count();
        long reemitsOfUnread = unread.ofUnread();

        Map<String, Object> v = new LinkedHashMap<>();
        v.put("sent", ledger.intents());
        v.put("kafka_acked", ledger.acked().size());
        v.put("send_failed", ledger.failed().get());
        v.put("indeterminate", ledger.indeterminate().get());
        verdict.putInto(v);
        v.put("redelivered", observer.reemits());
        v.put("reemits_of_unread", reemitsOfUnread);
        v.put("dead_lettered_by_reason", observer.deadLettersByReason());
        v.put("poison_records", poison.written());
        v.put("poison_by_kind", poison.writtenByKind());
        v.put("poison_not_dead_lettered", poisonMissing);
        v.put("poison_wrong_reason", poisonWrongReason);
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

        List<String> problems = new ArrayList<>(verdict.problems());
        if (reemitsOfUnread > 0) {
            problems.add(reemitsOfUnread + " re-emit(s) of a delivery no consumer had read and committed (reemits_of_unread)");
        }
        if (poisonMissing > 0) {
            problems.add(poisonMissing + " poison record(s) not dead-lettered");
        }
        if (poisonWrongReason > 0) {
            problems.add(poisonWrongReason + " poison record(s) dead-lettered with another reason than their kind's");
        }
        problems.addAll(FaultLog.problems(faults));
        if (!settled) {
            problems.add("the pipeline did not settle every acknowledged send before the deadline");
        }
        String failure = problems.isEmpty() ? null : String.join("; ", problems);
        return new ChaosReport(v, failure);
    }

    public boolean passed() {
        return failure == null;
    }

    public String failure() {
        return failure;
    }

    public String table() {
        return Reconciliation.table(values, List.of("sent", "kafka_acked", "send_failed", "indeterminate",
                "unconfirmed_sends", "delivered", "lost", "duplicates_to_app", "raw_redeliveries", "duplicate_commits",
                "acked_not_handed", "handed_not_acked", "order_violations", "slow_deliveries", "slow_not_delivered_once",
                "redelivered", "reemits_of_unread",
                "dead_lettered_unexpected", "dead_lettered_by_reason", "poison_records", "poison_by_kind", "poison_wrong_reason", "stray_acks", "unavailable_s_max", "recover_s_max",
                "reemits_per_s_max", "reemit_limit_per_s", "p50_ms", "p99_ms", "max_ms", "records_per_message",
                "records_per_topic", "duration_s"));
    }

    public void write(Path file) throws IOException {
        Reconciliation.write(values, file);
    }
}
