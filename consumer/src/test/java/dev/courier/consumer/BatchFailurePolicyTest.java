package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.consumer.BatchFailurePolicy.Verdict;
import dev.courier.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

/** The failure policy on its own: exception in, verdict out. */
class BatchFailurePolicyTest {

    private static final boolean IN_TRANSACTION = true;
    private static final boolean BEFORE_TRANSACTION = false;

    //                                                fatal  lost   unknown abort  registry records
    private static final Verdict STOP = new Verdict(true, false, false, false, false, false);
    private static final Verdict NEW_PRODUCER = new Verdict(false, true, true, false, false, true);
    private static final Verdict ABORT = new Verdict(false, false, false, true, false, true);
    private static final Verdict ABORT_AND_REREAD = new Verdict(false, false, true, true, false, false);
    private static final Verdict REWIND_ONLY = new Verdict(false, false, false, false, false, false);

    @Test
    void authenticationAndAuthorizationFailuresStopTheConsumerEvenWhenWrapped() {
        assertEquals(STOP, BatchFailurePolicy.classify(new SaslAuthenticationException("bad password"), IN_TRANSACTION));
        assertEquals(STOP, BatchFailurePolicy.classify(new TopicAuthorizationException("courier.ack"), BEFORE_TRANSACTION));
        assertEquals(STOP, BatchFailurePolicy.classify(
                new KafkaException("producer in an error state", new AuthorizationException("denied")), IN_TRANSACTION));
    }

    @Test
    void aFencedOrBrokenProducerIsReplacedNotAbortedAndTheLedgerReRead() {
        for (RuntimeException e : new RuntimeException[] {
                new ProducerFencedException("fenced"),
                new InvalidProducerEpochException("epoch"),
                new OutOfOrderSequenceException("sequence"),
                new UnsupportedVersionException("version"),
                new KafkaException("The producer is in an error state", new ProducerFencedException("wrapped"))}) {
            assertEquals(NEW_PRODUCER, BatchFailurePolicy.classify(e, IN_TRANSACTION), e.toString());
        }
    }

    @Test
    void aTimeoutInsideTheTransactionMayHideACommitSoTheLedgerIsReRead() {
        assertEquals(ABORT_AND_REREAD, BatchFailurePolicy.classify(new TimeoutException("commit timed out"), IN_TRANSACTION));
    }

    @Test
    void aTimeoutBeforeTheTransactionOnlyRewinds() {
        assertEquals(REWIND_ONLY, BatchFailurePolicy.classify(new TimeoutException("ledger read"), BEFORE_TRANSACTION));
    }

    @Test
    void anyOtherFailureInsideTheTransactionAborts() {
        assertEquals(ABORT, BatchFailurePolicy.classify(new KafkaException("broker said no"), IN_TRANSACTION));
        assertEquals(ABORT, BatchFailurePolicy.classify(new IllegalStateException("bug"), IN_TRANSACTION));
    }

    @Test
    void anUnreachableRegistryAbortsAndIsSaidSo() {
        Verdict v = BatchFailurePolicy.classify(new RegistryUnavailable("ledger rebuild",
                new SchemaRegistryException("connection refused", -1, -1, null)), IN_TRANSACTION);
        assertEquals(new Verdict(false, false, false, true, true, false), v);
    }

    @Test
    void aRegistryRefusingTheConsumersCredentialsStopsItInsteadOfRetryingForever() {
        for (int status : new int[] {401, 403}) {
            assertEquals(STOP, BatchFailurePolicy.classify(new RegistryUnavailable("courier.ack-2 (ack batch)",
                    new SchemaRegistryException("unauthorized", status, status, null)), IN_TRANSACTION));
            assertEquals(STOP, BatchFailurePolicy.classify(
                    new SchemaRegistryException("forbidden", status, 40301, null), IN_TRANSACTION));
        }
    }

    @Test
    void aRecordTooLargeMayBeTheRecordsAnUnavailableBrokerIsNot() {
        assertTrue(BatchFailurePolicy.classify(new KafkaException("Cannot execute transactional method because we "
                + "are in an error state", new RecordTooLargeException("too large")), IN_TRANSACTION).mayBeTheRecords());
        assertFalse(BatchFailurePolicy.classify(new KafkaException("in an error state",
                new NotEnoughReplicasException("1 of 3 in sync")), IN_TRANSACTION).mayBeTheRecords());
        assertFalse(BatchFailurePolicy.classify(new TimeoutException("commit timed out"), IN_TRANSACTION).mayBeTheRecords());
        assertFalse(BatchFailurePolicy.classify(new IllegalStateException("ledger"), BEFORE_TRANSACTION).mayBeTheRecords(),
                "before the transaction no record is at work");
    }

    @Test
    void aFailedAbortLosesTheProducerAndTheOutcome() {
        assertEquals(NEW_PRODUCER, ABORT.abortFailed());
    }

    @Test
    void causedBySearchesTheWholeChain() {
        RuntimeException deep = new KafkaException("a", new RuntimeException("b", new ProducerFencedException("c")));
        assertEquals(true, BatchFailurePolicy.causedBy(deep, ProducerFencedException.class));
        assertEquals(false, BatchFailurePolicy.causedBy(deep, TimeoutException.class));
    }
}
