package dev.courier.cli;

import dev.courier.schemas.CommonConfig;
import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The defaults of the options that set a config key ({@link ConfigKey}): the key's default in the command's
 * {@code ConfigDef} ({@link ConfiguredCommand}; the keys every component shares, {@link CommonConfig}, for the
 * other commands), so a default is written once, in the component's config. Every command with such an option
 * names it: {@code @Command(defaultValueProvider = ConfigDefaults.class)}.
 */
final class ConfigDefaults implements IDefaultValueProvider {

    private static final ConfigDef COMMON = CommonConfig.define(new ConfigDef());

    @Override
    public String defaultValue(ArgSpec arg) {
        String key = keyOf(arg);
        if (key == null) {
            return null;
        }
        ConfigDef.ConfigKey defined = definitionOf(configDefOf(arg.command()), key, arg);
        String value = defined.hasDefault() && defined.defaultValue != null
                ? ConfigDef.convertToString(defined.defaultValue, defined.type) : null;
        return value == null || value.isEmpty() ? null : value; // an empty default means unset: the option has none
    }

    /**
     * The config entries of the {@link ConfigKey} options given on {@code spec}'s command line, to put over
     * {@code -p KEY=VALUE}: an option not given leaves {@code -p} or the config's default.
     */
    static Map<String, Object> given(CommandSpec spec) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, Object> given = new LinkedHashMap<>();
        for (OptionSpec option : spec.options()) {
            String key = keyOf(option);
            if (key != null && parsed.hasMatchedOption(option)) {
                given.put(key, option.getValue());
            }
        }
        return given;
    }

    /** The config key {@code arg} sets, or null. */
    static String keyOf(ArgSpec arg) {
        ConfigKey key = arg.userObject() instanceof Field field ? field.getAnnotation(ConfigKey.class) : null;
        return key == null ? null : key.value();
    }

    /** Where the keys of {@code command}'s options are defined. */
    static ConfigDef configDefOf(CommandSpec command) {
        return command.userObject() instanceof ConfiguredCommand configured ? configured.configDef() : COMMON;
    }

    private static ConfigDef.ConfigKey definitionOf(ConfigDef def, String key, ArgSpec arg) {
        ConfigDef.ConfigKey defined = def.configKeys().get(key);
        if (defined == null) {
            String name = arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
            throw new IllegalStateException("option " + name + " of "
                    + arg.command().qualifiedName() + " sets " + key + ", which its config does not define");
        }
        return defined;
    }
}
