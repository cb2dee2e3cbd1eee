'use strict'
// Transactions as librdkafka 2.15 drives them through Kafka.Producer (initTransactions, beginTransaction,
// commitTransaction, abortTransaction, sendOffsetsToTransaction): what read_committed and read_uncommitted
// consumers then see, where the control records fall in the offsets, when a group's offsets become visible, and
// what a producer is told when it is fenced by a newer instance of its transactional.id or by the coordinator's
// timeout, or when a record of its transaction is refused.
const {
  Kafka, name, out, log, producer, createTopicsAndWait, assignedConsumer, readToEnd, highWatermark, bytesText, call,
  until, baseConfig, logTo,
} = require('../lib')

/** A transactional producer, initialised (InitProducerId through the transaction coordinator). */
async function transactional(transactionalId, extra = {}) {
  const client = await producer({ 'transactional.id': transactionalId, ...extra })
  await call(client.client, 'initTransactions', 10000)
  return client
}

/** Runs one of the producer's transaction calls (beginTransaction, commitTransaction, ...) and prints it. */
async function step(client, method, ...args) {
  await call(client.client, method, ...args)
  out(method)
}

/** Produces one record and prints where it went. */
async function send(client, topic, partition, value) {
  const report = await client.produce(topic, partition, Buffer.from(value), null)
  out(`delivered ${value} to ${topic} partition ${report.partition} offset ${report.offset}`)
}

/**
 * Waits until every partition ([{topic, partition, end}]) has its last transaction decided, that is until a
 * read_committed consumer's last stable offset reaches end (which counts the control records): commitTransaction
 * returns before Kafka has written the markers, so reading earlier could end too soon.
 */
async function awaitDecided(partitions) {
  const consumer = await assignedConsumer({ 'isolation.level': 'read_committed' })
  try {
    for (const { topic, partition, end } of partitions) {
      await until(`${topic}/${partition} stable up to ${end}`,
        async () => (await highWatermark(consumer, topic, partition)) === end)
    }
  } finally {
    await call(consumer, 'disconnect')
  }
}

/** Reads the partitions to their end at an isolation level and prints each record as "<level> <topic> ...". */
async function readAs(level, partitions) {
  const consumer = await assignedConsumer({ 'isolation.level': level })
  try {
    for (const message of await readToEnd(consumer, partitions)) {
      out(`${level} ${message.topic} partition ${message.partition} offset ${message.offset} `
        + `value ${bytesText(message.value)}`)
    }
  } finally {
    await call(consumer, 'disconnect')
  }
}

/**
 * Commit, abort, commit on one partition. While the aborted transaction is open the last stable offset stays at its
 * first record; afterwards read_committed sees the committed records only and read_uncommitted the aborted ones
 * too, in order, with the control records taking an offset each.
 */
async function commitAndAbort() {
  const topic = name('txn')
  await createTopicsAndWait({ [topic]: {} })
  const client = await transactional(name('txn-commit-abort'))
  out('initTransactions')
  const observerCommitted = await assignedConsumer({ 'isolation.level': 'read_committed' })
  const observerUncommitted = await assignedConsumer({ 'isolation.level': 'read_uncommitted' })
  try {
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'c1')
    await send(client, topic, 0, 'c2')
    await step(client, 'commitTransaction', 10000)
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'a1')
    await send(client, topic, 0, 'a2')
    // The commit's marker is at offset 2; a1 at 3 opens the transaction that now bounds the last stable offset.
    await until('the committed transaction decided', async () =>
      (await highWatermark(observerCommitted, topic, 0)) === 3)
    out(`open transaction: last stable offset ${await highWatermark(observerCommitted, topic, 0)}`
      + ` high watermark ${await highWatermark(observerUncommitted, topic, 0)}`)
    await step(client, 'abortTransaction', 10000)
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'c3')
    await step(client, 'commitTransaction', 10000)
  } finally {
    await Promise.all([call(observerCommitted, 'disconnect'), call(observerUncommitted, 'disconnect')])
    await client.disconnect()
  }
  // c1 c2 COMMIT a1 a2 ABORT c3 COMMIT
  await awaitDecided([{ topic, partition: 0, end: 8 }])
  await readAs('read_committed', [{ topic, partition: 0 }])
  await readAs('read_uncommitted', [{ topic, partition: 0 }])
}

/**
 * Transactional and plain records interleaved in one partition: an open transaction holds the last stable offset
 * at its first record, so read_committed sees nothing past it, plain records included, until it ends; after the
 * abort, read_committed skips the aborted record (by its producer id, from the fetch's aborted transactions) and
 * keeps the plain ones around it.
 */
