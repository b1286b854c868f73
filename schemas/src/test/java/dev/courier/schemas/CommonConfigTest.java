package dev.courier.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CommonConfigTest {

    private static AbstractConfig parse(Map<String, Object> props) {
        return new AbstractConfig(CommonConfig.define(new ConfigDef()), props, false);
    }

    @Test
    void theSharedKeysHaveTheirDefaults() {
        AbstractConfig config = parse(Map.of(CommonConfig.BOOTSTRAP_SERVERS_CONFIG, "h:9092",
                CommonConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://x"));

        assertEquals(CourierTopics.DEFAULT_PREFIX, config.getString(CommonConfig.TOPIC_PREFIX_CONFIG));
        assertEquals(EventChecks.DEFAULT_MAX_PAYLOAD_BYTES, config.getInt(CommonConfig.MAX_PAYLOAD_BYTES_CONFIG));
    }

    @Test
    void oneSetOfValidators() {
        Map<String, Object> ok = Map.of(CommonConfig.BOOTSTRAP_SERVERS_CONFIG, "h:9092",
                CommonConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://x");
        assertThrows(ConfigException.class, () -> parse(Map.of(CommonConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://x")));
        assertThrows(ConfigException.class, () -> parse(with(ok, CommonConfig.BOOTSTRAP_SERVERS_CONFIG, "")));
        assertThrows(ConfigException.class, () -> parse(with(ok, CommonConfig.TOPIC_PREFIX_CONFIG, "a\nb")));
        assertThrows(ConfigException.class, () -> parse(with(ok, CommonConfig.MAX_PAYLOAD_BYTES_CONFIG, 0)));
        assertThrows(ConfigException.class,
                () -> parse(with(ok, CommonConfig.MAX_PAYLOAD_BYTES_CONFIG, CommonConfig.MAX_PAYLOAD_BYTES_LIMIT + 1)));
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new java.util.HashMap<>(base);
        m.put(key, value);
        return m;
    }
}
