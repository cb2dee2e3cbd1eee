package io.tributary.broker.api;

import io.tributary.broker.txn.ProducerIdAllocator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * InitProducerId for idempotent producers (no transactional id): a fresh producer id at epoch 0. An idempotent
 * producer that asks to bump its epoch (KIP-360, after an error) also gets a fresh id. Transactional producers
 * need the transaction coordinator and get COORDINATOR_NOT_AVAILABLE until it exists.
 */
final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    private final ProducerIdAllocator allocator;

    InitProducerIdHandler(ProducerIdAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public CompletableFuture<InitProducerIdResponse> handle(RequestContext context, InitProducerIdRequest request) {
        if (request.data().transactionalId() != null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponse(new InitProducerIdResponseData()
                    .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setProducerId(-1).setProducerEpoch((short) -1)));
        }
        return allocator.nextProducerId().handle((id, error) -> {
            var data = new InitProducerIdResponseData();
            if (error != null) {
                data.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setProducerId(-1)
                        .setProducerEpoch((short) -1);
            } else {
                data.setErrorCode(Errors.NONE.code()).setProducerId(id).setProducerEpoch((short) 0);
            }
            return new InitProducerIdResponse(data);
        });
    }
}