async function interleaved() {
  const topic = name('interleaved')
  await createTopicsAndWait({ [topic]: {} })
  const plain = await producer({ 'acks': 'all' })
  const client = await transactional(name('txn-interleaved'))
  const committedReader = await assignedConsumer({ 'isolation.level': 'read_committed' })
  const uncommittedReader = await assignedConsumer({ 'isolation.level': 'read_uncommitted' })
  const sendPlain = async value => {
    const report = await plain.produce(topic, 0, Buffer.from(value), null)
    out(`delivered ${value} to ${topic} partition ${report.partition} offset ${report.offset}`)
  }
  try {
    await sendPlain('p1')
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'a1')
    await sendPlain('p2')
    out(`open transaction: last stable offset ${await highWatermark(committedReader, topic, 0)}`
      + ` high watermark ${await highWatermark(uncommittedReader, topic, 0)}`)
    await step(client, 'abortTransaction', 10000)
    // abortTransaction returns before Kafka writes the marker: p3 goes after it, at 4, once it is there.
    await until('the abort marker', async () => (await highWatermark(committedReader, topic, 0)) === 4)
    await sendPlain('p3')
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'c1')
    await step(client, 'commitTransaction', 10000)
  } finally {
    await Promise.all([call(committedReader, 'disconnect'), call(uncommittedReader, 'disconnect')])
    await Promise.all([plain.disconnect(), client.disconnect()])
  }
  // p1 a1 p2 ABORT p3 c1 COMMIT
  await awaitDecided([{ topic, partition: 0, end: 7 }])
  await readAs('read_committed', [{ topic, partition: 0 }])
  await readAs('read_uncommitted', [{ topic, partition: 0 }])
}

/**
 * One transaction over two partitions of one topic and a partition of another, committed; one over two of them,
 * aborted; one more committed. Each partition gets a control record only for the transactions that wrote to it.
 */
async function severalPartitions() {
  const a = name('multi-a')
  const b = name('multi-b')
  await createTopicsAndWait({ [a]: { partitions: 2 }, [b]: {} })
  const client = await transactional(name('txn-several'))
  try {
    await step(client, 'beginTransaction')
    await send(client, a, 0, 'one-a0')
    await send(client, a, 1, 'one-a1')
    await send(client, b, 0, 'one-b0')
    await step(client, 'commitTransaction', 10000)
    await step(client, 'beginTransaction')
    await send(client, a, 0, 'two-a0')
    await send(client, b, 0, 'two-b0')
    await step(client, 'abortTransaction', 10000)
    await step(client, 'beginTransaction')
    await send(client, a, 1, 'three-a1')
    await send(client, b, 0, 'three-b0')
    await step(client, 'commitTransaction', 10000)
  } finally {
    await client.disconnect()
  }
  const partitions = [{ topic: a, partition: 0, end: 4 }, { topic: a, partition: 1, end: 4 },
    { topic: b, partition: 0, end: 6 }]
  await awaitDecided(partitions)
  await readAs('read_committed', partitions)
  await readAs('read_uncommitted', partitions)
}

/**
 * A second producer initialising the same transactional.id while the first has a transaction open: the coordinator
 * aborts the open transaction and bumps the epoch, and the first producer's next call fails with a fatal error,
 * whether that call is a produce (the partition leader rejects the old epoch) or the commit (the coordinator does).
 * The new producer's transaction commits.
 */
async function fencing(firstCall) {
  const topic = name('fenced')
  const transactionalId = name('txn-fenced')
  await createTopicsAndWait({ [topic]: {} })
  const first = await transactional(transactionalId)
  let second
  try {
    await step(first, 'beginTransaction')
    await send(first, topic, 0, 'old-1')
    second = await transactional(transactionalId)
    out('second producer initTransactions')
    if (firstCall === 'produce') {
      try {
        await send(first, topic, 0, 'old-2')
      } catch (error) {
        out(`first producer produce error ${error.code}`)
      }
    }
    try {
      await call(first.client, 'commitTransaction', 10000)
      out('first producer commitTransaction')
    } catch (error) {
      out(`first producer commitTransaction error ${error.code} fatal ${Boolean(error.isFatal)}`)
    }
    await step(second, 'beginTransaction')
    await send(second, topic, 0, 'new-1')
    await step(second, 'commitTransaction', 10000)
  } finally {
    await first.disconnect().catch(error => log(`first producer disconnect: ${error.message}`))
    if (second) {
      await second.disconnect()
    }
  }
  // old-1 ABORT new-1 COMMIT
  await awaitDecided([{ topic, partition: 0, end: 4 }])
  await readAs('read_committed', [{ topic, partition: 0 }])
  await readAs('read_uncommitted', [{ topic, partition: 0 }])
}

/**
 * A record over the topic's max.message.bytes inside a transaction: its delivery fails with MESSAGE_TOO_LARGE and
 * the commit with an error that requires an abort (not a fatal one). After the abort the rejected record's sequence
 * number is a gap, so the next transaction's first record fails with OUT_OF_ORDER_SEQUENCE_NUMBER (librdkafka then
 * purges it); the abort of that transaction bumps the producer's epoch through InitProducerId with its current
 * producer id and epoch (KIP-360), and the third transaction commits.
 */
