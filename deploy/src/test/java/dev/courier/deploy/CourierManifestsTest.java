package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.TopicSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Reads every manifest in {@code deploy/k8s} with Strimzi's and fabric8's typed Kubernetes models and checks
 * what a real cluster needs of them: the topics are {@link CourierTopics}' with Courier's durability, each
 * component has a user with the ACLs it needs, every workload has probes and limits and runs the image Jib builds.
 */
class CourierManifestsTest {

    /** Surefire runs in the module directory. */
    private static final Path K8S = Path.of("k8s");
    private static final Path CLI_POM = Path.of("..", "cli", "pom.xml");
    private static final int PARTITIONS = 6;
    /** Courier's full durability: the cluster has at least three brokers. */
    private static final int BROKERS = 3;
    private static final String USER_SECRET_MOUNT = "/etc/courier/kafka-user";
    /** Workloads that serve no endpoint yet, so have nothing a probe could ask. */
    private static final Set<String> WITHOUT_ENDPOINT = Set.of();

    private static final String STRIMZI_API = "kafka.strimzi.io/v1";

    private static final List<HasMetadata> resources = new ArrayList<>();

    @BeforeAll
    static void readManifests() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization();
        // Strimzi's api jar of the newest release that runs on Java 17 (0.51) annotates its classes with the
        // v1beta2 API; v1 is the same schema less deprecated fields, so the classes read v1 documents.
        Map.of("Kafka", Kafka.class, "KafkaNodePool", KafkaNodePool.class, "KafkaTopic", KafkaTopic.class,
                        "KafkaUser", KafkaUser.class)
                .forEach((kind, type) -> serialization.registerKubernetesResource(STRIMZI_API, kind, type));
        for (String file : kustomizationResources()) {
            try (InputStream in = Files.newInputStream(K8S.resolve(file))) {
                Object parsed = serialization.unmarshal(in);
                if (parsed instanceof List<?> documents) {
                    documents.forEach(document -> resources.add((HasMetadata) document));
                } else {
                    resources.add((HasMetadata) parsed);
                }
            }
        }
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        Set<String> files;
        try (Stream<Path> listing = Files.list(K8S)) {
            files = listing.map(p -> p.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(files, new TreeSet<>(kustomizationResources()));
    }

    @Test
    void everyResourceIsInTheCourierNamespaceAndTheStrimziOnesInTheCourierCluster() {
        String cluster = single(Kafka.class).getMetadata().getName();
        for (HasMetadata resource : resources) {
            // a typo in apiVersion or kind (or Strimzi's old v1beta2) would leave a document untyped
            assertFalse(resource instanceof GenericKubernetesResource, "no typed model for " + describe(resource)
                    + " (" + resource.getApiVersion() + ")");
            if (!resource.getKind().equals("Namespace")) {
                assertEquals("courier", resource.getMetadata().getNamespace(), describe(resource));
            }
            if (resource instanceof KafkaTopic || resource instanceof KafkaUser || resource instanceof KafkaNodePool) {
                assertEquals(cluster, resource.getMetadata().getLabels().get("strimzi.io/cluster"), describe(resource));
            }
        }
    }

    @Test
    void everyCourierTopicHasAKafkaTopicWithItsSpecAndCouriersDurability() {
        Map<String, KafkaTopic> topics = kafkaTopicsByName();
        for (TopicSpec spec : expectedTopics()) {
            KafkaTopic topic = topics.get(spec.name());
            assertNotNull(topic, "no KafkaTopic for " + spec.name());
            assertEquals(spec.partitions(), topic.getSpec().getPartitions(), spec.name() + " partitions");
            assertEquals(Durability.replicationFactor(BROKERS), topic.getSpec().getReplicas(), spec.name() + " replicas");
            Map<String, String> expectedConfig = new HashMap<>(spec.configs());
            expectedConfig.put("min.insync.replicas", String.valueOf(Durability.minInsyncReplicas(BROKERS)));
            assertEquals(expectedConfig, strings(topic.getSpec().getConfig()), spec.name() + " config");
            assertTrue(topic.getSpec().getAdditionalProperties().isEmpty(), spec.name() + ": unknown fields "
                    + topic.getSpec().getAdditionalProperties());
        }
    }

    @Test
    void noKafkaTopicWithoutASpec() {
        Set<String> expected = expectedTopics().stream().map(TopicSpec::name).collect(Collectors.toSet());
        assertEquals(new TreeSet<>(expected), new TreeSet<>(kafkaTopicsByName().keySet()));
    }

    @Test
    void theClusterKeepsCouriersPromisesForInternalTopicsToo() {
        Kafka kafka = single(Kafka.class);
        Map<String, String> config = strings(kafka.getSpec().getKafka().getConfig());
        String replication = String.valueOf(Durability.replicationFactor(BROKERS));
        String minInsync = String.valueOf(Durability.minInsyncReplicas(BROKERS));
        assertEquals(replication, config.get("default.replication.factor"));
        assertEquals(minInsync, config.get("min.insync.replicas"));
        assertEquals(replication, config.get("offsets.topic.replication.factor"));
        assertEquals(replication, config.get("transaction.state.log.replication.factor"));
        assertEquals(minInsync, config.get("transaction.state.log.min.isr"));
        assertEquals("false", config.get("unclean.leader.election.enable"));
        assertEquals("simple", kafka.getSpec().getKafka().getAuthorization().getType());

        int brokers = 0;
        int controllers = 0;
        for (KafkaNodePool pool : all(KafkaNodePool.class)) {
            List<ProcessRoles> roles = pool.getSpec().getRoles();
            brokers += roles.contains(ProcessRoles.BROKER) ? pool.getSpec().getReplicas() : 0;
            controllers += roles.contains(ProcessRoles.CONTROLLER) ? pool.getSpec().getReplicas() : 0;
        }
        assertTrue(brokers >= BROKERS, "brokers: " + brokers);
        assertTrue(controllers >= 3 && controllers % 2 == 1, "a KRaft quorum of an odd number >= 3, got " + controllers);
    }

    @Test
    void eachComponentHasAKafkaUserWithTheAclsItNeeds() {
        CourierTopics topics = CourierTopics.defaults();
        String schemas = SchemaRegistryServer.DEFAULT_TOPIC;
        Map<String, List<String>> needs = Map.of(
                "courier-producer", List.of("Write " + topics.send()),
                "courier-consumer", List.of("Read " + topics.send(), "Read " + topics.ack(), "Write " + topics.ack(),
                        "Write " + topics.deadLetter()),
                "courier-tracker", List.of("Read " + topics.ack(), "Read " + topics.send(), "Read " + topics.deadLetter(),
                        "Read " + topics.commands(), "Write " + topics.send(), "Write " + topics.status(),
                        "Write " + topics.deadLetter(), "Write " + topics.trackers()),
                "courier-registry", List.of("Create " + schemas, "Read " + schemas, "Write " + schemas),
                "courier-operator", List.of("Read " + topics.deadLetter(), "Read " + topics.trackers(),
                        "Write " + topics.send(), "Write " + topics.commands()));
        Map<String, KafkaUser> users = all(KafkaUser.class).stream()
                .collect(Collectors.toMap(u -> u.getMetadata().getName(), u -> u));
        assertEquals(needs.keySet(), users.keySet());
        Set<String> declared = kafkaTopicsByName().keySet();
        needs.forEach((name, needed) -> {
            KafkaUser user = users.get(name);
            assertEquals("scram-sha-512", user.getSpec().getAuthentication().getType(), name);
            List<AclRule> acls = ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls();
            Set<String> granted = new TreeSet<>();
            for (AclRule acl : acls) {
                if (acl.getResource() instanceof AclRuleTopicResource topic
                        && topic.getPatternType() == AclResourcePatternType.LITERAL) {
                    assertTrue(declared.contains(topic.getName()), name + ": ACL on undeclared topic " + topic.getName());
                    acl.getOperations().forEach(op -> granted.add(asWritten(op) + " " + topic.getName()));
                    assertTrue(acl.getOperations().contains(AclOperation.DESCRIBE), name + " describes " + topic.getName());
                }
            }
            assertTrue(granted.containsAll(needed), name + " needs " + needed + ", has " + granted);
        });
    }

    @Test
    void groupAndTransactionalIdAclsMatchWhatTheWorkloadsUse() {
        Map<String, KafkaUser> users = all(KafkaUser.class).stream()
                .collect(Collectors.toMap(u -> u.getMetadata().getName(), u -> u));
        // DeliveryConsumerConfig: transactional.id = <group.id>-<consumer.id>
        String group = option(container("courier-consumer"), "--group").orElseThrow();
        assertGroupAndTransactions(users.get("courier-consumer"), group, group + "-");
        // Kafka Streams: the group is the application id; transactional ids and internal topics start with it
        String applicationId = option(container("courier-tracker"), "--application-id").orElseThrow();
        assertGroupAndTransactions(users.get("courier-tracker"), applicationId, applicationId + "-");
        assertTrue(acls(users.get("courier-tracker")).stream().anyMatch(acl -> acl.getResource() instanceof AclRuleTopicResource t
                && t.getPatternType() == AclResourcePatternType.PREFIX && t.getName().equals(applicationId + "-")
                && acl.getOperations().contains(AclOperation.CREATE)), "the tracker creates its internal topics");
    }

    @Test
    void everyWorkloadHasResourceLimitsAndProbesOnTheEndpointItServes() {
        Map<String, PodSpec> workloads = workloads();
        assertEquals(Set.of("courier-registry", "courier-tracker", "courier-consumer"), workloads.keySet());
        workloads.forEach((name, pod) -> {
            for (Container container : pod.getContainers()) {
                var resources = container.getResources();
                assertNotNull(resources, name);
                for (String kind : List.of("cpu", "memory")) {
                    assertNotNull(resources.getRequests().get(kind), name + " requests " + kind);
                    assertNotNull(resources.getLimits().get(kind), name + " limits " + kind);
                }
                if (WITHOUT_ENDPOINT.contains(name)) {
                    assertTrue(container.getPorts().isEmpty(), name + " serves a port now: give it probes");
                    continue;
                }
                Set<String> ports = container.getPorts().stream().map(p -> p.getName()).collect(Collectors.toSet());
                for (Probe probe : new Probe[] {container.getLivenessProbe(), container.getReadinessProbe()}) {
                    assertNotNull(probe, name + " lacks a liveness or readiness probe");
                    assertNotNull(probe.getHttpGet(), name + ": an HTTP probe on the endpoint it serves");
                    assertTrue(ports.contains(probe.getHttpGet().getPort().getStrVal()), name + ": probe on a declared port");
                }
            }
        });
        assertEquals("/health", container("courier-tracker").getLivenessProbe().getHttpGet().getPath());
    }

    @Test
    void prometheusScrapesEveryWorkloadOnAPortItDeclares() {
        Map<String, io.fabric8.kubernetes.api.model.PodTemplateSpec> templates = new HashMap<>();
        all(Deployment.class).forEach(d -> templates.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
        all(StatefulSet.class).forEach(s -> templates.put(s.getMetadata().getName(), s.getSpec().getTemplate()));
        assertEquals(workloads().keySet(), templates.keySet());
        templates.forEach((name, template) -> {
            Map<String, String> annotations = template.getMetadata().getAnnotations();
            assertNotNull(annotations, name + " has no scrape annotations");
            assertEquals("true", annotations.get("prometheus.io/scrape"), name);
            assertEquals("/metrics", annotations.get("prometheus.io/path"), name);
            Set<Integer> ports = template.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                    .map(p -> p.getContainerPort()).collect(Collectors.toSet());
            assertTrue(ports.contains(Integer.valueOf(annotations.get("prometheus.io/port"))),
                    name + ": scraped on a port its container declares");
        });
    }

    @Test
    void everyWorkloadRunsTheImageJibBuilds() throws Exception {
        String image = jibImage();
        workloads().forEach((name, pod) -> pod.getContainers().forEach(container -> {
            assertEquals(image, container.getImage(), name);
            // the image is loaded into the cluster's nodes (kind load, docker load), not pulled
            assertEquals("IfNotPresent", container.getImagePullPolicy(), name);
        }));
    }

    @Test
    void everyComponentConnectsAsItsOwnUserWithTheSharedClientConfig() {
        String commandConfig = null;
        for (var entry : workloads().entrySet()) {
            Container container = entry.getValue().getContainers().get(0);
            String file = option(container, "--command-config").orElseThrow(() -> new AssertionError(entry.getKey()));
            commandConfig = commandConfig == null ? file : commandConfig;
            assertEquals(commandConfig, file, entry.getKey());
            String userVolume = container.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals(USER_SECRET_MOUNT)).findFirst().orElseThrow().getName();
            Volume volume = entry.getValue().getVolumes().stream().filter(v -> v.getName().equals(userVolume))
                    .findFirst().orElseThrow();
            assertEquals(entry.getKey(), volume.getSecret().getSecretName(), "the KafkaUser's secret");
        }
    }

    @Test
    void theClientConfigReadsTheUsersCredentialsWithKafkasOwnConfigProvider(@TempDir Path secret) throws IOException {
        ConfigMap configMap = all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals("courier-kafka-client")).findFirst().orElseThrow();
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";
        Files.writeString(secret.resolve(SaslConfigs.SASL_JAAS_CONFIG), jaas);
        Properties props = new Properties();
        props.load(new StringReader(configMap.getData().get("client.properties")
                .replace(USER_SECRET_MOUNT, secret.toString())));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "courier-kafka-bootstrap:9093");

