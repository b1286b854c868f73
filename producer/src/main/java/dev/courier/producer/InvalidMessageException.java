package dev.courier.producer;

/**
 * An {@link OutgoingMessage} was refused before anything was sent. {@link #field()} names the offending
 * field ({@code conversationId}, {@code recipients}, {@code payload}, ...), and the message says why.
 */
public class InvalidMessageException extends IllegalArgumentException {
    private final String field;

    public InvalidMessageException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
