'use strict'
// The KafkaJS-compatible API of Confluent's JavaScript client (require('@confluentinc/kafka-javascript').KafkaJS,
// librdkafka 2.15 underneath): send and sendBatch with every compression codec, keys and headers; consumers in a
// group through run({eachMessage}) and run({eachBatch}), committing and resuming from the committed offsets,
// seeking, pausing and resuming; transactions with sendOffsets read back under both isolation levels; and the
// admin client.
//
// Messages print as "<topic> <partition> <offset> key <key> value <value> headers <headers>", sorted by topic,
// partition and offset where more than one partition is read, since partitions interleave in no fixed order.
const { name, out, until, sleep, text, kafkaJs, Kafka } = require('../lib')

const { CompressionTypes } = Kafka.KafkaJS

/** A value as text, long ones (all one character here) shortened to their length and that character. */
const valueText = value => (value && value.length > 40
  ? `${value.length} bytes of ${value.toString()[0]}` : text(value))

/** KafkaJS headers ({key: Buffer | Buffer[]}) as "a=1,b=x|y", in record order; "-" when there are none. */
function headersText(headers) {
  const entries = Object.entries(headers || {})
  if (entries.length === 0) {
    return '-'
  }
  return entries.map(([key, value]) => `${key}=${Array.isArray(value) ? value.map(text).join('|') : text(value)}`)
    .join(',')
}

const messageText = (topic, partition, message) => `${topic} ${partition} ${message.offset}`
  + ` key ${text(message.key)} value ${valueText(message.value)} headers ${headersText(message.headers)}`

const byPosition = (a, b) => (a.topic === b.topic ? a.partition - b.partition || Number(a.offset) - Number(b.offset)
  : a.topic < b.topic ? -1 : 1)

/** A connected admin; creates topics ({topic, numPartitions}) and waits until each is described. */
async function adminWithTopics(kafka, topics) {
  const admin = kafka.admin()
  await admin.connect()
  if (topics.length > 0) {
    await admin.createTopics({ topics: topics.map(topic => ({ replicationFactor: 1, ...topic })) })
    // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
    await until('the topics described', async () => {
      try {
        const described = await admin.fetchTopicMetadata({ topics: topics.map(topic => topic.topic) })
        return described.every((topic, i) => topic.partitions.length === topics[i].numPartitions)
      } catch (error) {
        return false
      }
    })
  }
  return admin
}

/** A connected producer with KafkaJS options; linger 0 so an awaited send is not held back. */
async function producer(kafka, kafkaJsOptions = {}, extra = {}) {
  const client = kafka.producer({ 'linger.ms': 0, ...extra, kafkaJS: kafkaJsOptions })
  await client.connect()
  return client
}

/**
 * A consumer of group, subscribed to topics from their beginning, running handler ({eachMessage} or {eachBatch}).
 * Returns once run() started; the handler sees the messages as they come.
 */
async function running(kafka, group, topics, handler, kafkaJsOptions = {}, extra = {}) {
  const consumer = kafka.consumer({
    ...extra,
    kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false, ...kafkaJsOptions },
  })
  await consumer.connect()
  await consumer.subscribe({ topics })
  await consumer.run(handler)
  return consumer
}

/** run({eachMessage}) that collects {topic, partition, offset, text} until count arrived; returns them sorted. */
async function consumeCount(kafka, group, topics, count, kafkaJsOptions = {}, extra = {}) {
  const received = []
  const consumer = await running(kafka, group, topics, {
    eachMessage: async ({ topic, partition, message }) => {
      received.push({ topic, partition, offset: message.offset, text: messageText(topic, partition, message) })
    },
  }, kafkaJsOptions, extra)
  await until(`${count} messages in group ${group}`, () => received.length >= count)
  return { consumer, received: received.sort(byPosition) }
}

/**
 * send() with each compression codec, three messages each (a key with headers, one header key given twice; a
 * keyless long compressible value; a tombstone with a header), then sendBatch() to a keyed three-partition topic
 * and a second topic; all read back by one consumer.
 */
