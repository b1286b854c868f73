package dev.courier.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The same producer, consumed by a share group (KIP-932) with explicit ACCEPT acknowledgements, committed
 * asynchronously after each poll's records. The group is set to start at the earliest offset
 * ({@code share.auto.offset.reset=earliest}, a GROUP config) so nothing sent while members join is skipped.
 */
final class SharePipeline extends PlainKafkaPipeline {

    SharePipeline(String bootstrap, Admin admin, String topic, int partitions, int consumers, PhaseProbe.Slot probes) {
        super(bootstrap, admin, topic, partitions, consumers, probes);
    }

    @Override
    public String name() {
        return "share";
    }

    @Override
    protected void startConsumers() throws Exception {
        String group = topic + "-share";
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        for (int i = 0; i < consumers; i++) {
            workers.start("share-consumer-" + i, running -> {
                try (KafkaShareConsumer<String, byte[]> consumer = new KafkaShareConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, group,
                        "share.acknowledgement.mode", "explicit"),
                        new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(topic));
                    while (running.get()) {
                        var records = consumer.poll(Duration.ofMillis(100));
                        for (ConsumerRecord<String, byte[]> r : records) {
                            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                        }
                        if (!records.isEmpty()) {
                            consumer.commitAsync();
                            for (ConsumerRecord<String, byte[]> r : records) {
                                probes.delivered(r.partition(), r.value());
                            }
                        }
                    }
                }
            });
        }
        awaitMembers(group);
    }

    private void awaitMembers(String group) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                int members = admin.describeShareGroups(List.of(group)).describedGroups().get(group)
                        .get(10, TimeUnit.SECONDS).members().size();
                if (members >= consumers) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not created yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("share group " + group + " did not reach " + consumers + " members in 90 s");
    }
}
