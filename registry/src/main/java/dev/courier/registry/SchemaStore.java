package dev.courier.registry;

import dev.courier.registry.CommandCodec.Proposal;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state kept as a replay of its log: the protocol every instance follows.
 *
 * <ol>
 *   <li>A write request becomes a {@link RegistryCommand} carrying intent only, with a fresh proposal id.</li>
 *   <li>It is appended to the log (one partition, so one total order across all instances).</li>
 *   <li>Every instance, the proposer included, applies every record in log order with
 *       {@link RegistryState#apply}: versions, ids and compatibility are decided there, from the log
 *       alone, so all instances (and any instance replaying the log after a restart) agree.</li>
 *   <li>The proposer answers the request once its own record has been applied, with that outcome
 *       (read-your-write). A refusal (e.g. 409 incompatible) is an outcome too.</li>
 * </ol>
 *
 * <p>Compaction: record keys are unique per proposal, so compaction never removes a record and replay
 * sees the log exactly as written. Keys per subject+version would need the version decided before the
 * append, i.e. a single elected writer; with any-instance writes, an outcome depends on everything
 * before it, so nothing may be dropped or reordered. The cost is one small record per write; reads and
 * repeated registrations of a known schema never write.
 */
final class SchemaStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);

    private final SchemaLog schemaLog;
    private final Duration timeout;
    private final RegistryState state = new RegistryState();
    private final ConcurrentMap<String, CompletableFuture<Object>> awaiting = new ConcurrentHashMap<>();
    private final AtomicLong badRecords = new AtomicLong();
    private volatile long lastOffset = -1;
    private volatile boolean replayed;

    /** The follower's health: {@link #healthy()} once replayed and while it still follows the log. */
    record Health(boolean replayed, SchemaLog.FollowerStatus follower, long lastOffset, long badRecords) {
        boolean healthy() {
            return replayed && follower.running();
        }

        /** REPLAYING (at start), FOLLOWING, or STOPPED (it applies no more records: restart the instance). */
        String state() {
            return !follower.running() ? "STOPPED" : replayed ? "FOLLOWING" : "REPLAYING";
        }
    }

    SchemaStore(SchemaLog schemaLog, Duration timeout) {
        this.schemaLog = schemaLog;
        this.timeout = timeout;
    }

    /** Replays the log; returns once caught up with it, failing if replay makes no progress for the timeout. */
    void start() {
        schemaLog.start(this::onRecord, timeout);
        replayed = true;
        log.info("Schema store caught up with {} at offset {}: {} subjects, {} bad records skipped",
                schemaLog.describe(), lastOffset, state.subjects(true).size(), badRecords.get());
    }

    /** For reads. May lag writes made through other instances by the time it takes to apply them. */
    RegistryState state() {
        return state;
    }

    Health health() {
        return new Health(replayed, schemaLog.status(), lastOffset, badRecords.get());
    }

    /** Applies one record; a record that cannot be decoded or applied is skipped and counted, never thrown. */
    private void onRecord(long offset, String key, String value) {
        lastOffset = offset;
        Proposal proposal;
        try {
            proposal = CommandCodec.decode(value);
        } catch (RuntimeException e) {
            skip(offset, key, e);
            return;
        }
        CompletableFuture<Object> proposer = awaiting.remove(proposal.id());
        try {
            Object result = state.apply(proposal.command());
            log.debug("Applied offset {}: {} -> {}", offset, proposal.command().getClass().getSimpleName(), result);
            if (proposer != null) {
                proposer.complete(result);
            }
        } catch (RegistryError refused) {
            log.debug("Applied offset {}: {} refused: {}", offset, proposal.command().getClass().getSimpleName(), refused.getMessage());
            if (proposer != null) {
                proposer.completeExceptionally(refused);
            }
        } catch (RuntimeException e) {
            skip(offset, key, e);
            if (proposer != null) {
                proposer.completeExceptionally(e);
            }
        }
    }

    private void skip(long offset, String key, RuntimeException why) {
        long skipped = badRecords.incrementAndGet();
        log.error("Skipping bad record at offset {} of {} (key {}), {} skipped so far: {}",
                offset, schemaLog.describe(), key, skipped, why.toString());
    }

    /** Proposes {@code command} and returns its outcome once applied; throws the refusal otherwise. */
    @SuppressWarnings("unchecked")
    <R> R submit(RegistryCommand<R> command) {
        Proposal proposal = new Proposal(UUID.randomUUID().toString(), command);
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        awaiting.put(proposal.id(), outcome);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            long offset = schemaLog.append(CommandCodec.key(proposal), CommandCodec.value(proposal))
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            log.debug("Proposal {} appended at offset {}", proposal.id(), offset);
            return (R) outcome.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RegistryError refused) {
                throw refused;
            }
            log.error("Proposal {} could not be stored in {}", proposal.id(), schemaLog.describe(), e.getCause());
            throw new RegistryError(RegistryError.STORE_ERROR, "Error in the backend data store");
        } catch (TimeoutException e) {
            log.error("Proposal {} not stored and applied within {} ms by {}", proposal.id(), timeout.toMillis(), schemaLog.describe());
            throw new RegistryError(RegistryError.TIMEOUT, "Operation timed out after " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(RegistryError.STORE_ERROR, "Error in the backend data store");
        } finally {
            awaiting.remove(proposal.id());
        }
    }

    String describe() {
        return schemaLog.describe();
    }

    @Override
    public void close() {
        schemaLog.close();
    }
}
