package dev.courier.cli;

import dev.courier.consumer.ConsumerIdInUseException;
import dev.courier.deploy.NotReadyException;
import dev.courier.operator.EnvironmentUnavailableException;
import dev.courier.operator.NotFoundException;
import dev.courier.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Every command's exit codes (README, "Command-line conventions"), and the one place an exception becomes
 * one sentence on the terminal and a stack trace in the log file.
 */
public final class ExitCodes implements IExecutionExceptionHandler {

    public static final int OK = 0;
    /** A guarantee was violated (lost, duplicated) or a check failed. */
    public static final int CHECK_FAILED = 1;
    /** Bad options or input; picocli uses the same code for what it rejects while parsing. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    public static final int NOT_FOUND = 3;
    /**
     * The cluster, the registry or a tracker did not answer within its timeout, or what a command started (a local
     * cluster, a demo's or chaos run's pipeline) did not become ready ({@link NotReadyException}).
     */
    public static final int ENVIRONMENT_UNAVAILABLE = 4;
    /** A bug or an unforeseen failure: the log file has the details. */
    public static final int INTERNAL_ERROR = 5;

    private static final Logger log = LoggerFactory.getLogger("dev.courier.cli.errors");

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        String command = commandLine.getCommandSpec().qualifiedName(); // e.g. "courier dlq list"
        log.error("{} failed", command, e);
        int code = exitCodeOf(e);
        String refusal = refusalOf(e);
        NotReadyException notReady = notReadyIn(e);
        String sentence = refusal != null ? refusal : notReady != null ? notReady.getMessage() : code == INTERNAL_ERROR
                ? "failed: " + e + " (details in " + System.getProperty("courier.log.file", "the log file") + ")"
                : e.getMessage();
        commandLine.getErr().println(command + ": " + sentence);
        return code;
    }

    /**
     * One sentence for credentials or permissions refused by the cluster or the registry (exit code 4), or null when
     * {@code e} is not such a refusal.
     */
    static String refusalOf(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return "the Kafka cluster refused this command's credentials or permissions (--command-config): "
                        + cause.getMessage();
            }
            if (cause instanceof SchemaRegistryException registry && registry.isAuthFailure()) {
                return "the schema registry refused this command's credentials (--registry-config or --command-config): "
                        + registry.getMessage();
            }
        }
        return null;
    }

    /** The start-up failure in {@code e}'s causes (e.g. a node restart in a chaos fault thread), or null. */
    private static NotReadyException notReadyIn(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof NotReadyException notReady) {
                return notReady;
            }
        }
        return null;
    }

    static int exitCodeOf(Throwable e) {
        if (refusalOf(e) != null) {
            return ENVIRONMENT_UNAVAILABLE;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof NotFoundException) {
                return NOT_FOUND;
            }
            if (cause instanceof EnvironmentUnavailableException || cause instanceof NotReadyException
                    || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                return ENVIRONMENT_UNAVAILABLE;
            }
            // a consumer id already in use is a wrong option: the fix is another --consumer-id
            if (cause instanceof IllegalArgumentException || cause instanceof CommandLine.ParameterException
                    || cause instanceof ConsumerIdInUseException) {
                return USAGE;
            }
        }
        return INTERNAL_ERROR;
    }
}
