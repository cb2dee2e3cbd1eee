package io.tributary.broker.api;

/**
 * Completes a handler's future when the only correct answer is to close the client's connection: Kafka's signal
 * for a failed Produce with acks=0, which has no response to carry the error.
 */
public final class CloseConnectionException extends RuntimeException {
    public CloseConnectionException(String message) {
        super(message, null, false, false);
    }
}