async function send() {
  const kafka = kafkaJs()
  const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.SNAPPY, CompressionTypes.LZ4,
    CompressionTypes.ZSTD]
  const topics = codecs.map(codec => ({ topic: name(`send-${codec}`), numPartitions: 1 }))
  topics.push({ topic: name('send-keyed'), numPartitions: 3 })
  const admin = await adminWithTopics(kafka, topics)
  try {
    for (const codec of codecs) {
      const client = await producer(kafka, { compression: codec })
      try {
        const sent = await client.send({
          topic: name(`send-${codec}`),
          messages: [
            { key: 'k1', value: `first ${codec}`, headers: { trace: 't1', multi: ['a', 'b'] } },
            { value: 'x'.repeat(2000) },
            { key: 'k3', value: null, headers: { gone: 'yes' } },
          ],
        })
        sent.forEach(metadata => out(`sent ${metadata.topicName} partition ${metadata.partition}`
          + ` error ${metadata.errorCode} base offset ${metadata.baseOffset}`))
      } finally {
        await client.disconnect()
      }
    }

    const client = await producer(kafka, { compression: CompressionTypes.LZ4 })
    try {
      const sent = await client.sendBatch({
        topicMessages: [
          { topic: name('send-keyed'), messages: [...'abcdef'].map(key => ({ key, value: `to ${key}` })) },
          { topic: name('send-keyed'), messages: [{ key: 'a', value: 'chosen partition', partition: 2 }] },
          { topic: name('send-none'), messages: [{ key: 'batch', value: 'second topic', headers: { h: 'v' } }] },
        ],
      })
      sent.map(metadata => ({ ...metadata, topic: metadata.topicName })).sort(byPosition)
        .forEach(metadata => out(`batch sent ${metadata.topicName} partition ${metadata.partition}`
          + ` error ${metadata.errorCode}`))
    } finally {
      await client.disconnect()
    }

    const { consumer, received } = await consumeCount(kafka, name('send-reader'), topics.map(t => t.topic), 23)
    received.forEach(message => out(message.text))
    await consumer.disconnect()
  } finally {
    await admin.disconnect()
  }
}

/**
 * run({eachMessage}) in a group: reads two partitions, commits chosen offsets and leaves; a new member of the
 * group resumes from them, auto-commits and leaves, and the admin shows its final offsets.
 */
async function eachMessage() {
  const kafka = kafkaJs()
  const topic = name('consumed')
  const group = name('consumed-group')
  const admin = await adminWithTopics(kafka, [{ topic, numPartitions: 2 }])
  try {
    const client = await producer(kafka)
    await client.send({ topic, messages: [0, 1, 2].map(i => ({ partition: 0, key: `k${i}`, value: `m${i}` })) })
    await client.send({ topic, messages: [3, 4, 5].map(i => ({ partition: 1, key: `k${i}`, value: `m${i}` })) })

    const first = await consumeCount(kafka, group, [topic], 6)
    first.received.forEach(message => out(`first ${message.text}`))
    await first.consumer.commitOffsets([{ topic, partition: 0, offset: '2' }, { topic, partition: 1, offset: '3' }])
    const committed = await first.consumer.committed([{ topic, partition: 0 }, { topic, partition: 1 }], 5000)
    committed.sort(byPosition).forEach(tp => out(`committed ${tp.topic} ${tp.partition} offset ${tp.offset}`))
    await first.consumer.disconnect()

    await client.send({
      topic, messages: [{ partition: 0, key: 'k6', value: 'm6' }, { partition: 1, key: 'k7', value: 'm7' }],
    })
    await client.disconnect()

    const second = await consumeCount(kafka, group, [topic], 3, { autoCommit: true, autoCommitInterval: 500 })
    second.received.forEach(message => out(`resumed ${message.text}`))
    // Closing an auto-committing consumer commits what it consumed.
    await second.consumer.disconnect()
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    offsets.forEach(entry => entry.partitions.sort((a, b) => a.partition - b.partition).forEach(p =>
      out(`fetched ${entry.topic} ${p.partition} offset ${p.offset}`)))
  } finally {
    await admin.disconnect()
  }
}

/**
 * run({eachBatch}) in a group, batches of at most four: every message once, in order; commitOffsetsIfNecessary
 * commits the resolved offsets, from which a new member resumes.
 */
