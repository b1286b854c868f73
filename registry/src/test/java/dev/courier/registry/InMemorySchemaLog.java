package dev.courier.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link SchemaLog} in memory. Several logs made from one {@link Topic} behave like registry instances
 * sharing a Kafka topic: one total order, every follower sees every record. Records are delivered
 * synchronously during {@link #append}.
 */
final class InMemorySchemaLog implements SchemaLog {

    /** The shared, ordered records. */
    static final class Topic {
        final List<String[]> records = new ArrayList<>();
        final List<InMemorySchemaLog> followers = new ArrayList<>();
        /** When set, appends fail with this. */
        volatile RuntimeException failAppends;
        /** When set, appends throw this (a bug, not a store failure). */
        volatile RuntimeException throwOnAppend;
        /** When set, appends never complete; each one's future is kept here. */
        volatile boolean holdAppends;
        final List<CompletableFuture<Long>> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    }

    private final Topic topic;
    private RecordHandler handler;
    private int delivered;

    InMemorySchemaLog(Topic topic) {
        this.topic = topic;
    }

    @Override
    public void start(RecordHandler recordHandler, Duration timeout) {
        synchronized (topic) {
            this.handler = recordHandler;
            catchUp();
            topic.followers.add(this);
        }
    }

    @Override
    public CompletableFuture<Long> append(String key, String value) {
        if (topic.throwOnAppend != null) {
            throw topic.throwOnAppend;
        }
        if (topic.holdAppends) {
            CompletableFuture<Long> never = new CompletableFuture<>();
            topic.held.add(never);
            return never;
        }
        if (topic.failAppends != null) {
            return CompletableFuture.failedFuture(topic.failAppends);
        }
        synchronized (topic) {
            topic.records.add(new String[] {key, value});
            topic.followers.forEach(InMemorySchemaLog::catchUp);
            return CompletableFuture.completedFuture((long) topic.records.size() - 1);
        }
    }

    private void catchUp() {
        while (delivered < topic.records.size()) {
            String[] record = topic.records.get(delivered);
            handler.onRecord(delivered++, record[0], record[1]);
        }
    }

    @Override
    public FollowerStatus status() {
        synchronized (topic) {
            return new FollowerStatus(topic.followers.contains(this), topic.records.size(), null);
        }
    }

    @Override
    public String describe() {
        return "in-memory log";
    }

    @Override
    public void close() {
        synchronized (topic) {
            topic.followers.remove(this);
        }
    }
}
