package dev.courier.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether every acknowledged send reached a device exactly once, judged from what the devices received (the
 * hand logs), not from what the consumers acked: deliveries, duplicates and order come from the hand logs;
 * the committed acks are only cross-checked against them. Plain data in, plain data out; no Kafka types.
 *
 * <p>A run is judged failed for each of: a send never confirmed by Kafka, nothing delivered, a hand log
 * missing, an acknowledged send neither handed to a device nor dead-lettered ({@code lost}), a hand-off beyond
 * the first not flagged {@code possibleRedelivery} ({@code duplicates_to_app}), a delivery committed twice
 * ({@code duplicate_commits}), a committed delivery no device received ({@code acked_not_handed}), a hand-off
 * whose delivery was never committed nor dead-lettered ({@code handed_not_acked}), a conversation received out
 * of seq order ({@code order_violations}), an acknowledged send dead-lettered for a reason the scenario did
 * not ask for ({@code dead_lettered_unexpected}), and a delivery slower than the consumers' transaction timeout not
 * handed to a device exactly once and committed ({@code slow_not_delivered_once}: no transaction is open while a
 * Deliverer works, so none can time out under it, and nothing is redone).
 */
final class DeliveryVerdict {

    private final Reconciliation handed;
    private final long sent;
    private final long unconfirmedSends;
    private final List<Path> missingHandLogs;
    private final long duplicatesToApp;
    private final long rawRedeliveries;
    private final long duplicateCommits;
    private final long ackedNotHanded;
    private final long handedNotAcked;
    private final long orderViolations;
    private final long deadLetteredUnexpected;
    private final long slowDeliveries;
    /** Each slow delivery not handed exactly once and committed, with what happened to it instead. */
    private final List<String> slowNotDeliveredOnce;

    private DeliveryVerdict(Reconciliation handed, long sent, long kafkaAcked, List<Path> missingHandLogs,
                            long duplicatesToApp, long rawRedeliveries, long duplicateCommits, long ackedNotHanded,
                            long handedNotAcked, long orderViolations, long deadLetteredUnexpected,
                            long slowDeliveries, List<String> slowNotDeliveredOnce) {
        this.handed = handed;
        this.sent = sent;
        this.unconfirmedSends = sent - kafkaAcked;
        this.missingHandLogs = missingHandLogs;
        this.duplicatesToApp = duplicatesToApp;
        this.rawRedeliveries = rawRedeliveries;
        this.duplicateCommits = duplicateCommits;
        this.ackedNotHanded = ackedNotHanded;
        this.handedNotAcked = handedNotAcked;
        this.orderViolations = orderViolations;
        this.deadLetteredUnexpected = deadLetteredUnexpected;
        this.slowDeliveries = slowDeliveries;
        this.slowNotDeliveredOnce = slowNotDeliveredOnce;
    }

    /**
     * @param ledger every send intent and what Kafka answered
     * @param hands what the devices received
     * @param committedAt delivery key to its first committed settling ack (not a duplicate), from the ack topic
     * @param duplicateCommits settling acks committed beyond the first per delivery key, from the ack topic
     * @param deadLettered delivery key to the reason it was dead-lettered, from the dead-letter topic
     * @param expectedDeadLetterReasons the reasons the scenario deliberately provokes for sends in the ledger
     * @param slowDeliveries delivery keys of sends whose deliveries the scenario made slower than the consumers'
     *        transaction timeout: each must be handed to a device exactly once and committed, never dead-lettered
     */
    static DeliveryVerdict judge(SendLedger ledger, HandLogs hands, Map<String, Long> committedAt,
                                 long duplicateCommits, Map<String, String> deadLettered,
                                 Set<String> expectedDeadLetterReasons, Set<String> slowDeliveries) {
        Map<String, Long> acked = ledger.acked();
        Map<String, Long> firstHanded = hands.firstHandedAt();
        long ackedNotHanded = 0;
        long handedNotAcked = 0;
        long unexpectedDead = 0;
        for (String key : acked.keySet()) {
            boolean wasHanded = firstHanded.containsKey(key);
            boolean committed = committedAt.containsKey(key);
            String deadReason = deadLettered.get(key);
            if (committed && !wasHanded) {
                ackedNotHanded++;
            }
            if (wasHanded && !committed && deadReason == null) {
                handedNotAcked++;
            }
            if (deadReason != null && !expectedDeadLetterReasons.contains(deadReason)) {
                unexpectedDead++;
            }
        }
        List<String> slowNotOnce = new ArrayList<>();
        for (String key : slowDeliveries) {
            long handOffs = hands.handOffs(key);
            String deadReason = deadLettered.get(key);
            if (handOffs != 1 || !committedAt.containsKey(key) || deadReason != null) {
                slowNotOnce.add(key + " (handed " + handOffs + " time(s), " + (committedAt.containsKey(key) ? "" : "not ")
                        + "committed" + (deadReason == null ? "" : ", dead-lettered " + deadReason) + ")");
            }
        }
        return new DeliveryVerdict(Reconciliation.of(acked, firstHanded, deadLettered), ledger.intents(), acked.size(),
                hands.missing(), hands.duplicatesToApp(), hands.rawRedeliveries(), duplicateCommits, ackedNotHanded,
                handedNotAcked, hands.orderViolations(), unexpectedDead, slowDeliveries.size(), slowNotOnce);
    }