async function eachBatch() {
  const kafka = kafkaJs()
  const topic = name('batched')
  const group = name('batched-group')
  const admin = await adminWithTopics(kafka, [{ topic, numPartitions: 1 }])
  try {
    const client = await producer(kafka)
    await client.send({ topic, messages: [...Array(10).keys()].map(i => ({ value: `b${i}` })) })

    const offsets = []
    const highWatermarks = new Set()
    let largest = 0
    const handler = {
      // Resolving each message (KafkaJS' idiom) stores its offset, which commitOffsetsIfNecessary then commits;
      // with eachBatchAutoResolve the last batch would only be resolved after the commit.
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        largest = Math.max(largest, batch.messages.length)
        for (const message of batch.messages) {
          offsets.push(`${message.offset}:${text(message.value)}`)
          resolveOffset(message.offset)
        }
        highWatermarks.add(batch.highWatermark)
        await commitOffsetsIfNecessary()
      },
    }
    const extra = { 'js.consumer.max.batch.size': 4 }
    let consumer = await running(kafka, group, [topic], handler, {}, extra)
    await until('ten messages', () => offsets.length >= 10)
    out(`read ${offsets.join(' ')}`)
    out(`largest batch at most 4 ${largest <= 4}`)
    out(`high watermarks ${[...highWatermarks].join(',')}`)
    await until('the last batch committed', async () => {
      const [committed] = await consumer.committed([{ topic, partition: 0 }], 5000)
      return committed.offset === '10'
    })
    await consumer.disconnect()

    await client.send({ topic, messages: [{ value: 'b10' }, { value: 'b11' }] })
    await client.disconnect()
    offsets.length = 0
    highWatermarks.clear()
    consumer = await running(kafka, group, [topic], handler, {}, extra)
    await until('two more messages', () => offsets.length >= 2)
    out(`resumed ${offsets.join(' ')}`)
    out(`high watermarks ${[...highWatermarks].join(',')}`)
    await consumer.disconnect()
  } finally {
    await admin.disconnect()
  }
}

/** seek() while running: after reading five messages, back to offset 1, which reads 1 to 4 again. */
async function seek() {
  const kafka = kafkaJs()
  const topic = name('sought')
  const admin = await adminWithTopics(kafka, [{ topic, numPartitions: 1 }])
  try {
    const client = await producer(kafka)
    await client.send({ topic, messages: [...Array(5).keys()].map(i => ({ value: `s${i}` })) })
    await client.disconnect()
    const offsets = []
    const consumer = await running(kafka, name('sought-group'), [topic], {
      eachMessage: async ({ message }) => {
        offsets.push(message.offset)
      },
    })
    await until('five messages', () => offsets.length >= 5)
    consumer.seek({ topic, partition: 0, offset: '1' })
    await until('four more messages', () => offsets.length >= 9)
    out(`offsets ${offsets.join(' ')}`)
    await consumer.disconnect()
  } finally {
    await admin.disconnect()
  }
}

/**
 * pause() of one of two subscribed topics: while paused only the other one's new messages arrive; resume()
 * delivers the held-back ones.
 */
async function pauseResume() {
  const kafka = kafkaJs()
  const paused = name('paused')
  const flowing = name('flowing')
  const admin = await adminWithTopics(kafka,
    [{ topic: paused, numPartitions: 1 }, { topic: flowing, numPartitions: 1 }])
  try {
    const client = await producer(kafka)
    await client.sendBatch({
      topicMessages: [paused, flowing].map(topic => ({ topic, messages: [{ value: 'first' }] })),
    })
    const received = []
    const consumer = await running(kafka, name('paused-group'), [paused, flowing], {
      eachMessage: async ({ topic, partition, message }) => {
        received.push({ topic, partition, offset: message.offset, text: messageText(topic, partition, message) })
      },
    })
    await until('both first messages', () => received.length >= 2)
    received.sort(byPosition).forEach(message => out(`before pause ${message.text}`))
    received.length = 0

    consumer.pause([{ topic: paused }])
    consumer.paused().forEach(entry => out(`paused ${entry.topic} ${entry.partitions.join(',')}`))
    await client.send({ topic: paused, messages: [{ value: 'held 1' }, { value: 'held 2' }] })
    await client.send({ topic: flowing, messages: [{ value: 'free 1' }, { value: 'free 2' }] })
    await until('the flowing topic read', () => received.length >= 2)
    // The paused topic's messages were written first; a short grace shows they stay back.
    await sleep(1000)
    received.sort(byPosition).forEach(message => out(`while paused ${message.text}`))
    received.length = 0

    consumer.resume([{ topic: paused }])
    out(`paused after resume ${consumer.paused().length}`)
    await until('the held messages', () => received.length >= 2)
    received.sort(byPosition).forEach(message => out(`after resume ${message.text}`))
    await consumer.disconnect()
    await client.disconnect()
  } finally {
    await admin.disconnect()
  }
}

