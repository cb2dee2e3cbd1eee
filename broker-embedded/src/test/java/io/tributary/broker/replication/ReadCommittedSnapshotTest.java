package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.AbortedTransactions.AbortedTxn;
import io.tributary.broker.log.CleanerConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metadata.ClusterDefaults;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, fault 1: a read_committed fetch answers from one snapshot of the last stable offset. Its records and
 * the aborted transactions it lists are bounded by the same snapshot, and the list by the records actually
 * returned (Kafka's {@code UnifiedLog.read} and {@code LocalLog.addAbortedTransactions}), so a transaction that
 * ends while the fetch runs never comes back as committed data. The partition's test seam runs the ABORT marker's
 * append at exactly the point where the fetch has taken its snapshot.
 *
 * <p>Through the replica manager's fetch path, on one partition led by this node; what a read_committed consumer
 * keeps of an answer is worked out here as Kafka's consumer does it (KIP-98).
 */
class ReadCommittedSnapshotTest {
    private static final String TOPIC = "t";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final long PRODUCER_A = 1000;
    private static final long PRODUCER_B = 2000;
    private static final int MAX_BYTES = 1024 * 1024;

    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Uuid topicId = Uuid.randomUuid();
    private LogManager logManager;
    private ReplicaManager replicaManager;

    @AfterEach
    void stop() throws InterruptedException {
        Partition.afterReadSnapshot = () -> { };
        if (logManager != null) {
            logManager.close();
        }
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private void start(Map<String, String> topicConfig) {
        logManager = new LogManager(List.of(dir), Time.SYSTEM, scheduler, CleanerConfig.defaults());
        replicaManager = new ReplicaManager(0, logManager, new FetchPurgatory(scheduler), Time.SYSTEM);
        var records = new ArrayList<MetadataRecord>(List.of(new TopicRecord(TOPIC, topicId),
                new PartitionRecord(topicId, 0, List.of(0), List.of(0), 0, 0, 0)));
        topicConfig.forEach((name, value) -> records.add(new ConfigRecord(ConfigResourceKind.TOPIC, TOPIC, name, value)));
        var defaults = new ClusterDefaults(0, 1, (short) 1, true, List.of(0), Map.of(), Map.of(), Set.of());
        replicaManager.applyImage(MetadataImage.EMPTY.apply(records), new ConfigResolver(defaults));
    }

    private static MemoryRecords transactional(long producerId, int baseSequence, String... values) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, baseSequence,
                simple(values));
    }

    private static MemoryRecords plain(String... values) {
        return MemoryRecords.withRecords(Compression.NONE, simple(values));
    }

    private static SimpleRecord[] simple(String... values) {
        var records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), "k".getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    private static int abortMarkerBytes() {
        return MemoryRecords.withEndTransactionMarker(0L, 0L, 0, PRODUCER_A, (short) 0,
                new EndTransactionMarker(ControlRecordType.ABORT, 0)).sizeInBytes();
    }

    private void append(MemoryRecords records) {
        var response = replicaManager.appendRecords((short) -1, Map.of(PARTITION, records),
                (producerId, epoch, partition) -> Errors.NONE).join().get(PARTITION);
        assertThat(response.error).isEqualTo(Errors.NONE);
    }

    private void abort(long producerId) {
        assertThat(replicaManager.appendTxnMarker(PARTITION, producerId, (short) 0, 0, false).join())
                .isEqualTo(Errors.NONE);
    }

    private FetchResult fetchReadCommitted(long offset, int maxBytes) {
        var params = new FetchParams(-1, 0, 1, maxBytes, IsolationLevel.READ_COMMITTED);
        var fetchPartition = new FetchPartition(new TopicIdPartition(topicId, PARTITION), offset, maxBytes, -1);
        FetchResult result = replicaManager.fetch(params, List.of(fetchPartition)).join()
                .get(new TopicIdPartition(topicId, PARTITION));
        assertThat(result.error()).isEqualTo(Errors.NONE);
        return result;
    }

    /**
     * The values a read_committed consumer keeps of a fetch answer, as Kafka's consumer filters it: a listed
     * transaction hides its producer's transactional batches from its first offset up to its ABORT marker.
     */
    private static List<String> keptByReadCommittedConsumer(FetchResult result) {
        var pending = new ArrayDeque<>(result.abortedTransactions().stream()
                .sorted(Comparator.comparingLong(AbortedTxn::firstOffset)).toList());
        var abortedProducers = new HashSet<Long>();
        var kept = new ArrayList<String>();
        for (RecordBatch batch : result.records().batches()) {
            while (!pending.isEmpty() && pending.peek().firstOffset() <= batch.lastOffset()) {
                abortedProducers.add(pending.poll().producerId());
            }
            if (batch.isControlBatch()) {
                Record marker = batch.iterator().next();
                if (ControlRecordType.parse(marker.key()) == ControlRecordType.ABORT) {
                    abortedProducers.remove(batch.producerId());
                }
            } else if (!batch.isTransactional() || !abortedProducers.contains(batch.producerId())) {
                for (Record record : batch) {
                    kept.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                }
            }
        }
        return kept;
    }

    @Test
    void transactionAbortedWhileAFetchReadsIsNotHandedOutAsCommitted() {
        start(Map.of());
        append(plain("before"));
        append(transactional(PRODUCER_A, 0, "aborted-1", "aborted-2"));
        assertThat(replicaManager.partition(PARTITION).lastStableOffset()).isEqualTo(1);
        var aborted = new AtomicBoolean();
        Partition.afterReadSnapshot = () -> {
            if (aborted.compareAndSet(false, true)) {
                abort(PRODUCER_A);
            }
        };

        FetchResult racing = fetchReadCommitted(1, MAX_BYTES);

        assertThat(aborted).isTrue();
        assertThat(keptByReadCommittedConsumer(racing)).isEmpty();
        // The answer is the snapshot the fetch took: nothing stable beyond offset 1 yet.
        assertThat(racing.lastStableOffset()).isEqualTo(1);
        assertThat(racing.records().sizeInBytes()).isZero();

        FetchResult next = fetchReadCommitted(1, MAX_BYTES);
        assertThat(next.lastStableOffset()).isEqualTo(4);
        assertThat(next.abortedTransactions()).containsExactly(new AbortedTxn(PRODUCER_A, 1, 3));
        assertThat(keptByReadCommittedConsumer(next)).isEmpty();
        assertThat(keptByReadCommittedConsumer(fetchReadCommitted(0, MAX_BYTES))).containsExactly("before");
    }

    @Test
    void abortedTransactionsAreBoundedByTheRecordsAFetchCutShortReturns() {
        start(Map.of());
        MemoryRecords first = transactional(PRODUCER_A, 0, "a-1", "a-2");
        int firstBatchBytes = first.sizeInBytes();
        append(first);
        abort(PRODUCER_A);
        append(plain("committed-1"));
        append(transactional(PRODUCER_B, 0, "b-1", "b-2"));
        abort(PRODUCER_B);
        append(plain("committed-2"));

        // fetch.max.bytes lets only the first batch through: the list names only what those records overlap.
        FetchResult cut = fetchReadCommitted(0, firstBatchBytes);
        assertThat(cut.records().sizeInBytes()).isEqualTo(firstBatchBytes);
        assertThat(cut.abortedTransactions()).containsExactly(new AbortedTxn(PRODUCER_A, 0, 2));

        FetchResult rest = fetchReadCommitted(3, MAX_BYTES);
        assertThat(rest.abortedTransactions()).containsExactly(new AbortedTxn(PRODUCER_B, 4, 6));
        assertThat(keptByReadCommittedConsumer(rest)).containsExactly("committed-1", "committed-2");
    }

    @Test
    void abortedTransactionsAreBoundedByTheSegmentAFetchStopsAt() {
        MemoryRecords first = transactional(PRODUCER_A, 0, "a-1", "a-2");
        // The first segment holds producer A's transaction and its marker, nothing else.
        start(Map.of("segment.bytes", String.valueOf(first.sizeInBytes() + abortMarkerBytes())));
        append(first);
        abort(PRODUCER_A);
        append(transactional(PRODUCER_B, 0, "b-1", "b-2"));
        abort(PRODUCER_B);
        append(plain("committed"));
        assertThat(replicaManager.partition(PARTITION).log().segmentBaseOffsets()).startsWith(0L, 3L);

        FetchResult firstSegment = fetchReadCommitted(0, MAX_BYTES);
        assertThat(firstSegment.abortedTransactions()).containsExactly(new AbortedTxn(PRODUCER_A, 0, 2));
        assertThat(keptByReadCommittedConsumer(firstSegment)).isEmpty();

        FetchResult secondSegment = fetchReadCommitted(3, MAX_BYTES);
        assertThat(secondSegment.abortedTransactions()).containsExactly(new AbortedTxn(PRODUCER_B, 3, 5));
        assertThat(keptByReadCommittedConsumer(secondSegment)).isEmpty();
    }
}
