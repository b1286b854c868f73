package dev.courier.harness;

import dev.courier.schemas.CourierTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the delivery consumers handed to the (simulated) devices, read back from their hand logs: one line
 * per hand-off, {@code messageId recipientId attempt epochMs [conversationId seq [possibleRedelivery]]},
 * written unbuffered so it survives a SIGKILL of the consumer. Lines without the trailing fields (older
 * logs) read as no seq and not flagged.
 */
final class HandLogs {

    /** One hand-off to a device; {@code possibleRedelivery} is the flag the Delivery carried. */
    record HandOff(String messageId, String recipientId, int attempt, long atMs, String conversationId, long seq,
                   boolean possibleRedelivery, int file, int line) {
        String key() {
            return CourierTopics.deliveryKey(messageId, recipientId);
        }
    }

    private final List<HandOff> handOffs;
    private final List<Path> missing;

    private HandLogs(List<HandOff> handOffs, List<Path> missing) {
        this.handOffs = handOffs;
        this.missing = missing;
    }

    /** Reads every log; a log that does not exist is remembered in {@link #missing()}, not skipped silently. */
    static HandLogs read(List<Path> logs) {
        List<HandOff> all = new ArrayList<>();
        List<Path> missing = new ArrayList<>();
        for (int f = 0; f < logs.size(); f++) {
            Path log = logs.get(f);
            if (!Files.exists(log)) {
                missing.add(log);
                continue;
            }
            try (Stream<String> lines = Files.lines(log)) {
                int n = 0;
                for (String line : (Iterable<String>) lines::iterator) {
                    String[] p = line.split(" ");
                    if (p.length >= 4) {
                        all.add(new HandOff(p[0], p[1], Integer.parseInt(p[2]), Long.parseLong(p[3]),
                                p.length >= 6 ? p[4] : null, p.length >= 6 ? Long.parseLong(p[5]) : -1,
                                p.length >= 7 && Boolean.parseBoolean(p[6]), f, n++));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read hand log " + log, e);
            }
        }
        return new HandLogs(all, missing);
    }

    /** The logs that were asked for and do not exist: a consumer whose hand-offs cannot be checked. */
    List<Path> missing() {
        return missing;
    }

    /** Per (messageId, recipientId) handed at least once, the time of its first hand-off. */
    Map<String, Long> firstHandedAt() {
        Map<String, Long> first = new HashMap<>();
        handOffs.forEach(h -> first.merge(h.key(), h.atMs(), Math::min));
        return first;
    }

    /**
     * Hand-offs beyond the first per (messageId, recipientId) that the Delivery did not flag as a possible
     * redelivery: the application got the message again without being told it might.
     */
    long duplicatesToApp() {
        Set<String> seen = new HashSet<>();
        long duplicates = 0;
        for (HandOff h : inTimeOrder()) {
            if (!seen.add(h.key()) && !h.possibleRedelivery()) {
                duplicates++;
            }
        }
        return duplicates;
    }

    /** How many times the message with delivery key {@code key} was handed to a device. */
    long handOffs(String key) {
        return handOffs.stream().filter(h -> h.key().equals(key)).count();
    }

    /** Hand-offs beyond the first per (messageId, recipientId): the Deliverer saw the message again. */
    long rawRedeliveries() {
        Set<String> distinct = new HashSet<>();
        handOffs.forEach(h -> distinct.add(h.key()));
        return handOffs.size() - distinct.size();
    }

    /**
     * Messages the application received out of order: per (recipient, conversation), taking each message's
     * first hand-off in time order, one whose seq is below a seq already received counts one violation.
     */
    long orderViolations() {
        List<HandOff> sorted = inTimeOrder();
        Set<String> seen = new HashSet<>();
        Map<String, Long> highest = new HashMap<>();
        long violations = 0;
        for (HandOff h : sorted) {
            if (h.seq() < 0 || !seen.add(h.key())) {
                continue;
            }
            String stream = h.recipientId() + "|" + h.conversationId();
            Long top = highest.get(stream);
            if (top != null && h.seq() < top) {
                violations++;
            } else {
                highest.put(stream, h.seq());
            }
        }
        return violations;
    }

    private List<HandOff> inTimeOrder() {
        List<HandOff> sorted = new ArrayList<>(handOffs);
        sorted.sort(Comparator.comparingLong(HandOff::atMs).thenComparingInt(HandOff::file).thenComparingInt(HandOff::line));
        return sorted;
    }
}