/**
 * transaction(): one committed, one aborted, one that also commits a consumer's offsets through sendOffsets.
 * A read_committed consumer sees the committed messages only, a read_uncommitted one the aborted one too, and the
 * group's offsets are the ones sent.
 */
async function transactions() {
  const kafka = kafkaJs()
  const input = name('txn-in')
  const output = name('txn-out')
  const group = name('txn-group')
  const admin = await adminWithTopics(kafka, [{ topic: input, numPartitions: 1 }, { topic: output, numPartitions: 1 }])
  try {
    const plain = await producer(kafka)
    await plain.send({ topic: input, messages: [{ value: 'in 0' }, { value: 'in 1' }, { value: 'in 2' }] })
    await plain.disconnect()

    const client = await producer(kafka, { transactionalId: name('txn-id'), idempotent: true, maxInFlightRequests: 1 })
    try {
      let transaction = await client.transaction()
      await transaction.send({
        topic: output, messages: [{ key: 'c', value: 'committed 1' }, { key: 'c', value: 'committed 2' }],
      })
      await transaction.commit()
      out(`active after commit ${client.isActive()}`)

      transaction = await client.transaction()
      await transaction.send({ topic: output, messages: [{ key: 'a', value: 'aborted' }] })
      await transaction.abort()

      const { consumer, received } = await consumeCount(kafka, group, [input], 3)
      received.forEach(message => out(`input ${message.text}`))
      transaction = await client.transaction()
      await transaction.send({ topic: output, messages: [{ key: 'c', value: 'committed 3' }] })
      await transaction.sendOffsets({
        consumer, topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }],
      })
      await transaction.commit()
      await consumer.disconnect()
    } finally {
      await client.disconnect()
    }

    const committed = await consumeCount(kafka, name('txn-committed'), [output], 3)
    committed.received.forEach(message => out(`read_committed ${message.text}`))
    await committed.consumer.disconnect()
    const uncommitted = await consumeCount(kafka, name('txn-uncommitted'), [output], 4, { readUncommitted: true })
    uncommitted.received.forEach(message => out(`read_uncommitted ${message.text}`))
    await uncommitted.consumer.disconnect()

    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input], requireStableOffsets: true })
    offsets.forEach(entry => entry.partitions.forEach(p =>
      out(`group offset ${entry.topic} ${p.partition} ${p.offset}`)))
  } finally {
    await admin.disconnect()
  }
}

/** "ok" when the promise resolves, else the error's code (KafkaJS errors carry librdkafka's or Kafka's code). */
async function outcome(promise) {
  try {
    const value = await promise
    return value === undefined ? 'ok' : `ok ${value}`
  } catch (error) {
    // The per-item errors of the aggregate ones, sorted: KafkaJS collects them in the order the answers came.
    if (error.errors) {
      return `errors ${error.errors.map(e => e.code).sort((a, b) => a - b).join(',')}`
    }
    if (error.groups) {
      return `errors ${error.groups.map(g => `${g.groupId}:${g.errorCode}`).sort().join(',')}`
    }
    if (error.partitions) {
      return `errors ${error.partitions.map(p => `${p.partition}:${p.error.code}`).sort().join(',')}`
    }
    return `error ${error.code}`
  }
}

/** A fixed time in the past, so the timestamps the scenario looks up are its own. */
const BASE_TIMESTAMP = 1700000000000

/**
 * The KafkaJS-style admin: createTopics (created, existing, invalid), fetchTopicMetadata, fetchTopicOffsets,
 * fetchTopicOffsetsByTimestamp, deleteTopicRecords, listGroups, describeGroups, fetchOffsets, deleteGroups,
 * deleteTopics.
 */
