package dev.courier.cli;

import dev.courier.harness.DemoReport;
import dev.courier.harness.DemoRun;
import dev.courier.harness.Fault;
import dev.courier.harness.LocalPipeline;
import dev.courier.harness.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code courier demo}: the options of a {@link DemoRun} (the whole pipeline on a local 3-node cluster, under
 * faults, with a verdict), its table and its exit code: 0 only if nothing was lost, the application saw no
 * duplicate and the tracker re-emitted nothing no consumer had read ({@code reemits_of_unread}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on a local 3-node cluster under faults, then reconcile.",
                "Exit code 0 only if nothing was lost, the application saw no duplicate and no delivery was",
                "re-emitted before a consumer had read it (reemits_of_unread 0)."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--messages", defaultValue = "20000", description = "Messages to publish (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--recipients", defaultValue = "200", description = "Distinct recipients (default: ${DEFAULT-VALUE}).")
    int recipients;

    @Option(names = {"--faults", "--chaos"}, defaultValue = "broker,consumer", split = ",",
            description = "Faults to inject, comma-separated: broker, consumer, tracker, none, or any chaos fault but poison "
                    + "and slow (default: ${DEFAULT-VALUE}). --chaos is the old name.")
    List<Fault> faults;

    @Option(names = "--report", description = "Write the JSON report here.")
    Path report;

    @Option(names = "--rate", defaultValue = "1000", description = "Messages published per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--consumers", defaultValue = "3", description = "Delivery consumer processes (default: ${DEFAULT-VALUE}).")
    int consumerCount;

    @Option(names = "--trackers", defaultValue = "2", description = "Tracker processes (default: ${DEFAULT-VALUE}).")
    int trackerCount;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the send and ack topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--drop-rate", defaultValue = "0.01",
            description = "Fraction of deliveries the simulated devices drop, to be redelivered (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--device-latency-ms", defaultValue = "0",
            description = "Simulated time to hand one message to a device, ms (default: ${DEFAULT-VALUE}).")
    long deviceLatencyMs;

    @Option(names = "--ack-timeout-ms", defaultValue = "1000",
            description = "Tracker's re-emit back-off of a first attempt, counted from the consumer commit that read it without "
                    + "delivering it (default: ${DEFAULT-VALUE}).")
    long ackTimeoutMs;

    @Option(names = "--timeout-s", defaultValue = "600", description = "Give up waiting for deliveries after this long (default: ${DEFAULT-VALUE}).")
    long timeoutS;

    @Option(names = "--secure", description = "Run the pipeline in secure mode: SASL_SSL (SCRAM-SHA-512 over TLS), ACLs "
            + "with a principal per component, the registry over HTTPS with basic auth (see `courier cluster start --secure`).")
    boolean secure;

    @Option(names = "--dir", defaultValue = "work/demo", description = "Work directory; each run gets a fresh subdirectory (default: ${DEFAULT-VALUE}).")
    Path baseDir;

    @Override
    public Integer call() throws Exception {
        DemoRun.Settings settings = DemoRun.Settings.builder(Courier.class.getName(), LocalPipeline.freshRunDir(baseDir))
                .messages(messages).recipients(recipients).faults(faults).rate(rate)
                .consumers(consumerCount).trackers(trackerCount).partitions(partitions)
                .dropRate(dropRate).deviceLatencyMs(deviceLatencyMs).ackTimeoutMs(ackTimeoutMs)
                .timeoutS(timeoutS).secure(secure)
                .build();
        DemoReport result = new DemoRun(settings, new Progress()).run();
        System.out.println(result.table());
        if (report != null) {
            result.write(report);
            System.out.println("report: " + report.toAbsolutePath());
        }
        System.out.println(result.passed()
                ? "PASS: nothing lost, no duplicate to the application, no re-emit of an unread delivery"
                : "FAIL: " + result.failure());
        return result.passed() ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
    }
}
