package dev.courier.consumer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The reference {@link Deliverer}: simulated recipient devices for demos and tests.
 *
 * <p>Each delivery, in this order: if the recipient is offline, RETRY; else with probability
 * {@code offlineRate} the recipient goes offline for {@code offlinePeriod} (RETRY); else with probability
 * {@code dropRate} the push is lost (RETRY); else it takes {@code latency + uniform(0, latencyJitter)} (for a
 * recipient matching {@code slowRecipients}, {@code slowLatency} instead: a device, or a push service, that keeps
 * its Deliverer waiting) and is DELIVERED, and the {@code onDelivered} listener sees it (a demo appends it to its
 * ledger). All
 * randomness comes from one seeded {@link Random}, and time from the given clock, so the same seed and the
 * same sequence of deliveries give the same outcomes. Thread-safe (deliveries are serialized).
 */
public final class SimulatedDevices implements Deliverer {

    private final Duration latency;
    private final Duration latencyJitter;
    private final double dropRate;
    private final double offlineRate;
    private final Duration offlinePeriod;
    /** Recipients whose deliveries take {@link #slowLatency}; null: none. */
    private final Pattern slowRecipients;
    private final Duration slowLatency;
    private final Random random;
    private final LongSupplier clockMs;
    private final Sleeper sleeper;
    private final Consumer<Delivery> onDelivered;
    private final Map<String, Long> offlineUntilMs = new HashMap<>();

    /** How the simulated latency is spent; tests pass a no-op. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private SimulatedDevices(Builder b) {
        this.latency = b.latency;
        this.latencyJitter = b.latencyJitter;
        this.dropRate = b.dropRate;
        this.offlineRate = b.offlineRate;
        this.offlinePeriod = b.offlinePeriod;
        this.slowRecipients = b.slowRecipients;
        this.slowLatency = b.slowLatency;
        this.random = new Random(b.seed);
        this.clockMs = b.clockMs;
        this.sleeper = b.sleeper;
        this.onDelivered = b.onDelivered;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized DeliveryOutcome deliver(Delivery delivery) throws InterruptedException {
        long now = clockMs.getAsLong();
        String recipient = delivery.recipientId();
        Long until = offlineUntilMs.get(recipient);
        if (until != null) {
            if (now < until) {
                return DeliveryOutcome.RETRY;
            }
            offlineUntilMs.remove(recipient);
        }
        if (offlineRate > 0 && random.nextDouble() < offlineRate) {
            offlineUntilMs.put(recipient, now + offlinePeriod.toMillis());
            return DeliveryOutcome.RETRY;
        }
        if (dropRate > 0 && random.nextDouble() < dropRate) {
            return DeliveryOutcome.RETRY;
        }
        long jitterNanos = latencyJitter.isZero() ? 0 : (long) (random.nextDouble() * latencyJitter.toNanos());
        Duration spend = slowRecipients != null && slowRecipients.matcher(recipient).matches()
                ? slowLatency : latency.plusNanos(jitterNanos);
        if (!spend.isZero()) {
            sleeper.sleep(spend);
        }
        if (onDelivered != null) {
            onDelivered.accept(delivery);
        }
        return DeliveryOutcome.DELIVERED;
    }

    /** Whether {@code recipientId} is offline at the clock's current time. */
    public synchronized boolean isOffline(String recipientId) {
        Long until = offlineUntilMs.get(recipientId);
        return until != null && clockMs.getAsLong() < until;
    }

    /** Defaults: latency 1 ms, no jitter, no drops, nobody goes offline, offline period 5 s, nobody slow, seed 42. */
    public static final class Builder {
        private Duration latency = Duration.ofMillis(1);
        private Duration latencyJitter = Duration.ZERO;
        private double dropRate;
        private double offlineRate;
        private Duration offlinePeriod = Duration.ofSeconds(5);
        private Pattern slowRecipients;
        private Duration slowLatency = Duration.ZERO;
        private long seed = 42;
        private LongSupplier clockMs = System::currentTimeMillis;
        private Sleeper sleeper = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        private Consumer<Delivery> onDelivered;

        private Builder() {
        }

        public Builder latency(Duration fixed, Duration jitter) {
            this.latency = nonNegative("latency", fixed);
            this.latencyJitter = nonNegative("latencyJitter", jitter);
            return this;
        }

        public Builder dropRate(double rate) {
            this.dropRate = probability("dropRate", rate);
            return this;
        }

        public Builder offlineRate(double rate) {
            this.offlineRate = probability("offlineRate", rate);
            return this;
        }

        public Builder offlinePeriod(Duration period) {
            this.offlinePeriod = nonNegative("offlinePeriod", period);
            return this;
        }

        /** Deliveries to a recipient id matching {@code recipients} (the whole id) take {@code latency}, no jitter. */
        public Builder slowRecipients(Pattern recipients, Duration latency) {
            this.slowRecipients = Objects.requireNonNull(recipients, "recipients");
            this.slowLatency = nonNegative("slowLatency", latency);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder clock(LongSupplier clockMs) {
            this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Called after each successful delivery, on the delivering thread; keep it quick. */
        public Builder onDelivered(Consumer<Delivery> listener) {
            this.onDelivered = listener;
            return this;
        }

        public SimulatedDevices build() {
            return new SimulatedDevices(this);
        }

        private static Duration nonNegative(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
            return d;
        }

        private static double probability(String name, double p) {
            if (!(p >= 0.0 && p <= 1.0)) {
                throw new IllegalArgumentException(name + " must be within [0, 1], got " + p);
            }
            return p;
        }
    }
}
