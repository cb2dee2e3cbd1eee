package io.tributary.broker.api;

import io.tributary.broker.txn.ProducerIdAllocator;
import io.tributary.broker.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * InitProducerId. Without a transactional id (an idempotent producer): a fresh producer id at epoch 0; one that
 * asks to bump its epoch (KIP-360, after an error) also gets a fresh id. With a transactional id: the
 * {@link TransactionCoordinator} bumps the id's epoch, fencing older instances.
 *
 * <p>As Kafka's {@code KafkaApis.handleInitProducerIdRequest}: a producer id without an epoch, or the reverse, is
 * INVALID_REQUEST, and clients below v4 are told INVALID_PRODUCER_EPOCH for PRODUCER_FENCED
 * ({@link FencedProducerError}).
 */
final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    /** The first version whose clients know PRODUCER_FENCED (KIP-588). */
    private static final short PRODUCER_FENCED_MIN_VERSION = 4;

    private final ProducerIdAllocator allocator;
    private final TransactionCoordinator transactions;

    InitProducerIdHandler(ProducerIdAllocator allocator, TransactionCoordinator transactions) {
        this.allocator = allocator;
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<InitProducerIdResponse> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdRequestData data = request.data();
        boolean noProducerId = data.producerId() == RecordBatch.NO_PRODUCER_ID;
        if (noProducerId != (data.producerEpoch() == RecordBatch.NO_PRODUCER_EPOCH)) {
            return CompletableFuture.completedFuture(response(Errors.INVALID_REQUEST, RecordBatch.NO_PRODUCER_ID,
                    RecordBatch.NO_PRODUCER_EPOCH));
        }
        if (data.transactionalId() != null) {
            return transactions.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), data.producerId(),
                    data.producerEpoch()).thenApply(result -> response(FencedProducerError.forVersion(result.error(),
                            request.version(), PRODUCER_FENCED_MIN_VERSION), result.producerId(),
                            result.producerEpoch()));
        }
        return allocator.nextProducerId().handle((id, error) -> error != null
                ? response(Errors.COORDINATOR_NOT_AVAILABLE, -1, (short) -1) : response(Errors.NONE, id, (short) 0));
    }

    private static InitProducerIdResponse response(Errors error, long producerId, short epoch) {
        return new InitProducerIdResponse(new InitProducerIdResponseData().setErrorCode(error.code())
                .setProducerId(producerId).setProducerEpoch(epoch));
    }
}
