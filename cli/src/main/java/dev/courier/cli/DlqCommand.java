package dev.courier.cli;

import dev.courier.harness.Json;
import dev.courier.operator.Connection;
import dev.courier.operator.DeadLetterEntry;
import dev.courier.operator.DeadLetterReader;
import dev.courier.operator.DeadLetterRedrive;
import dev.courier.operator.DeadLetterSummary;
import dev.courier.operator.DeadLetterView;
import dev.courier.operator.NotFoundException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier dlq list|show|redrive}: the operator's view of the dead-letter topic, and the way back out. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "List, show and redrive dead letters (<prefix>.dead-letter).",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ShowCommand.class, DlqCommand.RedriveCommand.class})
public final class DlqCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
            description = "Count dead letters by reason and show the newest, reading the topic (read_committed) to its "
                    + "end as of the start of the command.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Mixin
        DeadLetterSelection selection;
        @Option(names = "--limit", defaultValue = "10", paramLabel = "N",
                description = "How many of the newest to show (default: ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--json", description = "Print {\"total\",\"by_reason\",\"newest\"} as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (limit < 0) {
                throw new ParameterException(spec.commandLine(), "--limit must be >= 0, got " + limit);
            }
            DeadLetterSummary summary = new DeadLetterSummary(limit);
            try (DeadLetterReader reader = new DeadLetterReader(connection.connection())) {
                reader.select(selection.filter(Set.of()), summary::add);
            }
            DeadLetterSummary.Listing listing = summary.listing();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(listing));
                return ExitCodes.OK;
            }
            out.println(listing.total() + " dead letters");
            listing.byReason().forEach((r, n) -> out.printf("  %-26s %d%n", r, n));
            if (!listing.newest().isEmpty()) {
                out.printf("%nnewest:%n%-12s %-24s %-38s %-16s %8s  %s%n", "ID", "REASON", "MESSAGE ID", "RECIPIENT",
                        "ATTEMPTS", "DEAD-LETTERED AT");
                for (DeadLetterSummary.Row row : listing.newest()) {
                    out.printf("%-12s %-24s %-38s %-16s %8d  %s%n", row.id(), row.reason(), dash(row.messageId()),
                            dash(row.recipientId()), row.attempts(), row.deadLetteredAt());
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
            description = "Show one dead letter: reason, attempts, times, origin, and the event (or the raw bytes in hex).")
    static final class ShowCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Parameters(index = "0", paramLabel = "ID",
                description = "<partition>-<offset> as printed by `dlq list` (prints one object), or a messageId "
                        + "(prints every dead letter of that message, as a JSON array with --json).")
        String id;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<DeadLetterEntry> found;
            Connection conn = connection.connection();
            try (DeadLetterReader reader = new DeadLetterReader(conn)) {
                found = reader.find(id);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (found.isEmpty()) {
                if (json) {
                    out.println(Json.MAPPER.writeValueAsString(Map.of("error", "not_found", "id", id)));
                }
                throw new NotFoundException("no dead letter " + id + " on " + conn.topics().deadLetter()
                        + " (an id is <partition>-<offset> as printed by `dlq list`, or a messageId)");
            }
            List<Map<String, Object>> views = found.stream().map(DeadLetterView::of).toList();
            boolean single = DeadLetterEntry.Id.parse(id).isPresent();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(single ? views.get(0) : views));
                return ExitCodes.OK;
            }
            for (Map<String, Object> view : views) {
                Map<String, Object> fields = new LinkedHashMap<>(view);
                Object event = fields.remove("event");
                fields.forEach((key, value) -> out.printf("%-18s %s%n", key + ":", value));
                if (event != null) {
                    out.println("event:");
                    out.println(Json.MAPPER.writeValueAsString(event));
                }
                out.println();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
            description = {"Send dead letters' events back to the send topic (attempt reset to 1, header "
                    + "courier.redrive.of naming the dead letter). DRY RUN unless --execute.",
                    "Refused: records with no event (poison), INVALID_EVENT, OVERSIZED_PAYLOAD, EXPIRED and REJECTED "
                            + "(the pipeline would end them the same way), and dead letters already redriven "
                            + "(found by their header on the send topic) unless --force."})
    static final class RedriveCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConnectionOptions connection;
        @Mixin
        DeadLetterSelection selection;
        @Option(names = "--message-id", arity = "1..*", paramLabel = "ID", description = "Only these messages.")
        List<String> messageIds = List.of();
        @Option(names = "--rate", defaultValue = "100", paramLabel = "N",
                description = "At most N sends per second (default: ${DEFAULT-VALUE}).")
        double rate;
        @Option(names = "--execute", description = "Send. Without it, only print what would be sent.")
        boolean execute;
        @Option(names = "--force", description = "Redrive dead letters that were redriven before, too.")
        boolean force;
        @Option(names = "--json", description = "Print {\"dry_run\",\"would_send\",\"sent\",\"refused\",...} as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!(rate > 0)) {
                throw new ParameterException(spec.commandLine(), "--rate must be > 0, got " + rate);
            }
            PrintWriter err = spec.commandLine().getErr();
            long[] lastReport = {System.nanoTime()};
            DeadLetterRedrive.Result result = DeadLetterRedrive.run(connection.connection(),
                    new DeadLetterRedrive.Options(selection.filter(messageIds), rate,
                            execute, force),
                    (done, total) -> {
                        if (done == total || System.nanoTime() - lastReport[0] > 2_000_000_000L) {
                            err.printf("redrive: %d/%d sent%n", done, total);
                            err.flush();
                            lastReport[0] = System.nanoTime();
                        }
                    });
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(result));
                return ExitCodes.OK;
            }
            out.println((result.dryRun() ? "DRY RUN: would send " : "sent " + result.sent() + " of ")
                    + result.wouldSend() + " dead letters; refused " + result.refused()
                    + (result.refusedByReason().isEmpty() ? "" : " " + result.refusedByReason()));
            for (DeadLetterRedrive.Item item : result.sample()) {
                out.printf("  %-12s %-20s %-38s %s%n", item.id(), item.reason(), item.messageId(), item.recipientId());
            }
            if (result.wouldSend() > result.sample().size()) {
                out.println("  ... and " + (result.wouldSend() - result.sample().size()) + " more");
            }
            if (result.dryRun() && result.wouldSend() > 0) {
                out.println("nothing written; run again with --execute to send");
            }
            return ExitCodes.OK;
        }
    }

    private static String dash(String value) {
        return value == null ? "-" : value;
    }
}
