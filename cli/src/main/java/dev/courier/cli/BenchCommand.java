package dev.courier.cli;

import dev.courier.bench.BenchChart;
import dev.courier.bench.BenchOptions;
import dev.courier.bench.BenchReport;
import dev.courier.bench.CourierBench;
import dev.courier.harness.Charts;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code courier bench}: raw Kafka vs share group vs Courier, on a local 3-node cluster or your own. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark raw Kafka, a share group and Courier on the same topic settings",
                "(replication 3, min.insync.replicas 2, acks=all): max sustained rate, latency at 50%% and 80%%",
                "of Courier's max (from scheduled send time: coordinated omission corrected), Courier's",
                "redelivery lateness and recovery after a broker kill -9. Writes a JSON report and a PNG chart.",
                "Exit code 0 when the bench ran (whatever the figures), 1 when it failed."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Use this cluster instead of starting a local one (no broker kill then).")
    String bootstrapServers;

    @Option(names = "--quick", description = {"Short phases: finishes in about 3 minutes. A smoke test, not figures: on a 2-core",
            "machine its Courier/raw and Courier/share ratios came out 2.5-3.5x the full run's (see bench/README.md)."})
    boolean quick;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of every bench topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--payload-bytes", defaultValue = "300", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = "--consumers", defaultValue = "2", description = "Consumers per pipeline (default: ${DEFAULT-VALUE}).")
    int consumers;

    @Option(names = "--report", description = "Write the JSON report here; the PNG chart goes next to it (same name, .png).")
    Path report;

    @Option(names = "--dir", defaultValue = "work/bench", description = "Work directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        BenchOptions options = quick
                ? BenchOptions.quick(bootstrapServers, dir, partitions, payloadBytes, consumers)
                : BenchOptions.full(bootstrapServers, dir, partitions, payloadBytes, consumers);
        long started = System.currentTimeMillis();
        BenchReport result = new CourierBench(options, line -> System.err.println(line)).run();
        result.detail("duration_s", (System.currentTimeMillis() - started) / 1000.0);
        System.out.println(result.table());
        if (report != null) {
            result.write(report);
            Path png = Charts.pngNextTo(report, "");
            BenchChart.write(result, png);
            System.out.println("report: " + report.toAbsolutePath());
            System.out.println("chart:  " + png.toAbsolutePath());
        }
        return 0;
    }
}
