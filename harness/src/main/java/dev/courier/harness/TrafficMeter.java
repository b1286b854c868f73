package dev.courier.harness;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * What a demo or chaos run wrote to the cluster: the end offsets of every partition of every topic when
 * publishing starts ({@link #start}) and at the end ({@link #end}), and the records between
 * ({@link RecordsWritten}: send, ack, status, changelogs, {@code __consumer_offsets},
 * {@code __transaction_state}, markers included). A snapshot the cluster would not give within a minute is
 * said on the progress line and leaves the figures null.
 */
final class TrafficMeter {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Admin admin;
    private final Progress progress;
    private final Map<String, Map<Integer, Long>> start;
    private Map<String, Map<Integer, Long>> end;
    private boolean ended;

    private TrafficMeter(Admin admin, Progress progress) throws InterruptedException {
        this.admin = admin;
        this.progress = progress;
        this.start = snapshot();
    }

    /** Takes the first snapshot now: call it just before publishing starts. */
    static TrafficMeter start(Admin admin, Progress progress) throws InterruptedException {
        return new TrafficMeter(admin, progress);
    }

    /** Takes the end snapshot on the first call (later calls return it): topic -> partition -> end offset, or null. */
    synchronized Map<String, Map<Integer, Long>> end() throws InterruptedException {
        if (!ended) {
            end = snapshot();
            ended = true;
        }
        return end;
    }

    /** The records written between the two snapshots; null if one is missing or an end offset went down. */
    synchronized RecordsWritten written() {
        if (start == null || end == null) {
            return null;
        }
        try {
            return RecordsWritten.between(start, end);
        } catch (IllegalStateException e) {
            progress.say("records per message not measured: " + e.getMessage());
            return null;
        }
    }

    private Map<String, Map<Integer, Long>> snapshot() throws InterruptedException {
        try {
            return EndOffsets.ofEveryTopic(admin, PATIENCE);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            progress.say("end offsets of every topic could not be read (records_per_message left null): " + e);
            return null;
        }
    }
}
