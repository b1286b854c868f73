package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.deploy.NotReadyException;
import dev.courier.operator.EnvironmentUnavailableException;
import dev.courier.operator.NotFoundException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every `bin/courier` command against the README's "Command-line conventions". */
class CommandConventionsTest {

    /** Commands that run against an existing cluster: the shared connection options. */
    private static final Set<String> CONNECTED = Set.of("courier tracker", "courier consumer", "courier send",
            "courier status", "courier redeliver", "courier replay", "courier dlq list", "courier dlq show",
            "courier dlq redrive", "courier gateway");
    /** Commands that print a result: --json. */
    private static final Set<String> PRINT_A_RESULT = Set.of("courier send", "courier status", "courier redeliver",
            "courier replay", "courier dlq list", "courier dlq show", "courier dlq redrive", "courier cluster status",
            "courier topics create");
    /** Commands that write to a topic on an operator's behalf: a dry run unless --execute. */
    private static final Set<String> WRITE_FOR_AN_OPERATOR = Set.of("courier redeliver", "courier replay",
            "courier dlq redrive");

    @Test
    void everyCommandHasStandardHelpAndVersionAndKebabCaseLongOptions() {
        for (CommandLine command : allCommands()) {
            CommandSpec spec = command.getCommandSpec();
            String name = spec.qualifiedName();
            if (name.equals("courier help")) {
                continue;
            }
            assertTrue(spec.optionsMap().containsKey("--help") && spec.optionsMap().containsKey("-h"), name + ": -h/--help");
            assertTrue(spec.optionsMap().containsKey("--version") && spec.optionsMap().containsKey("-V"), name + ": -V/--version");
            assertTrue(spec.version().length > 0 && !spec.version()[0].isBlank(), name + ": a version to print");
            for (OptionSpec option : spec.options()) {
                for (String optionName : option.names()) {
                    assertTrue(optionName.matches("--[a-z0-9]+(-[a-z0-9]+)*|-[a-zA-Z]"), name + ": option " + optionName);
                }
            }
        }
    }

    @Test
    void connectedCommandsShareTheConnectionOptions() {
        List<String> found = new ArrayList<>();
        for (CommandLine command : allCommands()) {
            CommandSpec spec = command.getCommandSpec();
            if (CONNECTED.contains(spec.qualifiedName())) {
                found.add(spec.qualifiedName());
                for (String option : List.of("--bootstrap-servers", "--registry-url", "--registry-config", "--topic-prefix", "--command-config",
                        "--timeout")) {
                    assertTrue(spec.optionsMap().containsKey(option), spec.qualifiedName() + ": " + option);
                }
            }
            if (PRINT_A_RESULT.contains(spec.qualifiedName())) {
                assertTrue(spec.optionsMap().containsKey("--json"), spec.qualifiedName() + ": --json");
            }
            if (WRITE_FOR_AN_OPERATOR.contains(spec.qualifiedName())) {
                OptionSpec execute = spec.optionsMap().get("--execute");
                assertTrue(execute != null && execute.defaultValue() == null, spec.qualifiedName() + ": a dry run unless --execute");
            }
        }
        assertEquals(CONNECTED.size(), found.size(), "every connected command exists: " + found);
    }

    @Test
    void usageErrorsExitTwoCourierAloneIncluded() {
        assertEquals(ExitCodes.USAGE, run());
        assertEquals(ExitCodes.USAGE, run("no-such-command"));
        assertEquals(ExitCodes.USAGE, run("status"), "a missing parameter");
        assertEquals(ExitCodes.USAGE, run("redeliver", "--bootstrap-servers", "localhost:1", "--registry-url",
                "http://localhost:1", "--older-than", "soon"), "a bad duration");
    }

