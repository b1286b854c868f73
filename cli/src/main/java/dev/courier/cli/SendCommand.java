package dev.courier.cli;

import dev.courier.harness.Json;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code courier send}: publish one message from the command line and print its receipt. */
@Command(name = "send", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Publish one message (to one or more recipients) and print its receipt.",
                "The receipt is JSON: {\"messageId\":...,\"placements\":[{\"recipientId\":...,\"partition\":...,\"offset\":...}]}"})
public final class SendCommand implements Callable<Integer>, ConfiguredCommand {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--from", required = true, description = "Sender id.")
    String sender;

    @Option(names = "--to", required = true, split = ",", description = "Recipient ids, comma-separated.")
    List<String> recipients;

    @Option(names = "--conversation", description = "Conversation id (default: <from>-<first recipient>).")
    String conversation;

    @Option(names = "--text", required = true, description = "Message text (sent as text/plain UTF-8).")
    String text;

    @Option(names = "--json", description = "Print the receipt as JSON: {\"messageId\",\"placements\":[{\"recipientId\",\"partition\",\"offset\"}]}.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "Application header, repeatable.")
    Map<String, String> headers = Map.of();

    @Override
    public ConfigDef configDef() {
        return CourierProducerConfig.CONFIG_DEF;
    }

    @Override
    public Integer call() throws Exception {
        // --command-config: Kafka client settings (security) for the producer.
        CourierProducerConfig config = new CourierProducerConfig(
                connection.componentConfig(spec, Map.of(), CourierProducerConfig.PRODUCER_PREFIX));
        try (CourierProducer producer = new CourierProducer(config)) {
            OutgoingMessage message = OutgoingMessage.builder()
                    .senderId(sender)
                    .recipients(recipients)
                    .conversationId(conversation != null ? conversation : sender + "-" + recipients.get(0))
                    .payload(text.getBytes(StandardCharsets.UTF_8))
                    .headers(headers)
                    .build();
            SendReceipt receipt = producer.send(message).get(60, TimeUnit.SECONDS);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writeValueAsString(receipt));
            } else {
                out.println("sent " + receipt.messageId());
                receipt.placements().forEach(p -> out.printf("  to %-24s %s partition %d offset %d%n",
                        p.recipientId(), connection.topicPrefix + ".send", p.partition(), p.offset()));
            }
            out.flush();
        }
        return 0;
    }
}
