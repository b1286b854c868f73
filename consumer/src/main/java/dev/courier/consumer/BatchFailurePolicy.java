package dev.courier.consumer;

import dev.courier.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failed batch means, decided from the exception alone: whether the consumer must stop, whether its
 * transactional producer is lost (rebuild it), whether the transaction may have committed after all
 * (re-read the ack topic), whether to abort, and whether the batch's records may be the cause
 * ({@link PoisonIsolation}). {@link DeliveryConsumer} carries the verdict out.
 */
final class BatchFailurePolicy {

    /**
     * The verdict on one failure.
     *
     * @param fatal stop the consumer: the failure does not go away by retrying (authentication, authorization,
     *        with Kafka or with the schema registry)
     * @param producerLost the producer cannot be used again: close it and create one (whose
     *        {@code initTransactions()} fences the old epoch and resolves its transaction)
     * @param outcomeUnknown the transaction may have committed: the de-duplication state must be re-read
     *        from the ack topic, which is the truth once the transaction is resolved
     * @param abortTransaction call {@code abortTransaction()}: a transaction is open and its producer usable
     * @param registryUnavailable the schema registry did not answer (transient; never a dead letter)
     * @param mayBeTheRecords the failure may come from the batch's records (a record too large, a fenced or
     *        timed-out transaction, a refused commit), not from an unavailable broker or registry: repeated at the
     *        same record, it isolates that record
     */
    record Verdict(boolean fatal, boolean producerLost, boolean outcomeUnknown, boolean abortTransaction,
                   boolean registryUnavailable, boolean mayBeTheRecords) {

        /** The same failure once {@code abortTransaction()} failed too: the producer is lost, the outcome unknown. */
        Verdict abortFailed() {
            return new Verdict(fatal, true, true, false, registryUnavailable, mayBeTheRecords);
        }
    }

    private BatchFailurePolicy() {
    }

    /**
     * Classifies {@code e}, thrown while processing a batch ({@code inTransaction}: after
     * {@code beginTransaction()} succeeded). The producer reports its fatal errors directly or wrapped ("in an
     * error state"), so the cause chain is searched.
     */
    static Verdict classify(RuntimeException e, boolean inTransaction) {
        if (causedBy(e, AuthenticationException.class, AuthorizationException.class) || SchemaRegistryException.authFailureIn(e)) {
            return new Verdict(true, false, false, false, false, false);
        }
        boolean producerLost = causedBy(e, ProducerFencedException.class, InvalidProducerEpochException.class,
                OutOfOrderSequenceException.class, UnsupportedVersionException.class);
        // a timeout inside the transaction may hide a commit that went through
        boolean outcomeUnknown = producerLost || (inTransaction && e instanceof TimeoutException);
        boolean registryUnavailable = e instanceof RegistryUnavailable;
        boolean unavailable = registryUnavailable || causedBy(e, RetriableException.class);
        // before the transaction only the ledger and the producer are at work, never the records
        return new Verdict(false, producerLost, outcomeUnknown, inTransaction && !producerLost, registryUnavailable,
                inTransaction && !unavailable);
    }

    /** Whether {@code e} or any of its causes is one of {@code types}. */
    @SafeVarargs
    static boolean causedBy(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }
}
