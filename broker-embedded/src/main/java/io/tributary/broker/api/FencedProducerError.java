package io.tributary.broker.api;

import org.apache.kafka.common.protocol.Errors;

/**
 * PRODUCER_FENCED for clients that predate it. KIP-588 (Kafka 2.7) split PRODUCER_FENCED from
 * INVALID_PRODUCER_EPOCH and bumped the transaction APIs; Kafka's {@code KafkaApis} tells a client below the bumped
 * version INVALID_PRODUCER_EPOCH, the code it handles the same way: InitProducerId below v4, EndTxn,
 * AddPartitionsToTxn and AddOffsetsToTxn below v2.
 */
final class FencedProducerError {
    private FencedProducerError() {
    }

    /** {@code error} as a client of {@code version} is told it, {@code firstVersion} being the API's KIP-588 bump. */
    static Errors forVersion(Errors error, short version, short firstVersion) {
        return error == Errors.PRODUCER_FENCED && version < firstVersion ? Errors.INVALID_PRODUCER_EPOCH : error;
    }
}
