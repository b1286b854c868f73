package dev.courier.cli;

import dev.courier.harness.ChaosReport;
import dev.courier.harness.ChaosRun;
import dev.courier.harness.Fault;
import dev.courier.harness.LocalPipeline;
import dev.courier.harness.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code courier chaos}: the options of a {@link ChaosRun} (the pipeline under load while faults are injected
 * on a schedule, then a reconciliation), its table and its exit code: non-zero on any problem the report names
 * (a loss, a duplicate or an order violation seen by the devices, a mismatch between what the devices received
 * and the committed acks, an unconfirmed send, an unexpected dead letter, a re-emit of an unread delivery, a
 * fault that struck an idle pipeline). A PNG timeline is written next to the report.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Run the pipeline under load while injecting faults, then reconcile and draw the timeline.",
                "Exit code 0 only if every send was confirmed and reached a device exactly once, in order, as the",
                "committed acks say, nothing was dead-lettered but the poison (with its reason), no delivery was",
                "re-emitted before a consumer read it, and every fault struck deliveries in flight."})
public final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--faults", split = ",",
            defaultValue = "leader,controller,freeze,majority,consumer,tracker,outage,schemas,registry,slow,poison",
            description = "Faults, comma-separated: leader (kill -9 a busy partition's leader, twice, chasing it), "
                    + "controller, freeze (SIGSTOP a broker 15 s), majority (kill 2 of 3 brokers 20 s), consumer, "
                    + "tracker, outage (every consumer down for --outage-s), schemas (a record no registry can apply "
                    + "in _schemas), registry (kill -9 of the registry's JVM, 10 s down while a consumer restarts with "
                    + "an empty cache, then the registry again with an empty cache), slow (a delivery 30 s long, past "
                    + "the consumers' transaction timeout, lowered to 15 s: handed once and committed), poison (bad "
                    + "records among the load, a 600 KiB one and a crafted Avro length prefix among them). The load "
                    + "goes on through every fault. Default: all.")
    List<Fault> faults;

    @Option(names = "--duration", defaultValue = "600", description = "Seconds of load (default: ${DEFAULT-VALUE}).")
    int durationS;

    @Option(names = "--rate", defaultValue = "300", description = "Messages per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--messages", defaultValue = "0", description = "Stop the load after this many messages (default: duration x rate).")
    long messages;

    @Option(names = "--conversations", defaultValue = "500", description = "Distinct conversations, each to one recipient (default: ${DEFAULT-VALUE}).")
    int conversations;

    @Option(names = "--poison-rate", defaultValue = "0.01", description = "Share of records that are poison, with --faults poison (default: ${DEFAULT-VALUE}).")
    double poisonRate;

    @Option(names = "--drop-rate", defaultValue = "0.01",
            description = "Share of deliveries the simulated devices drop (RETRY), so that re-emits and the consumers' "
                    + "order hold are exercised (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--outage-s", defaultValue = "120", description = "Length of the all-consumers outage (default: ${DEFAULT-VALUE}).")
    int outageS;

    @Option(names = "--reemit-budget", defaultValue = "20",
            description = "Tracker re-emits per second per partition (redelivery.max.per.second), low enough that the "
                    + "limit shows after an outage (default: ${DEFAULT-VALUE}).")
    double reemitBudget;

    @Option(names = "--report", description = "Write the JSON report here; the timeline PNG goes next to it.")
    Path report;

    @Option(names = "--ci", description = "The CI profile: about 5 minutes, every fault, 1%% poison, 1%% drops.")
    boolean ci;

    @Option(names = "--dir", defaultValue = "work/chaos", description = "Work directory; each run gets a subdirectory (default: ${DEFAULT-VALUE}).")
    Path baseDir;

    @Override
    public Integer call() throws Exception {
        if (ci) {
            durationS = ChaosRun.CI_DURATION_S;
            rate = ChaosRun.CI_RATE;
            outageS = ChaosRun.CI_OUTAGE_S;
        }
        ChaosRun.Settings settings = ChaosRun.Settings.builder(Courier.class.getName(), LocalPipeline.freshRunDir(baseDir))
                .faults(faults).durationS(durationS).rate(rate).messages(messages).conversations(conversations)
                .poisonRate(poisonRate).dropRate(dropRate).outageS(outageS).reemitBudget(reemitBudget)
                .report(report)
                .build();
        ChaosRun run = new ChaosRun(settings, new Progress());
        ChaosReport result = run.run();
        System.out.println(result.table());
        System.out.println("report: " + settings.report().toAbsolutePath());
        System.out.println("timeline: " + run.timelinePng());
        System.out.println(result.passed()
                ? "PASS: every send confirmed and handed to a device once, in order, matching the committed acks; "
                        + "only poison dead-lettered; no re-emit of an unread delivery; every fault struck a busy pipeline"
                : "FAIL: " + result.failure());
        return result.passed() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}
