package io.tributary.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.ProducerIdsRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMetadataLogTest {
    @TempDir
    Path dir;

    private static List<MetadataRecord> topic(String name, Uuid id, int partitions) {
        var records = new ArrayList<MetadataRecord>();
        records.add(new TopicRecord(name, id));
        for (int p = 0; p < partitions; p++) {
            records.add(new PartitionRecord(id, p, List.of(1), List.of(1), 1, 0, 0));
        }
        records.add(new ConfigRecord(ConfigResourceKind.TOPIC, name, "retention.ms", "1000"));
        return records;
    }

    private MetadataImage replay(LocalMetadataLog log) {
        var builder = new MetadataImage.Builder(MetadataImage.EMPTY);
        log.replay(batch -> batch.forEach(builder::replay));
        return builder.build();
    }

    @Test
    void replayReturnsEveryAppendedBatchInOrder() {
        Uuid first = Uuid.randomUuid();
        Uuid second = Uuid.randomUuid();
        try (var log = new LocalMetadataLog(dir)) {
            log.replay(batch -> { });
            log.append(topic("a", first, 3));
            log.append(topic("b", second, 1));
            log.append(List.of(new RemoveTopicRecord(first), new ProducerIdsRecord(1, 2000)));
        }
        try (var log = new LocalMetadataLog(dir)) {
            MetadataImage image = replay(log);
            assertThat(image.topic("a")).isNull();
            assertThat(image.topic("b").id()).isEqualTo(second);
            assertThat(image.topic(second).partitionCount()).isEqualTo(1);
            assertThat(image.topicConfig("b")).containsEntry("retention.ms", "1000");
            assertThat(image.nextProducerId()).isEqualTo(2000);
        }
    }

    @Test
    void tornTailIsTruncatedAndEarlierBatchesSurvive() throws Exception {
        Uuid id = Uuid.randomUuid();
        try (var log = new LocalMetadataLog(dir)) {
            log.replay(batch -> { });
            log.append(topic("kept", id, 2));
            log.append(topic("torn", Uuid.randomUuid(), 2));
        }
        Path file = dir.resolve("metadata.log");
        long size = Files.size(file);
        try (var raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size - 5);
        }
        try (var log = new LocalMetadataLog(dir)) {
            MetadataImage image = replay(log);
            assertThat(image.topicsByName()).containsOnlyKeys("kept");
            log.append(topic("after", Uuid.randomUuid(), 1));
        }
        try (var log = new LocalMetadataLog(dir)) {
            assertThat(replay(log).topicsByName()).containsOnlyKeys("kept", "after");
        }
    }

    @Test
    void snapshotReplacesHistoryWithTheSameImage() {
        try (var log = new LocalMetadataLog(dir)) {
            log.replay(batch -> { });
            for (int i = 0; i < 50; i++) {
                Uuid id = Uuid.randomUuid();
                log.append(topic("t" + i, id, 2));
                if (i % 2 == 0) {
                    log.append(List.of(new RemoveTopicRecord(id)));
                }
            }
            log.append(List.of(new ProducerIdsRecord(1, 5000)));
        }
        MetadataImage before;
        try (var log = new LocalMetadataLog(dir)) {
            before = replay(log);
            log.snapshot(before.toRecords());
            log.append(topic("later", Uuid.randomUuid(), 1));
        }
        try (var log = new LocalMetadataLog(dir)) {
            var batches = new ArrayList<List<MetadataRecord>>();
            log.replay(batches::add);
            assertThat(batches).hasSize(2);
            MetadataImage after = new MetadataImage.Builder(MetadataImage.EMPTY).build().apply(batches.get(0));
            assertThat(after.topicsByName().keySet()).isEqualTo(before.topicsByName().keySet());
            assertThat(after.nextProducerId()).isEqualTo(5000);
            for (String name : before.topicsByName().keySet()) {
                assertThat(after.topic(name)).isEqualTo(before.topic(name));
                assertThat(after.topicConfig(name)).isEqualTo(before.topicConfig(name));
            }
        }
    }
}