async function abortableError() {
  const topic = name('txn-small-records')
  await createTopicsAndWait({ [topic]: { config: { 'max.message.bytes': '1000' } } })
  const client = await transactional(name('txn-abortable'))
  const attempt = async (what, action) => {
    try {
      await action()
    } catch (error) {
      out(`${what} error ${error.code} fatal ${Boolean(error.isFatal)} abort ${Boolean(error.isTxnRequiresAbort)}`)
    }
  }
  try {
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'first')
    await attempt('large record', () => send(client, topic, 0, 'x'.repeat(2000)))
    await attempt('commitTransaction', () => step(client, 'commitTransaction', 10000))
    await step(client, 'abortTransaction', 10000)
    await step(client, 'beginTransaction')
    await attempt('second', () => send(client, topic, 0, 'second'))
    await attempt('commitTransaction', () => step(client, 'commitTransaction', 10000))
    await step(client, 'abortTransaction', 10000)
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'third')
    await step(client, 'commitTransaction', 10000)
  } finally {
    await client.disconnect()
  }
  // first ABORT (second is never written) ABORT third COMMIT
  await awaitDecided([{ topic, partition: 0, end: 5 }])
  await readAs('read_committed', [{ topic, partition: 0 }])
  await readAs('read_uncommitted', [{ topic, partition: 0 }])
}

/**
 * A transaction left open past its transaction.timeout.ms (1 s): the coordinator aborts it on its next check
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default on both brokers) at a bumped epoch,
 * so the abort marker appears and the producer's late commit is fenced.
 */
async function timeout() {
  const topic = name('txn-timeout')
  await createTopicsAndWait({ [topic]: {} })
  // librdkafka insists on socket.timeout.ms <= transaction.timeout.ms + 100.
  const client = await transactional(name('txn-timeout'), {
    'transaction.timeout.ms': 1000, 'socket.timeout.ms': 1000,
  })
  const reader = await assignedConsumer({ 'isolation.level': 'read_committed' })
  try {
    await step(client, 'beginTransaction')
    await send(client, topic, 0, 'abandoned')
    await until('the coordinator aborting the transaction', async () =>
      (await highWatermark(reader, topic, 0)) === 2, 30000, 200)
    out('aborted by the coordinator')
    try {
      await call(client.client, 'commitTransaction', 10000)
      out('commitTransaction')
    } catch (error) {
      out(`commitTransaction error ${error.code} fatal ${Boolean(error.isFatal)}`)
    }
  } finally {
    await call(reader, 'disconnect')
    await client.disconnect().catch(error => log(`producer disconnect: ${error.message}`))
  }
  await readAs('read_committed', [{ topic, partition: 0 }])
  await readAs('read_uncommitted', [{ topic, partition: 0 }])
}

/**
 * initTransactions with a transaction.timeout.ms above the broker's transaction.max.timeout.ms (15 minutes by
 * default): the coordinator refuses it with INVALID_TRANSACTION_TIMEOUT, which librdkafka reports as fatal.
 */
async function timeoutTooLong() {
  const client = await producer({ 'transactional.id': name('txn-too-long'), 'transaction.timeout.ms': 900001 })
  try {
    await call(client.client, 'initTransactions', 10000)
    out('initTransactions')
  } catch (error) {
    out(`initTransactions error ${error.code} fatal ${Boolean(error.isFatal)}`)
  } finally {
    await client.disconnect().catch(error => log(`producer disconnect: ${error.message}`))
  }
}

/**
 * sendOffsetsToTransaction for a consumer that assigns its partitions itself (no group membership: generation -1,
 * no member id, which TxnOffsetCommit accepts as a simple consumer's commit, as OffsetCommit does).
 */
async function offsetsOfAnAssigningConsumer() {
  const input = name('assigned-in')
  const group = name('assigned-group')
  await createTopicsAndWait({ [input]: {} })
  const consumer = await assignedConsumer({ 'group.id': group, 'isolation.level': 'read_uncommitted' })
  const client = await transactional(name('txn-assigned'))
  try {
    await step(client, 'beginTransaction')
    await step(client, 'sendOffsetsToTransaction', [{ topic: input, partition: 0, offset: 7 }], consumer, 10000)
    await step(client, 'commitTransaction', 10000)
    const offset = await until('the committed offset', async () => {
      const [partition] = await call(consumer, 'committed', [{ topic: input, partition: 0 }], 10000)
      return partition.offset
    })
    out(`committed offset ${offset}`)
  } finally {
    await client.disconnect()
    await call(consumer, 'disconnect')
  }
}