        AdminClientConfig config = new AdminClientConfig(props);

        assertEquals(jaas, config.originals().get(SaslConfigs.SASL_JAAS_CONFIG));
        assertEquals("SASL_SSL", config.getString(AdminClientConfig.SECURITY_PROTOCOL_CONFIG));
        Set<String> unknown = new TreeSet<>(props.stringPropertyNames());
        unknown.removeAll(AdminClientConfig.configNames());
        unknown.removeIf(key -> key.startsWith("config.providers."));
        assertTrue(unknown.isEmpty(), "not Kafka client settings: " + unknown);
    }

    // --- reading the manifests ---

    private static List<String> kustomizationResources() throws IOException {
        JsonNode kustomization = new ObjectMapper(new YAMLFactory()).readTree(K8S.resolve("kustomization.yaml").toFile());
        List<String> files = new ArrayList<>();
        kustomization.get("resources").forEach(node -> files.add(node.asText()));
        return files;
    }

    /** The image {@code <to>} of cli/pom.xml's jib-maven-plugin, with the project version filled in. */
    private static String jibImage() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(CLI_POM.toFile());
        var xpath = XPathFactory.newInstance().newXPath();
        String image = xpath.evaluate("//plugin[artifactId='jib-maven-plugin']/configuration/to/image", pom);
        String version = xpath.evaluate("/project/parent/version", pom);
        assertFalse(image.isBlank(), "no jib-maven-plugin <to><image> in " + CLI_POM);
        String resolved = image.replace("${project.version}", version);
        assertFalse(resolved.contains("${"), "unresolved property in " + image);
        return resolved;
    }

    private static List<TopicSpec> expectedTopics() {
        List<TopicSpec> specs = new ArrayList<>(CourierTopics.defaults().specs(PARTITIONS));
        // The registry's log, laid out as KafkaSchemaLog creates it: one partition (a total order), compacted.
        specs.add(new TopicSpec(SchemaRegistryServer.DEFAULT_TOPIC, 1, Map.of("cleanup.policy", "compact")));
        return specs;
    }

    private static Map<String, KafkaTopic> kafkaTopicsByName() {
        return all(KafkaTopic.class).stream().collect(Collectors.toMap(
                t -> t.getSpec().getTopicName() != null ? t.getSpec().getTopicName() : t.getMetadata().getName(), t -> t));
    }

    private static Map<String, PodSpec> workloads() {
        Map<String, PodSpec> pods = new HashMap<>();
        all(Deployment.class).forEach(d -> pods.put(d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
        all(StatefulSet.class).forEach(s -> pods.put(s.getMetadata().getName(), s.getSpec().getTemplate().getSpec()));
        return pods;
    }

    private static Container container(String workload) {
        return workloads().get(workload).getContainers().get(0);
    }

    /** The value of {@code --name=value} in a container's args. */
    private static Optional<String> option(Container container, String name) {
        return container.getArgs().stream().filter(arg -> arg.startsWith(name + "="))
                .map(arg -> arg.substring(name.length() + 1)).findFirst();
    }

    private static void assertGroupAndTransactions(KafkaUser user, String group, String transactionalIdPrefix) {
        List<AclRule> acls = acls(user);
        String name = user.getMetadata().getName();
        assertTrue(acls.stream().anyMatch(acl -> acl.getResource() instanceof AclRuleGroupResource g
                && g.getName().equals(group) && acl.getOperations().contains(AclOperation.READ)), name + " reads group " + group);
        assertTrue(acls.stream().anyMatch(acl -> acl.getResource() instanceof AclRuleTransactionalIdResource t
                && t.getPatternType() == AclResourcePatternType.PREFIX && t.getName().equals(transactionalIdPrefix)
                && acl.getOperations().contains(AclOperation.WRITE)), name + " writes transactions " + transactionalIdPrefix + "*");
    }

    private static List<AclRule> acls(KafkaUser user) {
        return ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls();
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T single(Class<T> type) {
        List<T> found = all(type);
        assertEquals(1, found.size(), type.getSimpleName() + " resources");
        return found.get(0);
    }

    private static Map<String, String> strings(Map<String, Object> config) {
        Map<String, String> result = new HashMap<>();
        config.forEach((key, value) -> result.put(key, String.valueOf(value)));
        return result;
    }

    /** {@code READ} as the manifests write it: {@code Read}. */
    private static String asWritten(AclOperation operation) {
        return operation.name().charAt(0) + operation.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static String describe(HasMetadata resource) {
        return resource.getKind() + " " + resource.getMetadata().getName();
    }
}
