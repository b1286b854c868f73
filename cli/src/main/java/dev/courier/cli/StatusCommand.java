package dev.courier.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.harness.Json;
import dev.courier.operator.MessageStatus;
import dev.courier.operator.NotFoundException;
import dev.courier.operator.Trackers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code courier status MESSAGE_ID}: where a message is, per recipient, with its timeline. */
@Command(name = "status", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Where a message is: per recipient its status (QUEUED, IN_DELIVERY, HELD, RETRYING, DELIVERED, "
                + "READ, DEAD_LETTERED, EXPIRED), attempts and timeline, as the trackers know it (settled messages "
                + "for the status retention, 7 days by default).",
                "Asks a tracker instance announced in <prefix>.trackers, or --tracker-url. Exit code 3 if no tracker "
                        + "knows the message."})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Parameters(paramLabel = "MESSAGE_ID", description = "The message id (as returned by the producer or the gateway).")
    String messageId;

    @Mixin
    TrackerUrlOptions trackers;

    @Option(names = "--json", description = "Print the tracker's JSON answer.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode answer;
        try {
            answer = new MessageStatus(new Trackers(connection.connection(), trackers.trackerUrls)).lookup(messageId);
        } catch (NotFoundException e) {
            if (json) {
                out.println(Json.MAPPER.createObjectNode().put("error", "not_found").put("messageId", messageId)
                        .put("message", e.getMessage()));
                out.flush();
            }
            throw e;
        }
        if (json) {
            out.println(answer.toString());
        } else {
            printTable(out, answer);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void printTable(PrintWriter out, JsonNode answer) {
        out.println("message " + answer.path("messageId").asText());
        out.printf("%-24s %-14s %8s  %s%n", "recipient", "status", "attempts", "reason");
        for (JsonNode recipient : answer.path("recipients")) {
            out.printf("%-24s %-14s %8d  %s%n", recipient.path("recipientId").asText(),
                    recipient.path("status").asText(), recipient.path("attempts").asInt(),
                    recipient.path("reason").asText(""));
        }
        for (JsonNode recipient : answer.path("recipients")) {
            out.println();
            out.println("timeline of " + recipient.path("recipientId").asText() + ":");
            for (JsonNode step : recipient.path("timeline")) {
                out.printf("  %-24s %-13s attempt %d  %s%n", step.path("at").asText(), step.path("event").asText(),
                        step.path("attempt").asInt(), step.path("detail").asText(""));
            }
        }
    }
}
