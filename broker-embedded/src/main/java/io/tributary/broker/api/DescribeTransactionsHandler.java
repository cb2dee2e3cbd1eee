package io.tributary.broker.api;

import io.tributary.broker.txn.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/** DescribeTransactions (KIP-664): the state, producer, timeout and partitions of each transactional id. */
final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequest> {
    private final TransactionCoordinator coordinator;

    DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<DescribeTransactionsResponse> handle(RequestContext context,
                                                                  DescribeTransactionsRequest request) {
        var data = new DescribeTransactionsResponseData();
        for (String transactionalId : request.data().transactionalIds()) {
            data.transactionStates().add(coordinator.describe(transactionalId));
        }
        return CompletableFuture.completedFuture(new DescribeTransactionsResponse(data));
    }
}
