package io.tributary.broker.txn;

/**
 * The transaction coordinator's settings, Kafka's broker properties:
 *
 * @param stateLogNumPartitions          {@code transaction.state.log.num.partitions}
 * @param maxTimeoutMs                   {@code transaction.max.timeout.ms}: the largest transaction.timeout.ms
 * @param transactionalIdExpirationMs    {@code transactional.id.expiration.ms}: an idle id is forgotten after it
 * @param abortTimedOutCheckIntervalMs   {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param removeExpiredCheckIntervalMs   {@code transaction.remove.expired.transaction.cleanup.interval.ms}
 */
public record TransactionConfig(int stateLogNumPartitions, int maxTimeoutMs, long transactionalIdExpirationMs,
                                long abortTimedOutCheckIntervalMs, long removeExpiredCheckIntervalMs) {
    public static TransactionConfig defaults() {
        return new TransactionConfig(50, 900_000, 604_800_000L, 10_000L, 3_600_000L);
    }
}
