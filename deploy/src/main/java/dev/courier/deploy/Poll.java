package dev.courier.deploy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaFuture;

/** Kafka futures with a bound, and waits ({@link ProgressWait}) run where an interrupt cannot be declared. */
final class Poll {

    private Poll() {
    }

    /** A wait that may be interrupted, with its result (null for none). */
    @FunctionalInterface
    interface Wait<T> {
        T run() throws InterruptedException;
    }

    /** Runs {@code wait}; an interrupt keeps the thread's flag and becomes an {@link IllegalStateException}. */
    static <T> T uninterruptibly(String what, Wait<T> wait) {
        try {
            return wait.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }

    /** The future's value within {@code timeout}; failures are rethrown unchecked, the cause kept. */
    static <T> T get(KafkaFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " timed out after " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }
}
