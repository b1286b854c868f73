package dev.courier.operator;

/** What the operator asked about does not exist: a message id, a topic, a dead letter (exit code 3). */
public final class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
