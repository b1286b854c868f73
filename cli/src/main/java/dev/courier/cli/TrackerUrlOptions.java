package dev.courier.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Which tracker HTTP APIs a command asks: the announced ones, or those given. */
public final class TrackerUrlOptions {

    @Option(names = "--tracker-url", paramLabel = "URL", description = "Ask this tracker HTTP API (e.g. http://host:8090) "
            + "instead of those announced in <prefix>.trackers; repeatable.")
    public List<String> trackerUrls = new ArrayList<>();
}
