package dev.courier.operator;

/** The cluster, the registry or a tracker did not answer within its timeout (exit code 4). */
public final class EnvironmentUnavailableException extends RuntimeException {

    public EnvironmentUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public EnvironmentUnavailableException(String message) {
        super(message);
    }
}
