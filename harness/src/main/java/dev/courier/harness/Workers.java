package dev.courier.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Consumer loops on their own threads, stopped together. */
public final class Workers implements AutoCloseable {

    /** One loop; runs until {@code running} turns false, then closes its own clients. */
    @FunctionalInterface
    public interface Loop {
        void run(AtomicBoolean running) throws Exception;
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    public void start(String name, Loop loop) {
        Thread t = new Thread(() -> {
            try {
                loop.run(running);
            } catch (Exception e) {
                if (running.get()) {
                    org.slf4j.LoggerFactory.getLogger(Workers.class).error("{} failed", name, e);
                }
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
