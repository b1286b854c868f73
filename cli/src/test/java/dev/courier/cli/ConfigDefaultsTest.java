package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.gateway.GatewayConfig;
import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import dev.courier.streams.TrackerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The options that set a component's config key take their defaults from its ConfigDef, so they cannot drift. */
class ConfigDefaultsTest {

    /** Options named like a config key that deliberately do not set it, with the reason. */
    private static final Set<String> NOT_THE_CONFIG_DEFAULT = Set.of(
            "courier tracker --http-port"); // TrackerConfig's default is no HTTP API; `courier status` needs one

    @Test
    void everyOptionThatSetsAConfigKeyShowsAndTakesThatKeysDefault() {
        List<String> checked = new ArrayList<>();
        for (CommandLine command : CommandConventionsTest.allCommands()) {
            CommandSpec spec = command.getCommandSpec();
            ConfigDef def = ConfigDefaults.configDefOf(spec);
            for (OptionSpec option : spec.options()) {
                String key = ConfigDefaults.keyOf(option);
                if (key == null) {
                    continue;
                }
                String where = spec.qualifiedName() + " " + option.longestName() + " (" + key + ")";
                ConfigDef.ConfigKey defined = def.configKeys().get(key);
                assertNotNull(defined, where + ": a key of the command's config");
                assertNull(option.defaultValue(), where + ": no default of its own");
                String expected = defined.hasDefault() && defined.defaultValue != null && !"".equals(defined.defaultValue)
                        ? ConfigDef.convertToString(defined.defaultValue, defined.type) : null;
                if (expected != null) {
                    assertEquals(expected, option.defaultValueString(), where + ": @Command(defaultValueProvider = ConfigDefaults.class)");
                    assertTrue(helpLine(command, option).contains("default: " + expected), where + ": help shows the default: "
                            + helpLine(command, option));
                }
                checked.add(where);
            }
        }
        assertTrue(checked.size() >= 20, "the connection options of every connected command and the components' own: " + checked);
    }

    @Test
    void everyOptionNamedLikeAKeyOfItsCommandsConfigSetsIt() {
        for (CommandLine command : CommandConventionsTest.allCommands()) {
            CommandSpec spec = command.getCommandSpec();
            Set<String> keys = ConfigDefaults.configDefOf(spec).names();
            for (OptionSpec option : spec.options()) {
                String where = spec.qualifiedName() + " " + option.longestName();
                String dotted = option.longestName().replaceFirst("^--?", "").replace('-', '.');
                // the key itself, or the key under a one-word prefix (gateway.port, schema.registry.url)
                String key = keys.contains(dotted) ? dotted
                        : keys.stream().filter(k -> k.endsWith("." + dotted) && k.indexOf('.') == k.length() - dotted.length() - 1)
                                .findFirst().orElse(null);
                // a key without a default cannot drift (--bootstrap-servers of `bench` is not the pipeline's)
                boolean hasDefault = key != null && ConfigDefaults.configDefOf(spec).configKeys().get(key).hasDefault();
                if (hasDefault && !NOT_THE_CONFIG_DEFAULT.contains(where)) {
                    assertEquals(key, ConfigDefaults.keyOf(option), where + " mirrors " + key + ": @ConfigKey");
                }
            }
        }
    }

    @Test
    void theParsedDefaultsAreTheConfigsParsedDefaults() {
        Map<List<String>, ConfigDef> commands = Map.of(
                List.of("tracker"), TrackerConfig.configDef(),
                List.of("consumer"), DeliveryConsumerConfig.CONFIG_DEF,
                List.of("gateway"), GatewayConfig.configDef(),
                List.of("send", "--from", "a", "--to", "b", "--text", "t"), CommonConfig.define(new ConfigDef()));
        commands.forEach((args, def) -> {
            CommandSpec spec = parse(args);
            assertEquals(Map.of(CommonConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1", CommonConfig.SCHEMA_REGISTRY_URL_CONFIG,
                    "http://localhost:2"), ConfigDefaults.given(spec), args.get(0) + ": only what was given");
            for (OptionSpec option : spec.options()) {
                String key = ConfigDefaults.keyOf(option);
                if (key != null && !ConfigDefaults.given(spec).containsKey(key) && !"".equals(def.configKeys().get(key).defaultValue)) {
                    assertEquals(def.configKeys().get(key).defaultValue, option.getValue(), args.get(0) + " " + option.longestName());
                }
            }
        });
    }

    @Test
    void anOptionGivenWinsOverPropertyOneNotGivenLeavesIt() {
        CommandSpec spec = parse(List.of("tracker", "--max-attempts", "3", "-p", "max.attempts=5", "-p", "ack.timeout.ms=7",
                "-p", "courier.topic.prefix=p"));
        TrackerCommand tracker = (TrackerCommand) spec.userObject();
        Map<String, Object> config = tracker.connection.componentConfig(spec, tracker.properties, TrackerConfig.STREAMS_PREFIX);
        assertEquals(3, config.get(TrackerConfig.MAX_ATTEMPTS_CONFIG));
        assertEquals("7", config.get(TrackerConfig.ACK_TIMEOUT_MS_CONFIG));
        assertEquals("p", config.get(TrackerConfig.TOPIC_PREFIX_CONFIG));
        assertEquals("localhost:1", config.get(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Test
    void aCommandBuiltOnItsOwnNamesTheProviderItself() {
        CommandLine cluster = new CommandLine(new ClusterCommand()); // as ClusterCommandTest and SingleNodeClusterTest build it
        cluster.parseArgs("start");
        ClusterCommand.Start start = cluster.getSubcommands().get("start").getCommand();
        assertEquals(CourierTopics.DEFAULT_PREFIX, start.topicPrefix);
    }

    /** What {@code command}'s usage help says of {@code option}: its line and those continuing it. */
    private static String helpLine(CommandLine command, OptionSpec option) {
        command.setUsageHelpWidth(1000);
        List<String> lines = command.getUsageMessage(CommandLine.Help.Ansi.OFF).lines().toList();
        StringBuilder help = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("\\s+(-[a-zA-Z], )?" + option.longestName() + "\\b.*")) {
                help.append(lines.get(i));
                for (int j = i + 1; j < lines.size() && !lines.get(j).isBlank() && !lines.get(j).strip().startsWith("-"); j++) {
                    help.append(' ').append(lines.get(j).strip());
                }
                break;
            }
        }
        return help.toString();
    }

    private static CommandSpec parse(List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--bootstrap-servers", "localhost:1", "--registry-url", "http://localhost:2"));
        CommandLine courier = Courier.commandLine();
        courier.parseArgs(all.toArray(String[]::new));
        return courier.getSubcommands().get(args.get(0)).getCommandSpec();
    }
}
