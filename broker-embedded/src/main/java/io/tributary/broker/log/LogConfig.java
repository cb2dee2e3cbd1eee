package io.tributary.broker.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.TimestampType;

/**
 * The effective configuration of one partition log: topic overrides over broker defaults over Kafka's defaults.
 *
 * <p>Each topic config has Kafka's type, default and validator. Most have a broker-level synonym
 * ({@code retention.ms} ← {@code log.retention.ms}) as in Kafka; {@link #keys()} lists them so DescribeConfigs can
 * report sources and synonyms. Kafka's tiered-storage configs ({@code remote.storage.enable}, {@code local.retention.*},
 * {@code remote.log.*}) and replication throttles are accepted and validated as Kafka does on a broker without tiered
 * storage, and have no effect here.
 */
public record LogConfig(
        List<String> cleanupPolicy,
        long retentionMs,
        long retentionBytes,
        int segmentBytes,
        long segmentMs,
        long segmentJitterMs,
        int segmentIndexBytes,
        int indexIntervalBytes,
        int maxMessageBytes,
        TimestampType messageTimestampType,
        long messageTimestampBeforeMaxMs,
        long messageTimestampAfterMaxMs,
        int minInsyncReplicas,
        long flushMessages,
        long flushMs,
        long fileDeleteDelayMs,
        String compressionType,
        int compressionGzipLevel,
        int compressionLz4Level,
        int compressionZstdLevel,
        long deleteRetentionMs,
        long minCompactionLagMs,
        long maxCompactionLagMs,
        double minCleanableDirtyRatio) {

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String PREALLOCATE = "preallocate";
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";
    public static final String REMOTE_STORAGE_ENABLE = "remote.storage.enable";
    public static final String LOCAL_RETENTION_MS = "local.retention.ms";
    public static final String LOCAL_RETENTION_BYTES = "local.retention.bytes";
    public static final String REMOTE_LOG_COPY_DISABLE = "remote.log.copy.disable";
    public static final String REMOTE_LOG_DELETE_ON_DISABLE = "remote.log.delete.on.disable";

    /**
     * One topic config: its name, type, default and validator, the broker property that sets its default (null when
     * Kafka has none), and that property's own default. The latter is null where Kafka's broker property has no
     * default and falls back to another one ({@code log.retention.ms} to {@code log.retention.minutes} and
     * {@code log.retention.hours}, {@code log.roll.ms} to {@code log.roll.hours}, ...).
     */
    public record Key(String name, Type type, Object defaultValue, ConfigDef.Validator validator,
                      String brokerSynonym, Object brokerDefault, String doc) {
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();
    private static final ConfigDef TOPIC_DEFINITION = new ConfigDef();

    static {
        key(CLEANUP_POLICY, Type.LIST, List.of("delete"), ValidList.in("delete", "compact"), "log.cleanup.policy",
                "delete, compact, or both.");
        key(RETENTION_MS, Type.LONG, 604_800_000L, Range.atLeast(-1), "log.retention.ms", null,
                "Delete segments whose newest record is older than this (records without timestamps: the segment "
                        + "file's last modification); -1 keeps them forever.");
        key(RETENTION_BYTES, Type.LONG, -1L, null, "log.retention.bytes",
                "Delete old segments while the partition is larger than this; -1 means no limit.");
        // Kafka requires 1 MiB; Tributary accepts much smaller segments, which tests rely on to roll often.
        key(SEGMENT_BYTES, Type.INT, 1024 * 1024 * 1024, Range.atLeast(14), "log.segment.bytes",
                "Roll a new segment when the active one would exceed this size.");
        key(SEGMENT_MS, Type.LONG, 604_800_000L, Range.atLeast(1), "log.roll.ms", null,
                "Roll a new segment when an appended batch's timestamp is this much later than the active "
                        + "segment's first batch's (without a timestamp there: when the segment is this old on the "
                        + "broker's clock).");
        key(SEGMENT_JITTER_MS, Type.LONG, 0L, Range.atLeast(0), "log.roll.jitter.ms", null,
                "Each segment's time-based roll comes a random amount below this (and below segment.ms) early.");
        key(SEGMENT_INDEX_BYTES, Type.INT, 10 * 1024 * 1024, Range.atLeast(8), "log.index.size.max.bytes",
                "The largest offset index and the largest time index of a segment; either one full rolls the "
                        + "segment.");
        key(INDEX_INTERVAL_BYTES, Type.INT, 4096, Range.atLeast(0), "log.index.interval.bytes",
                "Bytes of batches between two index entries (offset and time index together).");
        key(MAX_MESSAGE_BYTES, Type.INT, 1024 * 1024 + 12, Range.atLeast(0), "message.max.bytes",
                "The largest record batch accepted.");
        key(MESSAGE_TIMESTAMP_TYPE, Type.STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"),
                "log.message.timestamp.type", "CreateTime keeps the producer's timestamp; LogAppendTime sets the broker's.");
        key(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                "log.message.timestamp.before.max.ms", "How far in the past a CreateTime timestamp may be.");
        key(MESSAGE_TIMESTAMP_AFTER_MAX_MS, Type.LONG, 3_600_000L, Range.atLeast(0),
                "log.message.timestamp.after.max.ms", "How far in the future a CreateTime timestamp may be.");
        key(MIN_INSYNC_REPLICAS, Type.INT, 1, Range.atLeast(1), "min.insync.replicas",
                "Replicas that must have a write for acks=all to succeed.");
        key(FLUSH_MESSAGES, Type.LONG, Long.MAX_VALUE, Range.atLeast(1), "log.flush.interval.messages",
                "fsync after this many appended records.");
        key(FLUSH_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), "log.flush.interval.ms", null,
                "fsync when the oldest unflushed record is older than this.");
        key(FILE_DELETE_DELAY_MS, Type.LONG, 60_000L, Range.atLeast(0), "log.segment.delete.delay.ms",
                "Delay before the files of a deleted segment are removed.");
        key(COMPRESSION_TYPE, Type.STRING, "producer",
                ValidString.in("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"), "compression.type",
                "producer keeps the producer's compression.");
        key(COMPRESSION_GZIP_LEVEL, Type.INT, CompressionType.GZIP.defaultLevel(),
                CompressionType.GZIP.levelValidator(), COMPRESSION_GZIP_LEVEL,
                "The gzip level of batches the broker recompresses for compression.type=gzip.");
        key(COMPRESSION_LZ4_LEVEL, Type.INT, CompressionType.LZ4.defaultLevel(),
                CompressionType.LZ4.levelValidator(), COMPRESSION_LZ4_LEVEL,
                "The lz4 level of batches the broker recompresses for compression.type=lz4.");
        key(COMPRESSION_ZSTD_LEVEL, Type.INT, CompressionType.ZSTD.defaultLevel(),
                CompressionType.ZSTD.levelValidator(), COMPRESSION_ZSTD_LEVEL,
                "The zstd level of batches the broker recompresses for compression.type=zstd.");
        key(DELETE_RETENTION_MS, Type.LONG, 86_400_000L, Range.atLeast(0), "log.cleaner.delete.retention.ms",
                "How long tombstones are kept on a compacted topic.");
        key(MIN_COMPACTION_LAG_MS, Type.LONG, 0L, Range.atLeast(0), "log.cleaner.min.compaction.lag.ms",
                "Minimum age of a record before it may be compacted.");
        key(MAX_COMPACTION_LAG_MS, Type.LONG, Long.MAX_VALUE, Range.atLeast(1), "log.cleaner.max.compaction.lag.ms",
                "Maximum age of a record before it must be compacted.");
        key(MIN_CLEANABLE_DIRTY_RATIO, Type.DOUBLE, 0.5, Range.between(0, 1), "log.cleaner.min.cleanable.ratio",
                "Dirty ratio that makes a log eligible for compaction.");
        key(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, false, null, "unclean.leader.election.enable",
                "Allow an out-of-sync replica to become leader.");
        key(PREALLOCATE, Type.BOOLEAN, false, null, "log.preallocate", "Preallocate segment files.");
        key(LEADER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, List.of(), ThrottledReplicas.VALIDATOR, null, null,
                "Replicas whose replication the leader throttles, as partition:broker pairs or *. No effect here.");
        key(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, Type.LIST, List.of(), ThrottledReplicas.VALIDATOR, null, null,
                "Replicas whose replication the follower throttles, as partition:broker pairs or *. No effect here.");
        key(REMOTE_STORAGE_ENABLE, Type.BOOLEAN, false, null, null, null,
                "Tiered storage; true is refused, as by Kafka on a broker without tiered storage.");
        key(LOCAL_RETENTION_MS, Type.LONG, -2L, Range.atLeast(-2), "log.local.retention.ms",
                "Local retention of a tiered topic; -2 means retention.ms. No effect here.");
        key(LOCAL_RETENTION_BYTES, Type.LONG, -2L, Range.atLeast(-2), "log.local.retention.bytes",
                "Local retention of a tiered topic; -2 means retention.bytes. No effect here.");
        key(REMOTE_LOG_COPY_DISABLE, Type.BOOLEAN, false, null, null, null,
                "Stop copying segments of a tiered topic to remote storage. No effect here.");
        key(REMOTE_LOG_DELETE_ON_DISABLE, Type.BOOLEAN, false, null, null, null,
                "Delete remote data when tiered storage is turned off for the topic. No effect here.");
    }

    /** A topic config whose broker property has the same default. */
    private static void key(String name, Type type, Object defaultValue, ConfigDef.Validator validator,
                            String brokerSynonym, String doc) {
        key(name, type, defaultValue, validator, brokerSynonym, defaultValue, doc);
    }

    private static void key(String name, Type type, Object defaultValue, ConfigDef.Validator validator,
                            String brokerSynonym, Object brokerDefault, String doc) {
        KEYS.put(name, new Key(name, type, defaultValue, validator, brokerSynonym, brokerDefault, doc));
        TOPIC_DEFINITION.define(name, type, defaultValue, validator, Importance.MEDIUM, doc);
    }

    public static List<Key> keys() {
        return new ArrayList<>(KEYS.values());
    }

    public static Key key(String name) {
        return KEYS.get(name);
    }

    /** As {@link #validate(Map, Map)} with Kafka's defaults for every config the topic does not set. */
    public static void validate(Map<String, String> overrides) {
        validate(overrides, Map.of());
    }

    /**
     * Checks topic overrides as Kafka's controller does (its LogConfig.validate, given the broker's log configs):
     * every name must be a topic config and every value valid; with the broker defaults applied,
     * {@code min.compaction.lag.ms} may not exceed {@code max.compaction.lag.ms}; and {@code remote.storage.enable}
     * may not be true, as on a Kafka broker without tiered storage ({@code remote.log.storage.system.enable=false}).
     * The other tiered-storage checks only apply to topics with remote storage, which cannot exist here.
     *
     * @param brokerDefaults the broker-level defaults, keyed by topic config name (parsed values)
     * @throws ConfigException naming the offending config
     */
    public static void validate(Map<String, String> overrides, Map<String, Object> brokerDefaults) {
        for (var entry : overrides.entrySet()) {
            if (!KEYS.containsKey(entry.getKey())) {
                throw new ConfigException("Unknown topic config name: " + entry.getKey());
            }
            if (entry.getValue() == null) {
                throw new ConfigException(entry.getKey(), null, "a topic config value may not be null");
            }
        }
        TOPIC_DEFINITION.parse(overrides);
        Map<String, Object> effective = effectiveValues(brokerDefaults, overrides);
        long minCompactionLagMs = (Long) effective.get(MIN_COMPACTION_LAG_MS);
        long maxCompactionLagMs = (Long) effective.get(MAX_COMPACTION_LAG_MS);
        if (minCompactionLagMs > maxCompactionLagMs) {
            throw new ConfigException("conflict topic config setting " + MIN_COMPACTION_LAG_MS + " ("
                    + minCompactionLagMs + ") > " + MAX_COMPACTION_LAG_MS + " (" + maxCompactionLagMs + ")");
        }
        if ((Boolean) effective.get(REMOTE_STORAGE_ENABLE)) {
            throw new ConfigException("Tiered Storage functionality is disabled in the broker. "
                    + "Topic cannot be configured with remote log storage.");
        }
    }

    /** Parses one value of a topic config (for brokers' defaults and DescribeConfigs). */
    public static Object parse(String name, String value) {
        return ConfigDef.parseType(name, value, KEYS.get(name).type());
    }

    /** Renders a parsed value the way Kafka prints it in DescribeConfigs. */
    public static String render(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    /**
     * The effective value of every topic config, in definition order: the topic's override, else the broker default
     * (keyed by topic config name), else Kafka's default.
     */
    public static Map<String, Object> effectiveValues(Map<String, Object> brokerDefaults,
                                                      Map<String, String> topicOverrides) {
        var values = new LinkedHashMap<String, Object>();
        for (Key key : KEYS.values()) {
            Object brokerDefault = brokerDefaults.get(key.name());
            values.put(key.name(), brokerDefault != null ? brokerDefault : key.defaultValue());
        }
        for (var entry : topicOverrides.entrySet()) {
            if (KEYS.containsKey(entry.getKey())) {
                values.put(entry.getKey(), parse(entry.getKey(), entry.getValue()));
            }
        }
        return values;
    }

    /** Builds the effective config from broker defaults (keyed by topic config name) and topic overrides. */
    public static LogConfig of(Map<String, Object> brokerDefaults, Map<String, String> topicOverrides) {
        Map<String, Object> values = effectiveValues(brokerDefaults, topicOverrides);
        return new LogConfig(
                ((List<?>) values.get(CLEANUP_POLICY)).stream().map(p -> String.valueOf(p).trim().toLowerCase(Locale.ROOT)).toList(),
                (Long) values.get(RETENTION_MS),
                (Long) values.get(RETENTION_BYTES),
                (Integer) values.get(SEGMENT_BYTES),
                (Long) values.get(SEGMENT_MS),
                (Long) values.get(SEGMENT_JITTER_MS),
                (Integer) values.get(SEGMENT_INDEX_BYTES),
                (Integer) values.get(INDEX_INTERVAL_BYTES),
                (Integer) values.get(MAX_MESSAGE_BYTES),
                TimestampType.forName((String) values.get(MESSAGE_TIMESTAMP_TYPE)),
                (Long) values.get(MESSAGE_TIMESTAMP_BEFORE_MAX_MS),
                (Long) values.get(MESSAGE_TIMESTAMP_AFTER_MAX_MS),
                (Integer) values.get(MIN_INSYNC_REPLICAS),
                (Long) values.get(FLUSH_MESSAGES),
                (Long) values.get(FLUSH_MS),
                (Long) values.get(FILE_DELETE_DELAY_MS),
                (String) values.get(COMPRESSION_TYPE),
                (Integer) values.get(COMPRESSION_GZIP_LEVEL),
                (Integer) values.get(COMPRESSION_LZ4_LEVEL),
                (Integer) values.get(COMPRESSION_ZSTD_LEVEL),
                (Long) values.get(DELETE_RETENTION_MS),
                (Long) values.get(MIN_COMPACTION_LAG_MS),
                (Long) values.get(MAX_COMPACTION_LAG_MS),
                (Double) values.get(MIN_CLEANABLE_DIRTY_RATIO));
    }

    public static LogConfig defaults() {
        return of(Map.of(), Map.of());
    }

    public boolean compact() {
        return cleanupPolicy.contains("compact");
    }

    public boolean delete() {
        return cleanupPolicy.contains("delete");
    }

    /**
     * The codec and level the broker recompresses batches with (Kafka's LogConfig.compression): the topic's
     * {@code compression.type} with its {@code compression.<codec>.level}; null for {@code producer}, which keeps
     * batches as sent.
     */
    public Compression compression() {
        return switch (compressionType) {
            case "producer" -> null;
            case "uncompressed" -> Compression.NONE;
            case "gzip" -> Compression.gzip().level(compressionGzipLevel).build();
            case "lz4" -> Compression.lz4().level(compressionLz4Level).build();
            case "zstd" -> Compression.zstd().level(compressionZstdLevel).build();
            default -> Compression.of(compressionType).build();
        };
    }

    /**
     * How long the active segment may stay open before it rolls (Kafka's LogConfig.maxSegmentMs): segment.ms, or
     * max.compaction.lag.ms when that is shorter on a compacted topic, so its records become cleanable in time.
     */
    public long maxSegmentMs() {
        return compact() && maxCompactionLagMs > 0 ? Math.min(maxCompactionLagMs, segmentMs) : segmentMs;
    }

    /**
     * A new segment's roll jitter (Kafka's LogConfig.randomSegmentJitter): uniform below segment.jitter.ms, capped
     * at segment.ms, so partitions created together do not all roll at the same moment.
     */
    public long randomSegmentJitterMs(RandomGenerator random) {
        return segmentJitterMs == 0 ? 0 : random.nextLong(Math.min(segmentJitterMs, segmentMs));
    }
}
