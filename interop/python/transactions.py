"""confluent-kafka-python's transactional producer against a broker, for TransactionsInterop tests.

Usage: /usr/bin/python3 transactions.py <bootstrap> <topic> <transactional id>

Runs three transactions on partition 0 of <topic>: c1 and c2 committed, a1 aborted, c3 committed. Prints one line
per step, and one per record when the broker acknowledged it (with its offset). Each transaction's records are
flushed before it ends, so the aborted record is in the log too. Exits 1 on the first error.
"""
import sys

from confluent_kafka import KafkaException, Producer

TIMEOUT_S = 30


def main(bootstrap, topic, transactional_id):
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'transactional.id': transactional_id,
        'client.id': 'confluent-kafka-python-transactions',
    })
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(error)
            print(f'failed {message.value().decode()}: {error}', flush=True)
        else:
            print(f'delivered {message.value().decode()} to partition {message.partition()}'
                  f' at offset {message.offset()}', flush=True)

    def step(name, call):
        call()
        print(name, flush=True)

    def transaction(values, commit):
        step('begin_transaction', producer.begin_transaction)
        for value in values:
            producer.produce(topic, value=value.encode(), key=b'k', partition=0, on_delivery=delivered)
        if producer.flush(TIMEOUT_S) != 0 or failures:
            raise KafkaException(f'not every record of {values} was delivered')
        if commit:
            step('commit_transaction', lambda: producer.commit_transaction(TIMEOUT_S))
        else:
            step('abort_transaction', lambda: producer.abort_transaction(TIMEOUT_S))

    step('init_transactions', lambda: producer.init_transactions(TIMEOUT_S))
    transaction(['c1', 'c2'], commit=True)
    transaction(['a1'], commit=False)
    transaction(['c3'], commit=True)


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except KafkaException as e:
        print(f'error: {e}', file=sys.stderr, flush=True)
        sys.exit(1)
