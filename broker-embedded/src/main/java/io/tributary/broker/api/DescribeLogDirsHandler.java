package io.tributary.broker.api;

import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeLogDirs: each log directory with its partitions' sizes and the disk's total and usable bytes; a directory
 * that failed with an I/O error is reported KAFKA_STORAGE_ERROR, with nothing else, as Kafka reports it.
 */
final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequest> {
    private final LogManager logManager;

    DescribeLogDirsHandler(LogManager logManager) {
        this.logManager = logManager;
    }

    @Override
    public CompletableFuture<DescribeLogDirsResponse> handle(RequestContext context, DescribeLogDirsRequest request) {
        var data = new DescribeLogDirsResponseData();
        var wanted = request.data().topics();
        for (Path dir : logManager.dirs()) {
            if (!logManager.isLogDirOnline(dir)) {
                data.results().add(new DescribeLogDirsResult().setLogDir(dir.toAbsolutePath().toString())
                        .setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()));
                continue;
            }
            var result = new DescribeLogDirsResult().setLogDir(dir.toAbsolutePath().toString())
                    .setErrorCode(Errors.NONE.code());
            try {
                var store = Files.getFileStore(dir);
                result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
            } catch (IOException e) {
                result.setTotalBytes(-1).setUsableBytes(-1);
            }
            var topics = new LinkedHashMap<String, DescribeLogDirsTopic>();
            for (PartitionLog log : logManager.all()) {
                if (!log.dir().getParent().equals(dir)) {
                    continue;
                }
                String topic = log.topicPartition().topic();
                int partition = log.topicPartition().partition();
                if (wanted != null) {
                    DescribableLogDirTopic filter = wanted.find(topic);
                    if (filter == null || !filter.partitions().contains(partition)) {
                        continue;
                    }
                }
                topics.computeIfAbsent(topic, name -> new DescribeLogDirsTopic().setName(name)).partitions()
                        .add(new DescribeLogDirsPartition().setPartitionIndex(partition)
                                .setPartitionSize(log.sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
            }
            result.setTopics(new java.util.ArrayList<>(topics.values()));
            data.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeLogDirsResponse(data));
    }
}
