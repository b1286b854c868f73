package dev.courier.cli;

import org.apache.kafka.common.config.ConfigDef;

/** A command that runs a component: its {@link ConfigKey} options set keys of this {@code ConfigDef}. */
interface ConfiguredCommand {

    ConfigDef configDef();
}
