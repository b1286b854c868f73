/**
 * The delivery consumer: reads {@code <prefix>.send}, hands each {@link dev.courier.schemas.SendEvent} to a
 * {@link dev.courier.consumer.Deliverer}, and publishes the {@link dev.courier.schemas.DeliveryAck}s to
 * {@code <prefix>.ack}, one {@link dev.courier.schemas.AckBatch} (or a few parts of one) per partition and
 * transaction, exactly once per committed batch: consume-transform-produce with one transactional producer
 * per instance and the consumer's group metadata (KIP-447). Every delivery it reads is acked settling
 * (DELIVERED, READ, REJECTED), acked not settling (RETRY, HELD) with its send event, so the tracker can
 * re-emit it without reading the send topic (the send topic is the queue, the group's offsets the position),
 * or dead-lettered.
 *
 * <h2>Who does what</h2>
 * <ul>
 *   <li>{@link dev.courier.consumer.DeliveryConsumer}: the loop and the transaction around each batch.</li>
 *   <li>{@code PartitionState}: all it keeps per owned partition (de-duplication, redelivery flags, order
 *       hold, the batch in progress), one object per partition; {@code AckBatchParts}: how its acks are cut
 *       into AckBatch records.</li>
 *   <li>{@link dev.courier.consumer.DeliveredSet}: what was acked (de-duplication);
 *       {@link dev.courier.consumer.ConversationGate}: the order hold;
 *       {@code AckLedgerReader}: reads both back from the ack topic, in slices, into each partition's
 *       {@code LedgerProgress} (how far it was read, kept across rebalances).</li>
 *   <li>{@code ConsumerIdClaim}: refuses to start when a running member of the group has this consumer id.</li>
 *   <li>{@code BatchFailurePolicy}: what a failed batch means (stop, rebuild the producer, re-read the
 *       ledger, abort, may it be the records'); {@code PoisonIsolation}: which record keeps batches from
 *       committing.</li>
 *   <li>{@code DeliveryConsumerSensors}: the counters, as Kafka metrics over JMX; read as
 *       {@link dev.courier.consumer.DeliveryConsumerMetrics}.</li>
 * </ul>
 *
 * <h2>Start and assignment</h2>
 * <ol>
 *   <li>At start, before joining the group and before {@code initTransactions()}: the group's members, from the
 *       group coordinator ({@code Admin.describeConsumerGroups}). A member whose client.id is this consumer id and
 *       that is still there after {@code session.timeout.ms} + 3 s is a running twin: this consumer stops with
 *       {@link dev.courier.consumer.ConsumerIdInUseException} (its transactional.id would fence the twin's and be
 *       fenced back, forever). A member that leaves meanwhile was a crashed predecessor: its id is taken over.</li>
 *   <li>An assigned partition is paused until its ack partition is read back ({@code AckLedgerReader}), from where
 *       this instance last stopped reading it (or, the first time, from the first offset at or after
 *       {@code now - dedupe.window.ms}; never before that), to the end offset sampled (the last stable offset), in
 *       slices of {@code dedupe.rebuild.slice.ms} between polls: the loop stays in the group and processes the
 *       partitions that are caught up; a slice cut short or failed keeps what it read. Then the partition's order
 *       holds are restored (see Ordering) and it is resumed. This instance's own committed AckBatches count as read
 *       when they start right after what was read or after its own previous commit marker (nothing else can lie
 *       between); any gap leaves the position, and what lies there is read next time.</li>
 * </ol>
 *
 * <h2>Protocol, per poll batch</h2>
 * <ol>
 *   <li>{@code poll()} (never inside a transaction, so rebalance callbacks always run between batches). The
 *       send topic is read {@code read_committed}: the tracker's re-emits are transactional. While a record is
 *       being isolated (see Failures) the batch takes the first polled record only, and the partitions are
 *       sought back to what it did not take once it commits.</li>
 *   <li>{@code beginTransaction()}.</li>
 *   <li>For each record, in partition order: decode the value with the Courier serde (values are read as
 *       bytes so one poison record is caught on its own). A value that is not readable
 *       ({@code WireFormatException}, a declared length over Avro's limits included), an invalid event
 *       ({@code EventChecks.checkSend}) or a payload over {@code courier.max.payload.bytes} is poison: a
 *       {@link dev.courier.schemas.DeadLetter} with the event if decoded, else the raw bytes (never both, and
 *       neither if the letter would exceed {@code max.request.size}: {@code DeadLetterSize}), and the reason
 *       goes to {@code <prefix>.dead-letter} in this transaction (encoded now, written with the acks after the
 *       batch's last Deliverer call), and the consumer moves on. An unreachable
 *       schema registry is not poison: the batch is aborted and retried after a back-off; nor is a schema id it
 *       does not know, for 30 s from its first 404 ({@code NotFoundGrace}: an instance may lag). A registry
 *       refusing the consumer's credentials stops it.</li>
 *   <li>De-duplicate on (messageId, recipientId) against the partition's {@link dev.courier.consumer.DeliveredSet}
 *       (committed acks plus those of this batch). A duplicate is not handed to the Deliverer; it is acked
 *       again with the recorded status and {@code duplicate=true} (so a tracker that re-emitted it settles)
 *       and counted; it is settled in the partition's {@link dev.courier.consumer.ConversationGate} too.</li>
 *   <li>Time-to-live: an event read at or after {@code sentAt + message.ttl.ms} (keep it equal to the
 *       tracker's) is expired ({@code EventChecks.checkExpiry}): dead-lettered with reason {@code EXPIRED} and
 *       the event, in this transaction, not handed to the Deliverer, and no ack; for the order hold it counts
 *       as settled (the held messages behind it are handed over). A duplicate is re-acked, never expired.</li>
 *   <li>Order hold ({@code order.hold.enabled}, on by default): ask the partition's ConversationGate. If an
 *       earlier message (lower seq) of the same (recipientId, conversationId) is owed, the record is
 *       <b>held</b>: not handed to the Deliverer yet, kept in memory, acked with status HELD and the send event
 *       (which settles nothing: the tracker re-arms its deadline without counting the attempt), and counted
 *       ({@code held}). The offset still advances.</li>
 *   <li>Otherwise call the Deliverer. DELIVERED / READ / REJECTED: collect the ack in the partition's list,
 *       stage the key in the DeliveredSet, and stage the message as settled in the gate; then hand over, in
 *       seq order and in this same batch, the held messages of its conversation that are now first in line
 *       ({@code released}; their acks go to the same partition's list, the gate being per partition). RETRY,
 *       an exception or null: nothing settles; the message is acked RETRY with the send event as read (attempt
 *       included), its conversationId and, if it has one, its seq (with the hold on or off); the offset still
 *       advances and the tracker re-emits it after its back-off; a message with a seq is staged as owed in the
 *       gate, which holds the later messages of its conversation. Settling acks carry no event.</li>
 *   <li>Only now does the transaction write anything: first the batch's dead letters, then, for each partition p
 *       of the batch, its {@link dev.courier.schemas.AckBatch} to
 *       <b>partition p of the ack topic</b> (explicit partition, key null; the topics are co-partitioned,
 *       checked at start): {@code committedThrough} = the offset about to be committed for p (last offset
 *       + 1), {@code firstOffset} = p's first offset in the batch, {@code committedAt} = the clock now,
 *       {@code acks} = p's acks in handling order. Acks carrying large events are split into several
 *       AckBatch records ({@code AckBatchParts}): each part's estimate (per ack: event payload bytes + 300)
 *       stays under 512 KiB, an ack over it goes alone; all parts carry the same progress fields and,
 *       read in order, the acks in handling order. A partition with no ack (all dead-lettered) still gets
 *       exactly one AckBatch, with no acks: it is the partition's progress report, which tells the tracker,
 *       in order with the acks, that every send record below {@code committedThrough} was read and its
 *       outcome committed (only those can be late; the rest is merely queued).</li>
 *   <li>{@code sendOffsetsToTransaction(next offsets, consumer.groupMetadata())}, then
 *       {@code commitTransaction()}: AckBatches, dead letters and the consumed offsets become visible
 *       together, or not at all. Only then are the staged keys promoted to committed in the DeliveredSets,
 *       the staged gate changes applied, and the metrics counted. On an abort all of it, the collected acks
 *       included, is dropped with the batch.</li>
 * </ol>
 *
 * <h2>Ordering</h2>
 * A recipient's records are in one partition, so the Deliverer sees them in publish order; the one thing
 * that reorders is RETRY, whose message comes back by re-emit behind later ones. The order hold closes
 * that: a message with a {@link dev.courier.consumer.Delivery#seq()} is handed over only when no message of
 * its conversation with a lower seq is owed (answered RETRY, or held, and not yet acked), so the Deliverer
 * sees each conversation in seq order even when re-emits arrive shuffled. A held message waits only for its
 * blocker: it is handed over from memory right after the blocker is delivered, and its tracker attempts are
 * not spent meanwhile (HELD acks). The rule is in {@link dev.courier.consumer.ConversationGate}; its limits:
 * <ul>
 *   <li>A conversation without progress for {@code order.hold.max.ms} (default 10 min) is released: its
 *       messages flow again and order for it is given up ({@code holdsExpired}, logged), so one
 *       undeliverable message cannot wedge it.</li>
 *   <li>The hold is in memory, per partition, and dropped when the partition is revoked or lost (the
 *       held copies with it; the tracker re-emits them). The next owner restores it from the ack topic
 *       (unsettled RETRY and HELD acks with a seq of the last {@code order.hold.max.ms}; their events are not
 *       kept) when it rebuilds its de-duplication state (the acks of both AckBatches and, from before batches,
 *       single DeliveryAck records; only settling acks de-duplicate); acks whose commit markers are not yet
 *       written at that moment are missed. For a restored HELD message it has no copy of, it asks the tracker
 *       with a RETRY ack (seq, no event) in the partition's next AckBatch.</li>
 *   <li>Messages without a seq are never held; neither are older ones (lower seq than the owed one).</li>
 * </ul>
 *
 * <h2>Why nothing is lost</h2>
 * An offset is committed only in the transaction that carries the outcome of every record below it (an
 * ack in the partition's AckBatch, settling or, for RETRY and HELD, with the event for the tracker to
 * re-emit; or a dead letter) and the AckBatch that reports it. If anything fails before the commit, the transaction aborts, the
 * in-memory additions of the batch are dropped, and the consumer seeks back to the committed offsets: every
 * record of the batch is processed again. After a fencing or producer-fatal error the producer is rebuilt
 * ({@code initTransactions()} resolves the previous transaction); whether that transaction committed is read from
 * the group's committed offsets, written in the same transaction as its acks (equal to the batch's: what the batch
 * staged is committed; otherwise, or if they cannot be read, the ack partition is read on from where it was last
 * read), and the consumer seeks back the same way. The group's zombie fencing (KIP-447) means an
 * instance that lost its partitions cannot commit offsets for them any more.
 *
 * <h2>A slow Deliverer</h2>
 * The coordinator counts {@code transaction.timeout.ms} from the transaction's first write (the first partition
 * added to it), not from {@code beginTransaction()}; since a batch writes nothing before its last Deliverer call,
 * a Deliverer slower than the transaction timeout only delays its batch: handed once, committed once. (Dead letters
 * were once written as they were found, so one ahead of a slow delivery in the batch opened the transaction, the
 * coordinator aborted it, and the batch was redone until isolation let the slow record commit alone.) What a
 * batch's Deliverer calls must stay under is the group consumer's {@code max.poll.interval.ms} (5 min by
 * default): past it the member has left the group, the transaction's offsets are refused
 * ({@code CommitFailedException}), the partitions move, and whoever owns the record next hands it again (flagged);
 * a record that does this every time is dead-lettered {@code UNCOMMITTABLE} (below), each try costing a
 * {@code max.poll.interval.ms}; the tries are counted per instance, so a partition moving between instances takes
 * more of them.
 *
 * <h2>Failures that repeat at the same record</h2>
 * A batch can fail for its records' sake: a dead letter the producer refuses, a Deliverer slower than
 * {@code max.poll.interval.ms}. Retried as is, it would fail forever and stall its partition.
 * {@code BatchFailurePolicy} tells those failures from an unavailable broker or registry (retried without
 * limit); {@code PoisonIsolation} counts them by the batch's first record. After two at the same record, each
 * batch takes one record until the failed batch's records are through; a record whose own one-record batch
 * fails three times is dead-lettered {@code UNCOMMITTABLE} (event if it decodes, raw bytes if not) without
 * being handed to the Deliverer again, and counts as settled for the order hold. It was handed before: a
 * Deliverer that completed it outside the transaction has delivered a message that is also dead-lettered.
 *
 * <h2>When the Deliverer can see a record twice</h2>
 * A duplicate in the send topic (a tracker re-emit, a producer retry with the same messageId) never
 * reaches the Deliverer while its ack is committed and within {@code dedupe.window.ms}: the committed ack
 * topic is the ledger, read back per partition on assignment (from where this instance last read it, at the
 * earliest {@code now - dedupe.window.ms}, to the end), with what this instance committed itself (whose markers
 * may trail the commit).
 * The one exception is a failure between {@code deliver()} and {@code commitTransaction()} (crash, kill,
 * fencing, abort): the ack was never visible, the offset was not committed, so the record is handed
 * again, by this instance after a rewind or by the partition's next owner. Such a repeat is flagged
 * {@link dev.courier.consumer.Delivery#possibleRedelivery()}:
 * <ul>
 *   <li>after an abort in this instance: every record at or below the highest offset handed in the
 *       aborted batch (known exactly);</li>
 *   <li>after a partition is assigned: the previous owner may have handed up to one batch beyond the
 *       committed offset before dying, and that cannot be known, so the first {@code max.poll.records}
 *       records read from the partition are flagged (this assumes all instances use the same
 *       {@code max.poll.records}). A flag means "maybe", never "certainly".</li>
 *   <li>after an assignment, the messages of the order holds restored from the ack topic: the previous owner
 *       may have released a held copy and handed it in a batch that never committed, and a held copy is not
 *       re-read at its offset but re-emitted by the tracker at a new one;</li>
 *   <li>a flag sticks to its delivery, not to its offset: once a copy of (messageId, recipientId) is flagged
 *       or handed in a batch that aborted, every later copy is flagged too (a re-emit at a new offset, a newer
 *       copy that replaces a held one in the order hold), until a settling ack for it commits. Chaos found
 *       both gaps: re-emits handed without the flag after their first copies had been handed in aborted
 *       batches.</li>
 * </ul>
 * A Deliverer that must be exactly-once end to end makes delivery idempotent on (messageId, recipientId)
 * when the flag is set.
 *
 * <h2>Replayed records ({@code courier replay})</h2>
 * A replay writes the original send event, unchanged (same messageId, recipientId, seq, sentAt, attempt), to the
 * send topic with {@code courier.replay.*} record headers ({@link dev.courier.schemas.CopyHeaders}). The
 * consumer treats it as any send record, with two differences:
 * <ul>
 *   <li>By default a replayed message already acked within {@code dedupe.window.ms} is a duplicate: not handed to
 *       the Deliverer, re-acked with {@code duplicate=true}, settled in the gate. A replayed message that was never
 *       acked (or acked before the window) is delivered normally, order hold included: it is the real delivery, so
 *       it waits for a lower owed seq and is released like any held message. A message whose {@code sentAt} is
 *       past {@code message.ttl.ms} is dead-lettered {@code EXPIRED} as usual: replay does not extend the TTL.</li>
 *   <li>With {@code courier.replay.redeliver=true} ({@code courier replay --redeliver-delivered}) a message already
 *       acked is handed to the Deliverer again, with {@link dev.courier.consumer.Delivery#replay()} set, and acked
 *       again (one ack per hand-off, {@code duplicate=false}: the one-ack-per-delivery rule does not hold for a
 *       redelivery the operator asked for). It bypasses the order gate: it was delivered in order once already, and
 *       its old seq must neither hold it behind an owed message (the release path would then drop it as already
 *       acked) nor block its conversation (a RETRY of it comes back by re-emit, without the header, and is settled
 *       as a duplicate, so it is not retried).</li>
 * </ul>
 * Every hand-off of a replayed record, redelivered on request or not, carries {@code replay=true}.
 *
 * <h2>Threads and shutdown</h2>
 * {@link dev.courier.consumer.DeliveryConsumer#run()} runs the loop on the calling thread;
 * {@link dev.courier.consumer.DeliveryConsumer#close()} (any thread) sets a flag and calls
 * {@code consumer.wakeup()}. A batch in progress finishes and commits (the Deliverer is not interrupted);
 * a wakeup can only surface from {@code poll()} or from the rewind after an abort, both outside a
 * transaction. Then the producer and consumer are closed, which leaves the group at once. With
 * {@code session.timeout.ms=10000} a killed instance's partitions move within about 10 s. Logs carry record
 * coordinates and ids, never payloads.
 *
 * <h2>Known limits</h2>
 * <ul>
 *   <li>A killed instance leaves its transaction open until a producer with the same
 *       {@code transactional.id} starts (stable {@code consumer.id}) or {@code transaction.timeout.ms}
 *       (30 s) passes; until then read_committed readers of that ack partition (the tracker, a rebuild)
 *       see nothing past it. The aborted acks are then never visible, as intended.</li>
 *   <li>The rebuild reads to the last stable offset. If the previous owner's final commit markers are
 *       still being written, its last acks can be missed; a re-emit of one of those arriving in the first
 *       batch would be delivered again, flagged by the first-batch rule.</li>
 *   <li>RETRY never blocks the partition, only the later messages of the same conversation (see
 *       Ordering, and its limits).</li>
 *   <li>De-duplication holds within {@code dedupe.window.ms} and {@code dedupe.max.entries.per.partition}; an
 *       entry evicted over the bound is counted ({@code dedupe-evictions-total}) and logged. The sets of partitions
 *       that moved away are kept (read on if handed back): at most one per partition of the topic, the memory of
 *       an instance that owns them all.</li>
 *   <li>Two consumers started with the same consumer id at the same instant, before either is in the group, are
 *       not told apart by the check at start.</li>
 *   <li>AckBatch parts are cut on an estimate (payload + 300 bytes per ack, under 512 KiB), half the 1 MiB
 *       default of the producer's {@code max.request.size} and the broker's {@code message.max.bytes}: event
 *       headers and long ids are not counted. A single ack is not split: with {@code courier.max.payload.bytes}
 *       raised near 1 MiB, those limits must be raised on the ack topic too.</li>
 * </ul>
 */
package dev.courier.consumer;
