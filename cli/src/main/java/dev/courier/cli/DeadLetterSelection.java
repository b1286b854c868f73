package dev.courier.cli;

import dev.courier.operator.DeadLetterFilter;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import picocli.CommandLine.Option;

/** Which dead letters a {@code courier dlq} command looks at: by reason and age. */
public final class DeadLetterSelection {

    @Option(names = "--reason", paramLabel = "REASON", description = "Only this reason code, e.g. MAX_ATTEMPTS.")
    String reason;

    @Option(names = "--since", paramLabel = "TIME", converter = SinceConverter.class,
            description = "Only dead letters written at or after TIME: an ISO-8601 instant or a duration ago (2h).")
    Instant since;

    /** These options, and {@code messageIds} (empty: any), as the operator library's filter. */
    DeadLetterFilter filter(Collection<String> messageIds) {
        return new DeadLetterFilter(reason, since, Set.copyOf(messageIds));
    }
}
