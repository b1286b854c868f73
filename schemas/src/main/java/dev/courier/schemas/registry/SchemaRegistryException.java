package dev.courier.schemas.registry;

/**
 * A schema registry refused a request or could not be reached. {@link #httpStatus()} and
 * {@link #errorCode()} carry the registry's answer (Confluent error codes, e.g. 40403 schema not found);
 * both are -1 when no answer came back, which is what {@link #isTransient()} reports as retriable.
 */
public class SchemaRegistryException extends RuntimeException {
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True when the registry could not be reached or answered 5xx: worth retrying, never a poison record. */
    public boolean isTransient() {
        return httpStatus < 0 || httpStatus >= 500;
    }

    /** True when the registry answered that the schema (or subject) does not exist: 404, or error code 40403. */
    public boolean isNotFound() {
        return httpStatus == 404 || errorCode == 40403;
    }

    /**
     * True when the registry refused the caller (401, 403): a matter of credentials, not of any record, and not
     * cured by retrying; whoever meets it stops.
     */
    public boolean isAuthFailure() {
        return httpStatus == 401 || httpStatus == 403;
    }

    /** Whether {@code e} or any of its causes is a registry's {@link #isAuthFailure() refusal}. */
    public static boolean authFailureIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryException r && r.isAuthFailure()) {
                return true;
            }
        }
        return false;
    }
}
