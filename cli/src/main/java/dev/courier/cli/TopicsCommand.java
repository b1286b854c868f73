package dev.courier.cli;

import dev.courier.deploy.ProgressWait;
import dev.courier.deploy.TopicCreator;
import dev.courier.harness.Json;
import dev.courier.operator.EnvironmentUnavailableException;
import dev.courier.schemas.CommonConfig;
import dev.courier.schemas.CourierTopics;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier topics create}: Courier's topics on any cluster, not only a local one. */
@Command(name = "topics", mixinStandardHelpOptions = true, subcommands = TopicsCommand.Create.class,
        description = "Courier's topics on a cluster of yours.")
public final class TopicsCommand extends CommandGroup {

    @Command(name = "create", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
            description = {"Create Courier's missing topics: the layout of CourierTopics, replication min(3, brokers), "
                    + "min.insync.replicas min(2, brokers). Existing topics are left as they are (a partition count "
                    + "that differs from the layout is an error). On Kubernetes, deploy/k8s declares them as Strimzi "
                    + "KafkaTopics instead."})
    static final class Create implements Callable<Integer> {

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--partitions", defaultValue = "6",
                description = "Partitions of the send topic and those partitioned like it (default: ${DEFAULT-VALUE}).")
        int partitions;

        @ConfigKey(CommonConfig.TOPIC_PREFIX_CONFIG)
        @Option(names = "--topic-prefix", paramLabel = "PREFIX",
                description = "Prefix of Courier's topics (default: ${DEFAULT-VALUE}).")
        String topicPrefix;

        @Option(names = "--json", description = "Print {\"topics\":[...]}.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, Object> props = new HashMap<>(kafka.clientProperties());
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers);
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) kafka.timeout.toMillis());
            var specs = CourierTopics.withPrefix(topicPrefix).specs(partitions);
            try (Admin admin = Admin.create(props)) {
                int brokers;
                try {
                    brokers = admin.describeCluster().nodes().get(kafka.timeout.toMillis(), TimeUnit.MILLISECONDS).size();
                } catch (ExecutionException | TimeoutException e) {
                    throw new EnvironmentUnavailableException("the Kafka cluster at " + kafka.bootstrapServers
                            + " did not answer within " + kafka.timeout.toSeconds() + " s", e);
                }
                // --timeout bounds how long creating may go without progress (a partition led, a replica hosted).
                ProgressWait wait = new ProgressWait(kafka.timeout,
                        kafka.timeout.compareTo(ProgressWait.DEFAULT_CAP) > 0 ? kafka.timeout : ProgressWait.DEFAULT_CAP);
                new TopicCreator(admin, brokers, wait, "the brokers' logs").create(specs);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                var result = Json.MAPPER.createObjectNode();
                specs.forEach(s -> result.withArray("topics").add(s.name()));
                out.println(result.toString());
            } else {
                specs.forEach(s -> out.printf("%-28s %3d partitions %s%n", s.name(), s.partitions(), s.configs()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
