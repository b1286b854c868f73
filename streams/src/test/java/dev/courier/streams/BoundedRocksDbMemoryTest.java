package dev.courier.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbMemoryTest {

    static {
        RocksDB.loadLibrary();
    }

    /** Options as Streams hands them to a config setter: with a block-based table config already set. */
    private static Options configured(Map<String, Object> configs) {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfig());
        new BoundedRocksDbMemory().setConfig("pending-store", options, configs);
        return options;
    }

    @Test
    void storesWithTheSameBudgetShareOneWriteBufferManagerAndCacheIndexAndFilterBlocks() {
        Map<String, Object> configs = Map.of(TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        try (Options pending = configured(configs); Options index = configured(configs)) {
            assertSame(pending.writeBufferManager(), index.writeBufferManager());
            BlockBasedTableConfig table = (BlockBasedTableConfig) pending.tableFormatConfig();
            assertTrue(table.cacheIndexAndFilterBlocks());
            assertTrue(table.cacheIndexAndFilterBlocksWithHighPriority());
            assertTrue(table.pinTopLevelIndexAndFilter());
        }
    }

    @Test
    void aDifferentBudgetGetsItsOwnMemoryAndAStringValueIsRead() {
        try (Options a = configured(Map.of(TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG, "33554432"));
             Options b = configured(Map.of(TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG, 32L * 1024 * 1024));
             Options c = configured(Map.of())) {
            assertSame(a.writeBufferManager(), b.writeBufferManager());
            assertNotSame(a.writeBufferManager(), c.writeBufferManager()); // c: the 128 MB default
        }
    }

    @Test
    void trackerConfigWiresTheSetterAndPassesTheBudgetToStreams() {
        TrackerConfig config = new TrackerConfig(Map.of(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, "mem://test", TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG, "20000000"));
        var props = config.streamsProperties();
        assertSame(BoundedRocksDbMemory.class, props.get("rocksdb.config.setter"));
        assertEquals(20_000_000L, props.get(TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG));
    }
}