    @Test
    void failuresMapToTheDocumentedExitCodes() {
        assertEquals(ExitCodes.NOT_FOUND, ExitCodes.exitCodeOf(new NotFoundException("no such message")));
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, ExitCodes.exitCodeOf(new EnvironmentUnavailableException("down")));
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE,
                ExitCodes.exitCodeOf(new RuntimeException(new org.apache.kafka.common.errors.TimeoutException("slow"))));
        assertEquals(ExitCodes.USAGE, ExitCodes.exitCodeOf(new IllegalArgumentException("--rate must be positive")));
        assertEquals(ExitCodes.USAGE, ExitCodes.exitCodeOf(new dev.courier.consumer.ConsumerIdInUseException(
                "consumer id 'c1' is already in use by a running consumer in group 'g'")));
        assertEquals(ExitCodes.INTERNAL_ERROR, ExitCodes.exitCodeOf(new IllegalStateException(new TimeoutException())));
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, ExitCodes.exitCodeOf(new NotReadyException(
                "3 Kafka nodes did not become ready: node 1 exited; see /w/node-1/logs/server.log")));
    }

    @Test
    void aStartThatDidNotBecomeReadyIsItsOneSentenceAndExitCode4() {
        StringWriter err = new StringWriter();
        CommandLine chaos = Courier.commandLine().getSubcommands().get("chaos");
        chaos.setErr(new PrintWriter(err, true));
        String sentence = "2 trackers and 2 consumers did not join their groups within 75 s: group courier-tracker "
                + "PreparingRebalance with 1 member for 2 trackers, group courier-delivery Stable with 2 members for 2 "
                + "consumers; nothing moved for 60 s; see /w/run/{tracker,consumer}-*.log";
        int code = new ExitCodes().handleExecutionException(new NotReadyException(sentence,
                new java.util.concurrent.ExecutionException(new org.apache.kafka.common.errors.TimeoutException("slow"))),
                chaos, null);
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, code);
        assertEquals("courier chaos: " + sentence, err.toString().strip());
        // A node that does not come back after a fault fails in the fault thread: the same sentence, unwrapped.
        StringWriter faultErr = new StringWriter();
        chaos.setErr(new PrintWriter(faultErr, true));
        String restart = "Kafka node 1 did not become ready within 75 s: live brokers [0, 2], expected [0, 1, 2]; nothing "
                + "moved for 60 s; see /w/cluster/node-1/logs/server.log";
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, new ExitCodes().handleExecutionException(
                new java.util.concurrent.ExecutionException(new NotReadyException(restart)), chaos, null));
        assertEquals("courier chaos: " + restart, faultErr.toString().strip());
    }

    @Test
    void refusedCredentialsOrPermissionsAreOneSentenceAndExitCode4() {
        Exception denied = new java.util.concurrent.ExecutionException(
                new org.apache.kafka.common.errors.TopicAuthorizationException("Not authorized to access topics: [courier.send]"));
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, ExitCodes.exitCodeOf(denied));
        assertTrue(ExitCodes.refusalOf(denied).startsWith("the Kafka cluster refused"), ExitCodes.refusalOf(denied));
        Exception unauthorized = new RuntimeException(new dev.courier.schemas.registry.SchemaRegistryException(
                "POST https://localhost:8081/subjects/x-value/versions failed: 401", 401, 40101, null));
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, ExitCodes.exitCodeOf(unauthorized));
        assertTrue(ExitCodes.refusalOf(unauthorized).startsWith("the schema registry refused"), ExitCodes.refusalOf(unauthorized));
    }

    @Test
    void aFailureIsOneSentenceNeverAStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cli = Courier.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("status", "m1", "--bootstrap-servers", "localhost:1", "--registry-url", "http://localhost:1",
                "--timeout", "1s");
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, code);
        String printed = err.toString().strip();
        assertTrue(printed.startsWith("courier status: ") && !printed.contains("\n") && !printed.contains("\tat "), printed);
    }

    private static int run(String... args) {
        CommandLine cli = Courier.commandLine();
        cli.setErr(new PrintWriter(new StringWriter(), true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    /** Every command of {@code bin/courier}, {@code courier} itself included. */
    static List<CommandLine> allCommands() {
        List<CommandLine> all = new ArrayList<>();
        collect(Courier.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }
}
