package io.tributary.broker.api;

import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionState;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ListTransactions (KIP-664): the transactional ids this node coordinates, filtered by state, producer id,
 * running time (v1, KIP-994) and id pattern (v2). State names this broker does not know are listed back as
 * {@code unknownStateFilters}, as Kafka does.
 */
final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequest> {
    private static final List<String> KNOWN_STATES = List.of(TransactionState.EMPTY, TransactionState.ONGOING,
            TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT).stream().map(TransactionState::kafkaName).toList();

    private final TransactionCoordinator coordinator;

    ListTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ListTransactionsResponse> handle(RequestContext context, ListTransactionsRequest request) {
        var data = request.data();
        var response = new ListTransactionsResponseData();
        Pattern pattern = null;
        if (data.transactionalIdPattern() != null && !data.transactionalIdPattern().isEmpty()) {
            try {
                pattern = Pattern.compile(data.transactionalIdPattern());
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(new ListTransactionsResponse(response
                        .setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code())));
            }
        }
        var states = new HashSet<String>();
        for (String state : data.stateFilters()) {
            if (KNOWN_STATES.contains(state)) {
                states.add(state);
            } else {
                response.unknownStateFilters().add(state);
            }
        }
        if (!data.stateFilters().isEmpty() && states.isEmpty()) {
            return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
        }
        response.setTransactionStates(coordinator.list(states, new HashSet<>(data.producerIdFilters()),
                data.durationFilter(), pattern));
        return CompletableFuture.completedFuture(new ListTransactionsResponse(response));
    }
}
