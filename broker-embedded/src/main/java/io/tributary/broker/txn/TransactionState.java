package io.tributary.broker.txn;

/**
 * The states of a transactional id at its coordinator, with the ids Kafka stores in {@code __transaction_state}
 * and the names DescribeTransactions and ListTransactions report:
 *
 * <pre>
 *   Empty ─AddPartitions/AddOffsets─▶ Ongoing ─EndTxn(commit)─▶ PrepareCommit ─markers written─▶ CompleteCommit
 *     ▲                                  │  └─EndTxn(abort), timeout, fencing─▶ PrepareAbort ─markers─▶ CompleteAbort
 *     └────────── InitProducerId ◀───────┴──────────────────────── (a Complete state starts the next transaction)
 * </pre>
 *
 * A record of {@code __transaction_state} is only ever written in these states; Kafka's PrepareEpochFence and Dead
 * are transient in its coordinator and never stored.
 */
public sealed interface TransactionState {
    TransactionState EMPTY = new Empty();
    TransactionState ONGOING = new Ongoing();
    TransactionState PREPARE_COMMIT = new PrepareCommit();
    TransactionState PREPARE_ABORT = new PrepareAbort();
    TransactionState COMPLETE_COMMIT = new CompleteCommit();
    TransactionState COMPLETE_ABORT = new CompleteAbort();

    /** The id in {@code __transaction_state}'s TransactionStatus field. */
    byte id();

    String kafkaName();

    /** Markers are being written: the outcome is decided and durable. */
    default boolean isPreparing() {
        return false;
    }

    /** No transaction is open: the producer may start the next one (or be re-initialised). */
    default boolean isIdle() {
        return false;
    }

    record Empty() implements TransactionState {
        public byte id() {
            return 0;
        }

        public String kafkaName() {
            return "Empty";
        }

        @Override
        public boolean isIdle() {
            return true;
        }
    }

    record Ongoing() implements TransactionState {
        public byte id() {
            return 1;
        }

        public String kafkaName() {
            return "Ongoing";
        }
    }

    record PrepareCommit() implements TransactionState {
        public byte id() {
            return 2;
        }

        public String kafkaName() {
            return "PrepareCommit";
        }

        @Override
        public boolean isPreparing() {
            return true;
        }
    }

    record PrepareAbort() implements TransactionState {
        public byte id() {
            return 3;
        }

        public String kafkaName() {
            return "PrepareAbort";
        }

        @Override
        public boolean isPreparing() {
            return true;
        }
    }

    record CompleteCommit() implements TransactionState {
        public byte id() {
            return 4;
        }

        public String kafkaName() {
            return "CompleteCommit";
        }

        @Override
        public boolean isIdle() {
            return true;
        }
    }

    record CompleteAbort() implements TransactionState {
        public byte id() {
            return 5;
        }

        public String kafkaName() {
            return "CompleteAbort";
        }

        @Override
        public boolean isIdle() {
            return true;
        }
    }

    /** The state stored under {@code id}. */
    static TransactionState fromId(byte id) {
        return switch (id) {
            case 0 -> EMPTY;
            case 1 -> ONGOING;
            case 2 -> PREPARE_COMMIT;
            case 3 -> PREPARE_ABORT;
            case 4 -> COMPLETE_COMMIT;
            case 5 -> COMPLETE_ABORT;
            default -> throw new IllegalArgumentException("Unknown transaction state id " + id);
        };
    }
}
