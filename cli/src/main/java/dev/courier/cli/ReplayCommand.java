package dev.courier.cli;

import dev.courier.harness.Json;
import dev.courier.harness.Progress;
import dev.courier.operator.ReplayFilter;
import dev.courier.operator.ReplayLoopGuard;
import dev.courier.operator.ReplayOptions;
import dev.courier.operator.ReplayRange;
import dev.courier.operator.ReplayReport;
import dev.courier.operator.Replayer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code courier replay}: send a range of send events again, dry run unless {@code --execute}. */
@Command(name = "replay", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Replay send events of a time or offset range to the send topic, through filters, at a steady rate.",
                "A DRY RUN unless --execute: it counts what it would send and shows a sample.",
                "Replayed records keep their messageId and key (recipientId) and carry the headers courier.replay.id, "
                        + "courier.replay.count and courier.replay.origin. A message already delivered is settled by the "
                        + "delivery consumers as a duplicate, unless --redeliver-delivered.",
                "Exit codes: 0 done, 2 bad options (inverted range, bad instant), 3 unknown topic or partition, "
                        + "4 cluster or registry unreachable within --timeout."})
public final class ReplayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Topic of send events to read (default: the send topic, <prefix>.send); e.g. a backup. "
                    + "Records always go to the send topic.")
    String topic;

    @Option(names = "--from-time", paramLabel = "INSTANT", converter = InstantConverter.class,
            description = "Start of the range, ISO-8601, e.g. 2025-01-31T10:00:00Z (first record at or after it).")
    Instant fromTime;

    @Option(names = "--to-time", paramLabel = "INSTANT", converter = InstantConverter.class,
            description = "End of the range, exclusive, ISO-8601 (default: the end of the topic when the replay starts).")
    Instant toTime;

    @Option(names = "--from-offset", paramLabel = "P=OFFSET[,...]",
            description = "Per partition, the first offset to replay, e.g. 0=100,1=250 (a partition named only in "
                    + "--to-offset starts at its beginning).")
    String fromOffsets;

    @Option(names = "--to-offset", paramLabel = "P=OFFSET[,...]",
            description = "Per partition, the offset to stop before (exclusive; default: the end when the replay starts).")
    String toOffsets;

    @Option(names = "--recipient", paramLabel = "ID", description = "Only these recipients (repeatable).")
    List<String> recipients = List.of();

    @Option(names = "--conversation", paramLabel = "ID", description = "Only these conversations (repeatable).")
    List<String> conversations = List.of();

    @Option(names = "--sender", paramLabel = "ID", description = "Only these senders (repeatable).")
    List<String> senders = List.of();

    @Option(names = "--message-id", paramLabel = "ID", description = "Only these messages (repeatable).")
    List<String> messageIds = List.of();

    @Option(names = "--rate", paramLabel = "N", description = "Send at most N records per second (default: no limit).")
    Double rate;

    @Option(names = "--execute", description = "Send. Without it the replay is a dry run that sends nothing.")
    boolean execute;

    @Option(names = "--redeliver-delivered",
            description = "Ask the delivery consumers to hand messages already delivered to the application again "
                    + "(flagged as a replay) instead of settling them as duplicates.")
    boolean redeliver;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "Resume file: written as the replay goes; if it exists, the replay resumes where it stopped "
                    + "(same replay id, nothing sent twice, nothing skipped).")
    Path checkpoint;

    @Option(names = "--max-replays", defaultValue = "1", paramLabel = "N",
            description = "Loop guard: a message may be replayed at most N times in a chain; records already replayed "
                    + "N times are skipped (default: ${DEFAULT-VALUE}).")
    int maxReplays;

    @Option(names = "--sample", defaultValue = "10", paramLabel = "N",
            description = "How many of the records to send to show (default: ${DEFAULT-VALUE}).")
    int sampleSize;

    @Option(names = "--json", description = "Print the outcome as JSON: would_send, sent, skipped_by_filter, "
            + "skipped_by_loop_guard, undecodable, already_sent, rate_per_s, sample, ...")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ReplayRange range = fromOffsets != null || toOffsets != null
                ? new ReplayRange(fromTime, toTime, ReplayRange.parseOffsets(fromOffsets), ReplayRange.parseOffsets(toOffsets))
                : ReplayRange.ofTimes(fromTime, toTime);
        ReplayOptions options = new ReplayOptions(topic, range,
                new ReplayFilter(new HashSet<>(recipients), new HashSet<>(conversations), new HashSet<>(senders),
                        new HashSet<>(messageIds)),
                new ReplayLoopGuard(maxReplays), rate, execute, redeliver, checkpoint, sampleSize);
        Progress progress = new Progress();
        long started = System.nanoTime();
        ReplayReport report;
        try {
            report = new Replayer(connection.connection()).run(options,
                    (done, total) -> progress.bar(done, total, "records", eta(done, total, started)));
        } finally {
            progress.finish();
        }
        print(report, spec.commandLine().getOut());
        return ExitCodes.OK;
    }

    private static String eta(long done, long total, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        if (done == 0 || seconds <= 0) {
            return "ETA --";
        }
        long eta = Math.round((total - done) / (done / seconds));
        return String.format("%.0f records/s, ETA %d:%02d", done / seconds, eta / 60, eta % 60);
    }

    private void print(ReplayReport r, PrintWriter out) throws Exception {
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(r));
        } else {
            out.printf("%s replay %s of %s to %s%s%n", r.dryRun() ? "DRY RUN:" : "Executed:", r.replayId(), r.sourceTopic(),
                    r.targetTopic(), r.resumed() ? " (resumed from the checkpoint)" : "");
            out.printf("read %d, would send %d, sent %d, already sent before the resume %d, skipped by filter %d, "
                            + "re-emits %d, by loop guard %d, undecodable %d; %.1f records/s, %.1f s%n", r.read(), r.wouldSend(),
                    r.sent(), r.alreadySent(), r.skippedByFilter(), r.skippedReemits(), r.skippedByLoopGuard(),
                    r.undecodable(), r.ratePerSecond(), r.durationSeconds());
            for (ReplayReport.Sample s : r.sample()) {
                out.printf("  %s messageId=%s recipientId=%s conversationId=%s senderId=%s seq=%s sentAt=%s%n", s.source(),
                        s.messageId(), s.recipientId(), s.conversationId(), s.senderId(), s.seq(), s.sentAt());
            }
            if (r.dryRun()) {
                out.println("Nothing was sent: add --execute to send.");
            }
        }
        out.flush();
    }

    /** ISO-8601 instants; anything else is a usage error (exit 2). */
    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value.trim());
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an ISO-8601 instant such as "
                        + "2025-01-31T10:00:00Z");
            }
        }
    }
}
