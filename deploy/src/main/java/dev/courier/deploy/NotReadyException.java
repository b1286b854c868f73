package dev.courier.deploy;

/**
 * Something being started did not become ready: a process exited, nothing moved for the stall bound, or the absolute
 * cap ran out ({@link ProgressWait}). The message is one sentence naming what and where its log is; the command line
 * prints it and exits 4 (environment unavailable).
 */
public final class NotReadyException extends RuntimeException {

    public NotReadyException(String sentence, Throwable cause) {
        super(sentence, cause);
    }

    public NotReadyException(String sentence) {
        super(sentence);
    }
}
