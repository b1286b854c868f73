package dev.courier.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code --deliverer CLASS} becomes a Deliverer, and what an operator is told when it cannot. */
class DelivererPluginTest {

    public static final class Configured implements Deliverer {
        final Map<String, String> properties;

        public Configured(Map<String, String> properties) {
            this.properties = properties;
        }

        @Override
        public DeliveryOutcome deliver(Delivery delivery) {
            return DeliveryOutcome.DELIVERED;
        }
    }

    public static final class Plain implements Deliverer {
        @Override
        public DeliveryOutcome deliver(Delivery delivery) {
            return DeliveryOutcome.DELIVERED;
        }
    }

    public static final class Failing implements Deliverer {
        public Failing() {
            throw new IllegalStateException("webhook.url is not set");
        }

        @Override
        public DeliveryOutcome deliver(Delivery delivery) {
            return DeliveryOutcome.RETRY;
        }
    }

    @Test
    void aDelivererWithAMapConstructorReceivesTheDelivererProperties() {
        Deliverer d = DelivererPlugin.load(Configured.class.getName(), List.of(), Map.of("webhook.url", "http://x"));

        assertEquals(Map.of("webhook.url", "http://x"), ((Configured) d).properties);
    }

    @Test
    void aDelivererWithOnlyANoArgumentConstructorIsBuiltWithoutProperties() {
        assertTrue(DelivererPlugin.load(Plain.class.getName(), List.of(), Map.of()) instanceof Plain);
    }

    @Test
    void propertiesForADelivererThatCannotTakeThemAreRefusedRatherThanIgnored() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DelivererPlugin.load(Plain.class.getName(), List.of(), Map.of("a", "b")));
        assertTrue(e.getMessage().contains("takes no properties"), e.getMessage());
    }

    @Test
    void anUnknownClassIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DelivererPlugin.load("com.example.Missing", List.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("Deliverer class com.example.Missing cannot be loaded"), e.getMessage());
    }

    @Test
    void aClassThatIsNotADelivererIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DelivererPlugin.load(String.class.getName(), List.of(), Map.of()));
        assertTrue(e.getMessage().contains("does not implement dev.courier.consumer.Deliverer"), e.getMessage());
    }

    @Test
    void aMissingClasspathEntryIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DelivererPlugin.load(Plain.class.getName(), List.of(Path.of("/no/such/app.jar")), Map.of()));
        assertEquals("--classpath entry /no/such/app.jar does not exist", e.getMessage());
    }

    @Test
    void aConstructorThatThrowsIsReportedWithItsReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DelivererPlugin.load(Failing.class.getName(), List.of(), Map.of()));
        assertTrue(e.getMessage().contains("failed to start") && e.getMessage().contains("webhook.url is not set"),
                e.getMessage());
    }
}
