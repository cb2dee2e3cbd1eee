package io.tributary.benchmarks;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogOffsetMetadata;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.RecordBatchValidator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The produce and fetch hot paths without the network: validating a producer's batch (one walk over its
 * records), appending it to a partition log (offset assignment in place plus one write), and slicing a read.
 * A regression in allocation or copying on these paths shows here first.
 *
 * <pre>java -jar benchmarks/jmh/target/tributary-jmh.jar HotPathBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class HotPathBenchmark {
    @Param({"none", "lz4"})
    public String compression;

    @Param({"100"})
    public int recordBytes;

    private ByteBuffer batchBytes;
    private LogConfig config;
    private Path dir;
    private PartitionLog log;
    private long now;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] value = new byte[recordBytes];
        var builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
                Compression.of(compression).build(), TimestampType.CREATE_TIME, 0L);
        now = System.currentTimeMillis();
        int count = Math.max(1, 16 * 1024 / (recordBytes + 10));
        for (int i = 0; i < count; i++) {
            builder.append(now, null, value);
        }
        MemoryRecords records = builder.build();
        batchBytes = records.buffer().duplicate();
        config = LogConfig.of(Map.of(), Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(256 * 1024 * 1024)));
        dir = Files.createTempDirectory("tributary-jmh");
        log = PartitionLog.open(new TopicPartition("bench", 0), dir.resolve("bench-0"), config, 0, 0,
                (deletion, delayMs) -> deletion.run(), now);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private MemoryRecords freshBatch() {
        return MemoryRecords.readableRecords(batchBytes.duplicate());
    }

    @Benchmark
    public RecordBatchValidator.Summary validate() {
        return RecordBatchValidator.validate(freshBatch(), config, now);
    }

    @Benchmark
    public long validateAndAppend() {
        MemoryRecords records = freshBatch();
        RecordBatchValidator.Summary summary = RecordBatchValidator.validate(records, config, now);
        return log.appendAsLeader(records, summary, 0, now).lastOffset();
    }

    @Benchmark
    public int readSlice() {
        long end = log.logEndOffset();
        if (end == 0) {
            validateAndAppend();
            end = log.logEndOffset();
        }
        LogOffsetMetadata upper = log.logEndMetadata();
        Records slice = log.read(end - 1, 1024 * 1024, upper, true);
        return slice.sizeInBytes();
    }
}