    /** The reconciliation of the ledger against the devices' first hand-offs (latencies included). */
    Reconciliation handed() {
        return handed;
    }

    /** Puts the verdict's report keys. */
    void putInto(Map<String, Object> values) {
        values.put("unconfirmed_sends", unconfirmedSends);
        values.put("delivered", handed.delivered);
        values.put("lost", handed.lost);
        values.put("duplicates_to_app", duplicatesToApp);
        values.put("raw_redeliveries", rawRedeliveries);
        values.put("duplicate_commits", duplicateCommits);
        values.put("acked_not_handed", ackedNotHanded);
        values.put("handed_not_acked", handedNotAcked);
        values.put("order_violations", orderViolations);
        values.put("dead_lettered", handed.deadLettered);
        values.put("dead_lettered_unexpected", deadLetteredUnexpected);
        values.put("slow_deliveries", slowDeliveries);
        values.put("slow_not_delivered_once", (long) slowNotDeliveredOnce.size());
        values.put("hand_logs_missing", missingHandLogs.stream().map(Path::toString).toList());
    }

    /** Every reason this verdict fails the run, in words; empty if it passes. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        if (unconfirmedSends > 0) {
            out.add(unconfirmedSends + " of " + sent + " send(s) never confirmed by Kafka (failed, timed out or unanswered)");
        }
        if (handed.delivered == 0) {
            out.add("nothing was delivered to a device");
        }
        if (!missingHandLogs.isEmpty()) {
            out.add("hand log(s) missing, their deliveries cannot be checked: " + missingHandLogs);
        }
        if (handed.lost > 0) {
            out.add(handed.lost + " acknowledged message(s) neither handed to a device nor dead-lettered");
        }
        if (duplicatesToApp > 0) {
            out.add(duplicatesToApp + " message(s) handed to a device again without the possible-redelivery flag");
        }
        if (duplicateCommits > 0) {
            out.add(duplicateCommits + " delivery ack(s) committed more than once for the same message");
        }
        if (ackedNotHanded > 0) {
            out.add(ackedNotHanded + " message(s) acked as delivered that no device received");
        }
        if (handedNotAcked > 0) {
            out.add(handedNotAcked + " message(s) handed to a device whose delivery was never committed nor dead-lettered");
        }
        if (orderViolations > 0) {
            out.add(orderViolations + " message(s) received out of order within their conversation");
        }
        if (deadLetteredUnexpected > 0) {
            out.add(deadLetteredUnexpected + " acknowledged message(s) dead-lettered though the scenario did not ask for it");
        }
        if (!slowNotDeliveredOnce.isEmpty()) {
            out.add(slowNotDeliveredOnce.size() + " of " + slowDeliveries + " slow deliveries (slower than the consumers' "
                    + "transaction timeout) not handed to a device exactly once and committed: " + slowNotDeliveredOnce);
        }
        return out;
    }
}