async function admin() {
  const kafka = kafkaJs()
  const client = kafka.admin()
  await client.connect()
  const topic = name('js-admin')
  const other = name('js-admin-other')
  const group = name('js-admin-group')
  try {
    out(`create ${await outcome(client.createTopics({ topics: [
      { topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      { topic: other },
    ] }))}`)
    out(`create existing ${await outcome(client.createTopics({ topics: [{ topic, numPartitions: 2 }] }))}`)
    out(`create invalid ${await outcome(client.createTopics({ topics: [
      { topic: name('bad name') }, { topic: name('too-replicated'), replicationFactor: 2 },
      { topic: name('bad-config'), configEntries: [{ name: 'retention.ms', value: 'never' }] },
    ] }))}`)

    const metadata = await until('the topics described', async () => {
      try {
        const described = await client.fetchTopicMetadata({ topics: [topic, other] })
        return described.every(t => t.partitions.length > 0) ? described : null
      } catch (error) {
        return null
      }
    })
    for (const described of metadata) {
      for (const p of described.partitions.sort((a, b) => a.partitionId - b.partitionId)) {
        out(`metadata ${described.name} internal ${described.isInternal} partition ${p.partitionId}`
          + ` leader ${p.leader} replicas ${p.replicas} isr ${p.isr} error ${p.partitionErrorCode}`)
      }
    }
    out(`metadata missing ${await outcome(client.fetchTopicMetadata({ topics: [name('missing')] }))}`)

    const writer = await producer(kafka)
    await writer.send({ topic, messages: [0, 1, 2, 3].map(i =>
      ({ partition: 0, value: `p0 ${i}`, timestamp: String(BASE_TIMESTAMP + i * 1000) })) })
    await writer.send({ topic, messages: [{ partition: 1, value: 'p1', timestamp: String(BASE_TIMESTAMP) }] })
    await writer.disconnect()
    const printOffsets = async label => (await client.fetchTopicOffsets(topic))
      .sort((a, b) => a.partition - b.partition)
      .forEach(p => out(`${label} ${p.partition} offset ${p.offset} high ${p.high} low ${p.low}`))
    await printOffsets('offsets')
    for (const delta of [1500, 10000]) {
      const byTime = await client.fetchTopicOffsetsByTimestamp(topic, BASE_TIMESTAMP + delta)
      byTime.sort((a, b) => a.partition - b.partition)
        .forEach(p => out(`offsets at +${delta} ${p.partition} offset ${p.offset}`))
    }

    const deleted = await client.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] })
    deleted.forEach(r => out(`deleted records ${r.topic} ${r.partition} low watermark ${r.lowWatermark}`))
    out(`delete records beyond the end ${await outcome(client.deleteTopicRecords({ topic,
      partitions: [{ partition: 1, offset: '5' }] }))}`)
    await printOffsets('offsets after delete')

    const { consumer } = await consumeCount(kafka, group, [topic], 3)
    await consumer.commitOffsets([{ topic, partition: 0, offset: '3' }, { topic, partition: 1, offset: '1' }])
    const listed = await until('the group stable', async () => {
      const groups = (await client.listGroups()).groups.filter(g => g.groupId === group)
      return groups.length === 1 && groups[0].state === Kafka.KafkaJS.ConsumerGroupStates.STABLE ? groups : null
    })
    listed.forEach(g => out(`listed ${g.groupId} protocol type ${g.protocolType}`))
    const described = await client.describeGroups([group])
    described.groups.forEach(g => out(`described ${g.groupId} protocol ${g.protocol} members ${g.members.length}`
      + ` assigned ${g.members.flatMap(m => m.assignment.topicPartitions).map(tp => `${tp.topic}:${tp.partition}`)
        .sort()}`))
    out(`delete active group ${await outcome(client.deleteGroups([group]))}`)
    await consumer.disconnect()

    const offsets = await client.fetchOffsets({ groupId: group, topics: [topic] })
    offsets.forEach(entry => entry.partitions.sort((a, b) => a.partition - b.partition).forEach(p =>
      out(`fetched ${entry.topic} ${p.partition} offset ${p.offset}`)))
    const chosen = await client.fetchOffsets({ groupId: group, topics: [{ topic, partitions: [1] }] })
    chosen.forEach(entry => entry.partitions.forEach(p =>
      out(`fetched chosen ${entry.topic} ${p.partition} offset ${p.offset}`)))
    out(`delete groups ${await outcome(client.deleteGroups([group, name('missing-group')]))}`)
    out(`delete left group ${await outcome(client.deleteGroups([group]).then(r => r.map(g => g.groupId).join(',')))}`)

    out(`delete topics ${await outcome(client.deleteTopics({ topics: [other] }).then(() => undefined))}`)
    await until('the deleted topic gone', async () => !(await client.listTopics()).includes(other))
    const remaining = (await client.listTopics()).filter(t => t === topic || t === other)
    out(`listed topics ${remaining.sort().join(',')}`)
    const deleteMissing = client.deleteTopics({ topics: [name('missing')] }).then(() => undefined)
    out(`delete missing topic ${await outcome(deleteMissing)}`)
  } finally {
    await client.disconnect()
  }
}

module.exports = {
  send,
  'each-message': eachMessage,
  'each-batch': eachBatch,
  seek,
  'pause-resume': pauseResume,
  transactions,
  admin,
}
