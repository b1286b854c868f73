package dev.courier.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The component config key an option sets. Its default (and the default its help shows) is that key's default in
 * the command's {@code ConfigDef} ({@link ConfigDefaults}), never written on the option; given on the command line,
 * the option wins over {@code -p KEY=VALUE}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ConfigKey {

    /** The key, e.g. {@code TrackerConfig.MAX_ATTEMPTS_CONFIG}. */
    String value();
}
