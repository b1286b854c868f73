package dev.courier.cli;

import dev.courier.harness.Json;
import dev.courier.operator.RedeliverNow;
import dev.courier.operator.Trackers;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier redeliver}: after an outage is fixed, pending deliveries go out now, at a bounded rate. */
@Command(name = "redeliver", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"After an outage is fixed: the deliveries the tracker holds after a failed attempt (RETRY) go out "
                + "now instead of at the end of their back-off, at most --rate per second in all.",
                "A dry run (counts only) unless --execute. Deliveries still queued or held for conversation order are "
                        + "left alone: re-emitting them would only add copies behind themselves."})
public final class RedeliverCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--older-than", defaultValue = "0s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Only messages sent at least this long ago (default: ${DEFAULT-VALUE}, all).")
    Duration olderThan;

    @Option(names = "--recipient", paramLabel = "ID", description = "Only deliveries to this recipient; repeatable.")
    List<String> recipients = new ArrayList<>();

    @Option(names = "--rate", defaultValue = "100", paramLabel = "N",
            description = "Re-emits per second across all partitions (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--execute", description = "Send the request (default: a dry run that only counts).")
    boolean execute;

    @Mixin
    TrackerUrlOptions trackers;

    @Option(names = "--json", description = "Print {\"dry_run\",\"pending\",\"would_redeliver\",\"requested\",\"request_id\"}.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (rate <= 0) {
            throw new IllegalArgumentException("--rate must be positive, got " + rate);
        }
        var conn = connection.connection();
        RedeliverNow redeliver = new RedeliverNow(conn, new Trackers(conn, trackers.trackerUrls));
        RedeliverNow.Result result = execute ? redeliver.request(olderThan, recipients, rate)
                : redeliver.count(olderThan, recipients);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            var node = Json.MAPPER.createObjectNode().put("dry_run", !execute).put("pending", result.pending())
                    .put("would_redeliver", result.selected()).put("requested", execute);
            if (result.requestId() != null) {
                node.put("request_id", result.requestId());
            }
            out.println(node.toString());
        } else {
            out.printf("%d pending deliveries; %d selected (failed attempts waiting out a back-off%s%s)%n",
                    result.pending(), result.selected(),
                    olderThan.isZero() ? "" : ", sent over " + olderThan + " ago",
                    recipients.isEmpty() ? "" : ", to " + String.join(", ", recipients));
            out.println(execute
                    ? "requested " + result.requestId() + ": the tracker re-emits them now, at most " + rate + "/s"
                    : "dry run: nothing requested; add --execute to redeliver them now");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
