package dev.courier.registry;

/**
 * A refusal with a Confluent Schema Registry error code; {@link #httpStatus()} follows from the code
 * (40401 -> 404, 42201 -> 422, 50001 -> 500; codes below 1000, e.g. 409 or 413, are the status). The message is what the client sees.
 */
public final class RegistryError extends RuntimeException {

    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_SOFT_DELETED = 40404;
    public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    public static final int VERSION_SOFT_DELETED = 40406;
    public static final int VERSION_NOT_SOFT_DELETED = 40407;
    public static final int SUBJECT_CONFIG_NOT_FOUND = 40408;
    public static final int INCOMPATIBLE = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY = 42203;
    public static final int INVALID_SUBJECT = 42208;
    public static final int STORE_ERROR = 50001;
    public static final int TIMEOUT = 50002;

    private final int errorCode;

    public RegistryError(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }

    public int httpStatus() {
        return errorCode < 1000 ? errorCode : errorCode / 100;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryError versionNotFound(String subject, int version) {
        return new RegistryError(VERSION_NOT_FOUND, "Version " + version + " not found for subject '" + subject + "'.");
    }

    static RegistryError schemaNotFound(String detail) {
        return new RegistryError(SCHEMA_NOT_FOUND, "Schema not found: " + detail + ".");
    }

    static RegistryError invalidSchema(String detail) {
        return new RegistryError(INVALID_SCHEMA, "Invalid schema: " + detail);
    }

    static RegistryError invalidVersion(String given) {
        return new RegistryError(INVALID_VERSION, "The specified version '" + given
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }
}
