package dev.courier.streams;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Puts all of the tracker's RocksDB stores in this JVM under one memory budget,
 * {@value TrackerConfig#ROCKSDB_MEMORY_MAX_BYTES_CONFIG}: one block cache shared by every store holds data
 * blocks, index and filter blocks, and a reservation for every memtable (a write buffer manager charged to
 * that cache flushes memtables when they use more than half of it).
 *
 * <p>Without it each store has its own 50 MB block cache and up to three 16 MB memtables, so the tracker's
 * memory grows with its task count, and during an outage, when pending deliveries pile up, with them:
 * 12 stores (6 partitions) could take 1.2 GB. With it, pending deliveries beyond the budget live on disk
 * (and in the OS page cache) and the tracker's memory stays put; the cost is reads from disk once the hot
 * set no longer fits.
 *
 * <p>Streams creates one instance per store by class name, so the shared cache is held statically, one per
 * budget, for the life of the JVM (never closed: stores come and go with rebalances).
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    private record Shared(Cache cache, WriteBufferManager writeBuffers) {
    }

    private static final Map<Long, Shared> SHARED = new ConcurrentHashMap<>();

    /** Fraction of the cache kept for index and filter blocks, so data blocks cannot evict them. */
    private static final double HIGH_PRIORITY_RATIO = 0.1;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long budget = budget(configs);
        Shared shared = SHARED.computeIfAbsent(budget, b -> {
            Cache cache = new LRUCache(b, -1, false, HIGH_PRIORITY_RATIO);
            return new Shared(cache, new WriteBufferManager(b / 2, cache));
        });
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBuffers());
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and write buffer manager are shared by every store: nothing of this store's to close.
    }

    private static long budget(Map<String, Object> configs) {
        Object value = configs.get(TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_CONFIG);
        if (value == null) {
            return TrackerConfig.ROCKSDB_MEMORY_MAX_BYTES_DEFAULT;
        }
        return value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
    }
}
