package dev.courier.streams;

import dev.courier.metrics.CourierMeters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The tracker's Courier meters in a Micrometer registry, tagged by task: each reads the {@link TrackerMetrics} of
 * the task's current instance in this process. A task's meters are removed when its last instance here closes,
 * and not by an older instance closing after a newer one started (Streams may init a task before closing it).
 */
final class TrackerMeters {

    private final MeterRegistry registry;
    private final Map<String, TrackerMetrics> current = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

    TrackerMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code metrics} is now task {@code taskId}'s: its re-emits, pending and oldest pending age are registered. */
    void attach(String taskId, TrackerMetrics metrics) {
        current.put(taskId, metrics);
        Tags tags = Tags.of(CourierMeters.TAG_TASK, taskId);
        add(taskId, FunctionCounter.builder(CourierMeters.REEMITTED.name(), this, read(taskId, m -> m.reemitTotal()))
                .description(CourierMeters.REEMITTED.description()).tags(tags).register(registry));
        add(taskId, Gauge.builder(CourierMeters.PENDING.name(), this, read(taskId, TrackerMetrics::pending))
                .description(CourierMeters.PENDING.description()).tags(tags).register(registry));
        add(taskId, Gauge.builder(CourierMeters.OLDEST_PENDING_AGE.name(), this,
                        read(taskId, TrackerMetrics::oldestPendingAgeSeconds))
                .description(CourierMeters.OLDEST_PENDING_AGE.description())
                .baseUnit(CourierMeters.OLDEST_PENDING_AGE.baseUnit()).tags(tags).register(registry));
    }

    /** Registers the count of task {@code taskId}'s dead letters of {@code reason}. */
    void deadLetterReason(String taskId, String reason) {
        add(taskId, FunctionCounter.builder(CourierMeters.DEAD_LETTERED.name(), this,
                        read(taskId, m -> m.deadLetterTotal(reason)))
                .description(CourierMeters.DEAD_LETTERED.description())
                .tags(Tags.of(CourierMeters.TAG_TASK, taskId, CourierMeters.TAG_REASON, reason,
                        CourierMeters.TAG_COMPONENT, "tracker"))
                .register(registry));
    }

    /** {@code metrics}' task closed: its meters go, unless a newer instance of the task took over. */
    void detach(String taskId, TrackerMetrics metrics) {
        if (current.remove(taskId, metrics)) {
            List<Meter> gone = meters.remove(taskId);
            if (gone != null) {
                gone.forEach(registry::remove);
            }
        }
    }

    private ToDoubleFunction<TrackerMeters> read(String taskId, ToDoubleFunction<TrackerMetrics> value) {
        return self -> {
            TrackerMetrics metrics = self.current.get(taskId);
            return metrics == null ? 0 : value.applyAsDouble(metrics);
        };
    }

    private void add(String taskId, Meter meter) {
        List<Meter> list = meters.computeIfAbsent(taskId, t -> new ArrayList<>());
        synchronized (list) {
            if (!list.contains(meter)) {
                list.add(meter);
            }
        }
    }
}
