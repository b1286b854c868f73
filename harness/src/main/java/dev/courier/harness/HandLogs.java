package dev.courier.harness;

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
 * per hand-off, {@code messageId recipientId attempt epochMs [conversationId seq]}, written unbuffered so
 * it survives a SIGKILL of the consumer.
 */
final class HandLogs {

    record HandOff(String messageId, String recipientId, int attempt, long atMs, String conversationId, long seq,
                   int file, int line) {
        String key() {
            return messageId + "/" + recipientId;
        }
    }

    private final List<HandOff> handOffs;

    private HandLogs(List<HandOff> handOffs) {
        this.handOffs = handOffs;
    }

    static HandLogs read(List<Path> logs) {
        List<HandOff> all = new ArrayList<>();
        for (int f = 0; f < logs.size(); f++) {
            Path log = logs.get(f);
            if (!Files.exists(log)) {
                continue;
            }
            try (Stream<String> lines = Files.lines(log)) {
                int n = 0;
                for (String line : (Iterable<String>) lines::iterator) {
                    String[] p = line.split(" ");
                    if (p.length >= 4) {
                        all.add(new HandOff(p[0], p[1], Integer.parseInt(p[2]), Long.parseLong(p[3]),
                                p.length >= 6 ? p[4] : null, p.length >= 6 ? Long.parseLong(p[5]) : -1, f, n++));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read hand log " + log, e);
            }
        }
        return new HandLogs(all);
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
        List<HandOff> sorted = new ArrayList<>(handOffs);
        sorted.sort(Comparator.comparingLong(HandOff::atMs).thenComparingInt(HandOff::file).thenComparingInt(HandOff::line));
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
}
