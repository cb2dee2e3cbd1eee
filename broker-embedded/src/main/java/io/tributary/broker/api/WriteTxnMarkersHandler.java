package io.tributary.broker.api;

import io.tributary.broker.txn.TransactionMarkers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * WriteTxnMarkers: writes COMMIT or ABORT markers to partitions this node leads. Coordinators of other nodes send
 * it, and so does the admin client's {@code abortTransaction} ({@code kafka-transactions.sh abort}) to close a
 * transaction its coordinator lost track of.
 */
final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequest> {
    private final TransactionMarkers markers;

    WriteTxnMarkersHandler(TransactionMarkers markers) {
        this.markers = markers;
    }

    @Override
    public CompletableFuture<WriteTxnMarkersResponse> handle(RequestContext context, WriteTxnMarkersRequest request) {
        var errors = new LinkedHashMap<Long, Map<TopicPartition, Errors>>();
        var pending = new ArrayList<CompletableFuture<Void>>();
        for (WriteTxnMarkersRequest.TxnMarkerEntry marker : request.markers()) {
            pending.add(markers.write(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(),
                    marker.transactionResult() == TransactionResult.COMMIT, marker.partitions())
                    .thenAccept(written -> {
                        synchronized (errors) {
                            errors.computeIfAbsent(marker.producerId(), id -> new LinkedHashMap<>()).putAll(written);
                        }
                    }));
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> new WriteTxnMarkersResponse(errors));
    }
}
