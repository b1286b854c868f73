package dev.courier.bench;

import dev.courier.harness.Pipeline;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Drives one phase against a {@link Pipeline}.
 *
 * <ul>
 *   <li><b>Max rate</b> (closed loop): at most {@code window} messages are between send and delivery; a new
 *       one is sent as soon as one is delivered. The delivered rate is then the pipeline's sustained
 *       end-to-end throughput: the producer cannot outrun the consumers, so lag cannot grow by construction,
 *       and it is checked anyway (plus a later stage's lag, e.g. Courier's tracker on the ack topic, judged
 *       against that stage's own input rate).</li>
 *   <li><b>Fixed rate</b> (open loop): messages are scheduled at {@code rate} per second by a {@link Pacer},
 *       whatever happens downstream; latency is from each message's scheduled send time to its delivery,
 *       so stalls are not hidden (coordinated omission corrected).</li>
 * </ul>
 */
final class PhaseRunner {

    private static final int KEYS = 1000;
    private static final int BUCKET_MS = 500;
    /** A later stage that commits every so often (the tracker: every 500 ms) is always this far behind. */
    private static final double DOWNSTREAM_FLOOR_SECONDS = 2;

    private final PhaseProbe.Slot slot;
    private final int payloadBytes;
    private final int partitions;
    private final Duration warmup;
    private final Duration drainTimeout;

    PhaseRunner(PhaseProbe.Slot slot, int payloadBytes, int partitions, Duration warmup, Duration drainTimeout) {
        this.slot = slot;
        this.payloadBytes = payloadBytes;
        this.partitions = partitions;
        this.warmup = warmup;
        this.drainTimeout = drainTimeout;
    }

    PhaseResult maxRate(Pipeline pipeline, Duration duration, int window) throws InterruptedException {
        return run(pipeline, pipeline.name() + " max", 0, duration, new Semaphore(window), null, 0);
    }

    PhaseResult fixedRate(Pipeline pipeline, String label, double rate, Duration duration) throws InterruptedException {
        return run(pipeline, label, rate, duration, null, null, 0);
    }

    /** A fixed-rate phase that calls {@code action} with the current nanoTime once {@code actionAtSeconds} have passed. */
    PhaseResult fixedRateWithAction(Pipeline pipeline, String label, double rate, Duration duration,
                                    LongConsumer action, double actionAtSeconds) throws InterruptedException {
        return run(pipeline, label, rate, duration, null, action, actionAtSeconds);
    }

    PhaseProbe lastProbe() {
        return slot.current();
    }

    private PhaseResult run(Pipeline pipeline, String label, double rate, Duration duration, Semaphore window,
                            LongConsumer action, double actionAtSeconds) throws InterruptedException {
        long start = System.nanoTime() + 20_000_000L;
        long measureFrom = start + warmup.toNanos();
        long end = start + duration.toNanos();
        int buckets = (int) ((duration.toMillis() + drainTimeout.toMillis()) / BUCKET_MS) + 2;
        PhaseProbe probe = new PhaseProbe(new LatencyStats(measureFrom), new RateSeries(start, BUCKET_MS, buckets),
                window, partitions);
        slot.set(probe);
        LagTrend lag = new LagTrend(0.05, window == null ? Math.max(100, (long) rate) : window.availablePermits());
        LagTrend downstream = new LagTrend(0.05, 100);
        CounterRate downstreamInput = new CounterRate();
        CounterRate committed = new CounterRate();
        long deliveredAtMeasureStart = -1;
        long deliveredAtEnd;
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = startSampler(pipeline, probe, lag, downstream, downstreamInput, committed, measureFrom, end,
                sampling);
        Pacer pacer = rate > 0 ? new Pacer(start, rate) : null;
        boolean actionDone = action == null;
        long i = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (deliveredAtMeasureStart < 0 && now >= measureFrom) {
                deliveredAtMeasureStart = probe.delivered.get();
            }
            if (!actionDone && now - start >= actionAtSeconds * 1e9) {
                action.accept(now);
                actionDone = true;
            }
            long scheduled;
            if (pacer != null) {
                scheduled = pacer.awaitSlot(i);
            } else {
                if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                scheduled = System.nanoTime();
            }
            probe.sent.incrementAndGet();
            pipeline.send("user-" + (i % KEYS), Payload.create(payloadBytes, scheduled), probe.sendFailures::incrementAndGet);
            i++;
        }
        deliveredAtEnd = probe.delivered.get();
        sampling.set(false);
        sampler.join();
        long drainUntil = System.nanoTime() + drainTimeout.toNanos();
        while (probe.delivered.get() < probe.sent.get() - probe.sendFailures.get() && System.nanoTime() < drainUntil) {
            Thread.sleep(50);
        }
        double measuredSeconds = (end - measureFrom) / 1e9;
        double deliveredPerSecond = (deliveredAtEnd - Math.max(0, deliveredAtMeasureStart)) / measuredSeconds;
        int lastBucket = probe.rates.bucketOf(System.nanoTime()) + 1;
        long undelivered = Math.max(0, probe.sent.get() - probe.sendFailures.get() - probe.delivered.get());
        double inputRate = downstreamInput.perSecond();
        boolean downstreamGrowing = downstream.growing(inputRate >= 0 ? inputRate : deliveredPerSecond,
                DOWNSTREAM_FLOOR_SECONDS);
        return new PhaseResult(label, rate, deliveredPerSecond, lag.growing(deliveredPerSecond), downstreamGrowing,
                downstream.slopePerSecond(), committed.perSecond(), probe.sent.get(), undelivered, probe.sendFailures.get(),
                probe.latency.snapshot(), probe.rates.ratesPerSecond(lastBucket), probe.rates.bucketSeconds());
    }

    private static Thread startSampler(Pipeline pipeline, PhaseProbe probe, LagTrend lag, LagTrend downstream,
                                       CounterRate downstreamInput, CounterRate committed, long measureFrom, long end,
                                       java.util.concurrent.atomic.AtomicBoolean sampling) {
        Thread t = new Thread(() -> {
            try {
                while (sampling.get()) {
                    Thread.sleep(500);
                    long now = System.nanoTime();
                    if (now < measureFrom || now > end) {
                        continue;
                    }
                    long ms = now / 1_000_000;
                    lag.add(ms, probe.sent.get() - probe.delivered.get());
                    Pipeline.Downstream d = pipeline.downstream();
                    if (d != null) {
                        long readAt = (ms + System.nanoTime() / 1_000_000) / 2; // the read takes a few round trips
                        downstream.add(readAt, d.lag());
                        downstreamInput.add(readAt, d.written());
                        if (d.committed() >= 0) {
                            committed.add(readAt, d.committed());
                        }
                    }
                }
            } catch (InterruptedException e) {
                // phase over
            }
        }, "lag-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
