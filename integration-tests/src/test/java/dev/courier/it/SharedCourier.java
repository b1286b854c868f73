package dev.courier.it;

import dev.courier.deploy.LocalCluster;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.SchemaRegistryClient;
import dev.courier.schemas.registry.SchemaRegistryClients;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real 3-node KRaft cluster and one schema registry for the whole integration-test run: started by
 * the first test class that needs them, stopped when the run ends. Each test takes its own topics
 * ({@link #freshTopics}), so tests share brokers but not data.
 */
public final class SharedCourier implements BeforeAllCallback {

    private static final AtomicInteger TOPIC_SETS = new AtomicInteger();
    private static Resources resources;

    private record Resources(LocalCluster cluster, SchemaRegistryServer registry, SchemaRegistryClient client)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            client.close();
            registry.close();
            cluster.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        synchronized (SharedCourier.class) {
            if (resources == null) {
                LocalCluster cluster = LocalCluster.builder()
                        .nodes(3)
                        .workDir(Path.of("target", "it-cluster-" + ProcessHandle.current().pid()))
                        .brokerHeap("512m")
                        .build();
                cluster.start();
                SchemaRegistryServer registry = SchemaRegistryServer.builder()
                        .bootstrapServers(cluster.bootstrapServers()).port(0).build();
                registry.start();
                resources = new Resources(cluster, registry, SchemaRegistryClients.fromUrl(registry.url()));
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(SharedCourier.class, resources);
            }
        }
    }

    public static LocalCluster cluster() {
        return resources.cluster();
    }

    public static String bootstrapServers() {
        return resources.cluster().bootstrapServers();
    }

    public static String registryUrl() {
        return resources.registry().url();
    }

    /** A client of the shared registry, for the whole run. */
    public static SchemaRegistryClient registryClient() {
        return resources.client();
    }

    /** A new set of Courier topics ({@code <name>-<n>.send}, ...) with {@code partitions} partitions each. */
    public static CourierTopics freshTopics(String name, int partitions) {
        String prefix = name + "-" + TOPIC_SETS.incrementAndGet();
        CourierTopics topics = CourierTopics.withPrefix(prefix);
        resources.cluster().createTopics(topics.specs(partitions));
        return topics;
    }

    /** The topic prefix of topics made by {@link #freshTopics}. */
    public static String prefixOf(CourierTopics topics) {
        return topics.send().substring(0, topics.send().length() - ".send".length());
    }
}
