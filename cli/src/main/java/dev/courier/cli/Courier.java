package dev.courier.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/courier}: one entry point for every Courier component. */
@Command(name = "courier", mixinStandardHelpOptions = true, version = Courier.VERSION,
        description = "Guaranteed message delivery on Apache Kafka.",
        subcommands = {
                DemoCommand.class,
                ChaosCommand.class,
                ClusterCommand.class,
                TopicsCommand.class,
                RegistryServerCommand.class,
                TrackerCommand.class,
                ConsumerCommand.class,
                GatewayCommand.class,
                SendCommand.class,
                StatusCommand.class,
                DlqCommand.class,
                ReplayCommand.class,
                RedeliverCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Courier implements java.util.concurrent.Callable<Integer> {

    public static final String VERSION = "courier 0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine courier = new CommandLine(new Courier())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new ExitCodes());
        withVersion(courier);
        return courier;
    }

    /** Every command prints the same version with -V. */
    private static void withVersion(CommandLine command) {
        command.getCommandSpec().version(VERSION);
        command.getSubcommands().values().forEach(Courier::withVersion);
    }

    /** {@code courier} alone is a usage error: it prints the commands. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return ExitCodes.USAGE;
    }
}