/** A group member (subscribe) of group, reading from the start of what the group has not committed. */
async function groupConsumer(group, topic) {
  const client = logTo(new Kafka.KafkaConsumer(baseConfig({
    'group.id': group,
    'enable.auto.commit': false,
    'isolation.level': 'read_committed',
  }), { 'auto.offset.reset': 'earliest' }), 'group-consumer')
  await call(client, 'connect', {})
  client.subscribe([topic])
  return client
}

/** Consumes exactly count messages (one at a time, so the position moves by count). */
async function take(consumer, count) {
  const messages = []
  await until(`${count} messages`, async () => {
    messages.push(...await call(consumer, 'consume', 1))
    return messages.length === count
  }, 30000, 0)
  return messages
}

/**
 * The consume-transform-produce loop: group members read in-0..in-4, and a transactional producer writes each
 * transformed record and the group's next offset (sendOffsetsToTransaction) in one transaction. Round 1 commits,
 * round 2 aborts; the member is replaced, and its successor resumes where round 1 committed, so round 3 processes
 * in-2 and in-3 again and commits; round 4 drops in-4 and commits its offset only. The group's committed offset
 * changes only on commit: not while a transaction is open (a reader asking for stable offsets, as librdkafka does
 * under read_committed, is told to wait), and not on abort.
 */
async function consumeTransformProduce() {
  const input = name('ctp-in')
  const output = name('ctp-out')
  const group = name('ctp-group')
  await createTopicsAndWait({ [input]: {}, [output]: {} })
  const plain = await producer({ 'acks': 'all' })
  try {
    for (let i = 0; i < 5; i++) {
      await plain.produce(input, 0, Buffer.from(`in-${i}`), null)
    }
  } finally {
    await plain.disconnect()
  }
  // OffsetFetch with require_stable=false (read_uncommitted) and true (read_committed, librdkafka's default).
  const unstable = await assignedConsumer({ 'group.id': group, 'isolation.level': 'read_uncommitted' })
  const stable = await assignedConsumer({ 'group.id': group, 'isolation.level': 'read_committed' })
  const committed = async (observer, timeoutMs = 10000) => {
    try {
      const [partition] = await call(observer, 'committed', [{ topic: input, partition: 0 }], timeoutMs)
      return partition.error ? `error ${partition.error.code}` : partition.offset === undefined ? 'none'
        : partition.offset
    } catch (error) {
      return `error ${error.code}`
    }
  }
  const client = await transactional(name('txn-ctp'))
  /** One transaction: transforms count records (none when drop), sends the next offset, commits or aborts. */
  const round = async (number, member, count, decision, drop = false) => {
    const messages = await take(member, count)
    await step(client, 'beginTransaction')
    for (const message of messages) {
      out(`round ${number} consumed ${bytesText(message.value)} offset ${message.offset}`)
      if (!drop) {
        await send(client, output, 0, message.value.toString().replace('in', 'out'))
      }
    }
    const next = messages[messages.length - 1].offset + 1
    await step(client, 'sendOffsetsToTransaction', [{ topic: input, partition: 0, offset: next }], member, 10000)
    out(`round ${number} open: committed offset ${await committed(unstable)}`
      + ` stable ${await committed(stable, 500)}`)
    const before = await committed(unstable)
    await step(client, decision, 10000)
    const expected = decision === 'commitTransaction' ? next : before
    await until(`group offset ${expected}`, async () => (await committed(stable)) === expected, 10000)
    out(`round ${number} decided: committed offset ${await committed(unstable)}`)
  }
  try {
    const first = await groupConsumer(group, input)
    try {
      await round(1, first, 2, 'commitTransaction')
      await round(2, first, 2, 'abortTransaction')
    } finally {
      await call(first, 'disconnect')
    }
    const second = await groupConsumer(group, input)
    try {
      await round(3, second, 2, 'commitTransaction')
      await round(4, second, 1, 'commitTransaction', true)
    } finally {
      await call(second, 'disconnect')
    }
  } finally {
    await client.disconnect()
    await Promise.all([call(unstable, 'disconnect'), call(stable, 'disconnect')])
  }
  // out-0 out-1 COMMIT out-2 out-3 ABORT out-2 out-3 COMMIT
  await awaitDecided([{ topic: output, partition: 0, end: 9 }])
  await readAs('read_committed', [{ topic: output, partition: 0 }])
  await readAs('read_uncommitted', [{ topic: output, partition: 0 }])
}

module.exports = {
  'commit-and-abort': commitAndAbort,
  'several-partitions': severalPartitions,
  interleaved,
  fencing,
  'abortable-error': abortableError,
  timeout,
  'timeout-too-long': timeoutTooLong,
  'consume-transform-produce': consumeTransformProduce,
  'offsets-of-an-assigning-consumer': offsetsOfAnAssigningConsumer,
}
