package io.tributary.broker.api;

import io.tributary.broker.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * EndTxn: commits or aborts the producer's open transaction through its coordinator. Clients below v2 are told
 * INVALID_PRODUCER_EPOCH for PRODUCER_FENCED ({@link FencedProducerError}).
 */
final class EndTxnHandler implements ApiHandler<EndTxnRequest> {
    /** The first version whose clients know PRODUCER_FENCED (KIP-588). */
    private static final short PRODUCER_FENCED_MIN_VERSION = 2;

    private final TransactionCoordinator coordinator;

    EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<EndTxnResponse> handle(RequestContext context, EndTxnRequest request) {
        var data = request.data();
        return coordinator.endTransaction(data.transactionalId(), data.producerId(), data.producerEpoch(),
                data.committed()).thenApply(result -> new EndTxnResponse(new EndTxnResponseData()
                .setErrorCode(FencedProducerError.forVersion(result.error(), request.version(),
                        PRODUCER_FENCED_MIN_VERSION).code()).setProducerId(result.producerId())
                .setProducerEpoch(result.producerEpoch())));
    }
}
