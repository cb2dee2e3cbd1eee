'use strict'
// librdkafka 2.15's producer (Kafka.Producer): what the broker acknowledges in delivery reports (partition, offset,
// timestamp, error code) and what a librdkafka consumer then reads back (keys, values, headers, timestamps), for
// each compression codec, each acks setting, the idempotent producer, LogAppendTime topics, the records a broker
// refuses (too large, no key on a compacted topic, timestamps out of range), and a topic the first produce creates.
const {
  name, out, producer, createTopicsAndWait, assignedConsumer, readToEnd, bytesText, call,
} = require('../lib')

/** A CreateTime far from any clock, so a timestamp taken from the broker's clock shows as one. */
const SENT_TIMESTAMP = 1600000000000

/** What makes a value worth compressing: 320 bytes that every codec shrinks. */
const FILLER = 'abcdefgh'.repeat(40)

/** A delivery report as one line: where the record went. */
const delivered = (label, report) => `delivered ${label} partition ${report.partition} offset ${report.offset}`

/** Headers (librdkafka-style: a list of {name: value}) as name=value pairs in order, or - for none. */
function headersText(headers) {
  if (!headers || headers.length === 0) {
    return '-'
  }
  return headers.map(header => Object.entries(header).map(([k, v]) => `${k}=${bytesText(v)}`).join(',')).join(',')
}

/** A consumed record as one line: partition, offset, key, value, headers. */
const recordText = message => `record partition ${message.partition} offset ${message.offset} `
  + `key ${bytesText(message.key)} value ${bytesText(message.value)} headers ${headersText(message.headers)}`

/** A long value as its first characters up to the filler, then its length: "gzip-0-...327". */
function longValueText(value) {
  const text = value.toString()
  return `${text.slice(0, text.indexOf(FILLER))}...${text.length}`
}

/** Reads every partition of topic to its end with a fresh consumer. */
async function readBack(topic, partitions = 1) {
  const consumer = await assignedConsumer()
  try {
    return await readToEnd(consumer, Array.from({ length: partitions }, (_, partition) => ({ topic, partition })))
  } finally {
    await call(consumer, 'disconnect')
  }
}

/**
 * Keys (text, binary, empty, none), values (text, binary, none), headers (several, a repeated name, binary and
 * empty values) and explicit CreateTime timestamps, one record per delivery report, read back unchanged. An empty
 * value reads back as null on both brokers: librdkafka does not tell the two apart.
 */
async function recordContents() {
  const topic = name('contents')
  await createTopicsAndWait({ [topic]: {} })
  const records = [
    { label: 'text-key', key: 'k1', value: Buffer.from('v1'), headers: [] },
    { label: 'no-key', key: null, value: Buffer.from('v2'), headers: [{ a: '1' }, { b: '2' }, { a: '3' }] },
    {
      label: 'binary', key: Buffer.from([0, 1, 0xff]), value: Buffer.from([0xde, 0xad, 0, 0xbe, 0xef]),
      headers: [{ bin: Buffer.from([0, 0xff, 0x80]) }, { text: 'x' }, { bin: Buffer.from([]) }],
    },
    { label: 'tombstone', key: 'k4', value: null, headers: [{ deleted: 'yes' }] },
    { label: 'empty', key: '', value: Buffer.alloc(0), headers: [] },
  ]
  const client = await producer({ 'acks': 'all' })
  try {
    for (const [i, record] of records.entries()) {
      const report = await client.produce(topic, 0, record.value, record.key, SENT_TIMESTAMP + i,
        record.headers.length ? record.headers : undefined)
      out(`${delivered(record.label, report)} timestamp ${report.timestamp - SENT_TIMESTAMP}`)
    }
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic)) {
    out(`${recordText(message)} timestamp ${message.timestamp - SENT_TIMESTAMP}`)
  }
}

/**
 * A topic with message.timestamp.type=LogAppendTime: the broker replaces the CreateTime the producer sent with its
 * own clock, both in the delivery report (ProduceResponse's log_append_time_ms) and in what a consumer reads; a
 * CreateTime topic keeps it. Then one gzip batch of three records: the broker stamps the batch, not each record,
 * so all three read back with one time. Prints where each timestamp came from, never its value.
 */
async function logAppendTime() {
  const appendTime = name('append-time')
  const createTime = name('create-time')
  await createTopicsAndWait({
    [appendTime]: { config: { 'message.timestamp.type': 'LogAppendTime' } },
    [createTime]: { config: { 'message.timestamp.type': 'CreateTime' } },
  })
  const startMs = Date.now()
  const origin = timestamp => (timestamp === SENT_TIMESTAMP ? 'sent'
    : timestamp >= startMs - 60000 && timestamp <= Date.now() + 60000 ? 'broker-clock' : `other ${timestamp}`)
  const client = await producer()
  try {
    for (const topic of [appendTime, createTime]) {
      for (const value of ['t1', 't2']) {
        const report = await client.produce(topic, 0, Buffer.from(value), null, SENT_TIMESTAMP)
        out(`${delivered(`${topic} ${value}`, report)} timestamp ${origin(report.timestamp)}`)
      }
    }
  } finally {
    await client.disconnect()
  }
  const batching = await producer({ 'compression.type': 'gzip', 'linger.ms': 100 })
  try {
    const reports = await Promise.all(['b1', 'b2', 'b3'].map(value =>
      batching.produce(appendTime, 0, Buffer.from(value), null, SENT_TIMESTAMP)))
    reports.forEach((report, i) => out(`${delivered(`${appendTime} b${i + 1}`, report)} timestamp `
      + `${origin(report.timestamp)}${report.timestamp === reports[0].timestamp ? ' as b1' : ''}`))
  } finally {
    await batching.disconnect()
  }
  const appended = await readBack(appendTime)
  for (const message of appended) {
    const sameAsB1 = message.offset >= 2 && message.timestamp === appended[2].timestamp ? ' as b1' : ''
    out(`${appendTime} ${recordText(message)} timestamp ${origin(message.timestamp)}${sameAsB1}`)
  }
  for (const message of await readBack(createTime)) {
    out(`${createTime} ${recordText(message)} timestamp ${origin(message.timestamp)}`)
  }
}

/**
 * A topic whose compression.type is not the producer's: the broker recompresses each batch (gzip to zstd, lz4 to
 * none, none to snappy) and a consumer reads the same records, offsets and timestamps.
 */
async function topicCompression() {
  const pairs = [['gzip', 'zstd'], ['lz4', 'uncompressed'], ['none', 'snappy']]
  const topics = Object.fromEntries(pairs.map(([sent, stored]) =>
    [name(`stored-${stored}-from-${sent}`), { config: { 'compression.type': stored } }]))
  await createTopicsAndWait(topics)
  for (const [sent, stored] of pairs) {
    const topic = name(`stored-${stored}-from-${sent}`)
    const client = await producer({ 'compression.type': sent, 'linger.ms': 100 })
    try {
      const reports = await Promise.all([0, 1, 2].map(i => client.produce(topic, 0,
        Buffer.from(`${sent}-${i}-${FILLER}`), `key-${i}`, SENT_TIMESTAMP + i, [{ i: String(i) }])))
      reports.forEach((report, i) => out(delivered(`${topic} ${i}`, report)))
    } finally {
      await client.disconnect()
    }
    for (const message of await readBack(topic)) {
      out(`${topic} record partition ${message.partition} offset ${message.offset} key ${bytesText(message.key)} `
        + `value ${longValueText(message.value)} headers ${headersText(message.headers)} `
        + `timestamp ${message.timestamp - SENT_TIMESTAMP}`)
    }
  }
}

/**
 * One batch of five records (keys, headers, compressible values) with compression.type=codec, read back: the
 * broker keeps the producer's batch (the topic's compression.type is producer) and the consumer decompresses it.
 */
async function compression(codec) {
  const topic = name(`compressed-${codec}`)
  await createTopicsAndWait({ [topic]: {} })
  const client = await producer({ 'compression.type': codec, 'linger.ms': 100, 'acks': 'all' })
  try {
    // All five are produced before any is acknowledged, so librdkafka sends them as one batch.
    const reports = await Promise.all([0, 1, 2, 3, 4].map(i => client.produce(topic, 0,
      Buffer.from(`${codec}-${i}-${FILLER}`), `key-${i}`, SENT_TIMESTAMP + i,
      [{ codec }, { index: String(i) }])))
    reports.forEach((report, i) => out(delivered(`${codec}-${i}`, report)))
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic)) {
    out(`record partition ${message.partition} offset ${message.offset} key ${bytesText(message.key)} `
      + `value ${longValueText(message.value)} headers ${headersText(message.headers)} `
      + `timestamp ${message.timestamp - SENT_TIMESTAMP}`)
  }
}

/**
 * The idempotent producer (InitProducerId, then sequence numbers per partition) over two partitions, several
 * batches in flight: every record lands once, in order.
 */
async function idempotent() {
  const topic = name('idempotent')
  await createTopicsAndWait({ [topic]: { partitions: 2 } })
  const client = await producer({ 'enable.idempotence': true, 'linger.ms': 5, 'max.in.flight': 5 })
  try {
    const reports = []
    for (let round = 0; round < 3; round++) {
      reports.push(...await Promise.all([0, 1, 2, 3].map(i => client.produce(topic, i % 2,
        Buffer.from(`r${round}-${i}`), `k${i}`))))
    }
    reports.forEach((report, i) => out(delivered(`r${Math.floor(i / 4)}-${i % 4}`, report)))
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic, 2)) {
    out(recordText(message))
  }
}

/**
 * acks=0, 1 or all: what the delivery report says (with acks=0 the broker never answers, so librdkafka knows no
 * offset) and that every record landed.
 */
async function acks(setting) {
  const topic = name(`acks-${setting}`)
  await createTopicsAndWait({ [topic]: {} })
  const client = await producer({ 'acks': setting })
  try {
    for (const value of ['a1', 'a2', 'a3']) {
      out(delivered(value, await client.produce(topic, 0, Buffer.from(value), null)))
    }
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic)) {
    out(recordText(message))
  }
}

/** Produces one value of each size (bytes of 'x'), one at a time, to partition 0; each one's outcome. */
async function produceSizes(client, topic, sizes) {
  for (const size of sizes) {
    try {
      out(delivered(`${size}-bytes`, await client.produce(topic, 0, Buffer.alloc(size, 'x'), null)))
    } catch (error) {
      out(`failed ${size}-bytes error ${error.code}`)
    }
  }
}

/**
 * A topic with max.message.bytes=1000: a batch of exactly 1000 bytes is accepted, one of 1001 bytes fails with
 * MESSAGE_TOO_LARGE (librdkafka checks only its own message.max.bytes, so the broker decides), and the next record
 * takes the offset the rejected one did not; twice, with or without idempotence (the idempotent producer bumps its
 * epoch to close the gap in its sequence numbers, and the broker must take the new epoch at sequence 0).
 *
 * A batch of one record without key or headers is 61 header bytes plus the record: for a 930-byte value, length
 * varint 2, attributes 1, timestamp and offset deltas 1 each, key length 1, value length 2, the value, header
 * count 1, so 939 bytes and a 1000-byte batch.
 */
async function tooLarge(idempotence = 'false') {
  const topic = name('small-records')
  await createTopicsAndWait({ [topic]: { config: { 'max.message.bytes': '1000' } } })
  const client = await producer({
    'acks': 'all', 'enable.idempotence': idempotence === 'true', 'compression.type': 'none',
  })
  try {
    await produceSizes(client, topic, [930, 931, 10, 931, 20])
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic)) {
    out(`record partition ${message.partition} offset ${message.offset} value-bytes ${message.value.length}`)
  }
}

/**
 * A gzip batch well under max.message.bytes=1000 that the topic stores uncompressed (compression.type=uncompressed):
 * Kafka checks the size again after recompressing, and the 3000 uncompressed bytes are MESSAGE_TOO_LARGE.
 */
async function tooLargeAfterRecompression() {
  const topic = name('small-uncompressed')
  await createTopicsAndWait({
    [topic]: { config: { 'max.message.bytes': '1000', 'compression.type': 'uncompressed' } },
  })
  const client = await producer({ 'acks': 'all', 'compression.type': 'gzip' })
  try {
    await produceSizes(client, topic, [3000, 500])
  } finally {
    await client.disconnect()
  }
}

/** Produces records ([key, timestamp]) together, so librdkafka sends them as one batch; each one's outcome. */
async function produceBatch(client, topic, label, records) {
  const outcomes = await Promise.all(records.map(([key, timestamp], i) =>
    client.produce(topic, 0, Buffer.from(`${label}-${i}`), key, timestamp)
      .then(report => `offset ${report.offset}`, error => `error ${error.code}`)))
  return `${label}: ${outcomes.join(', ')}`
}

/**
 * Batches the broker refuses for one of their records: a record without a key on a compacted topic
 * (INVALID_RECORD) or a CreateTime outside the topic's message.timestamp.before.max.ms (1 hour here) or
 * message.timestamp.after.max.ms (1 hour by default): INVALID_TIMESTAMP. The whole batch fails with the error.
 */
async function invalidRecords() {
  const compacted = name('compacted')
  const bounded = name('bounded-time')
  const hourMs = 3600000
  await createTopicsAndWait({
    [compacted]: { config: { 'cleanup.policy': 'compact' } },
    [bounded]: { config: { 'message.timestamp.before.max.ms': String(hourMs) } },
  })
  const client = await producer({ 'linger.ms': 100, 'acks': 'all' })
  try {
    const now = Date.now()
    out(await produceBatch(client, compacted, 'no-key-in-middle', [['k0', now], [null, now], ['k2', now]]))
    out(await produceBatch(client, compacted, 'keyed', [['k0', now], ['k1', now]]))
    out(await produceBatch(client, bounded, 'too-old-in-middle', [[null, now], [null, now - 2 * hourMs], [null, now]]))
    out(await produceBatch(client, bounded, 'too-new', [[null, now + 2 * hourMs], [null, now]]))
    out(await produceBatch(client, bounded, 'in-range', [[null, now - hourMs / 2], [null, now + hourMs / 2]]))
  } finally {
    await client.disconnect()
  }
}

/**
 * A negative CreateTime (librdkafka sends it; kafka-clients refuses to): Kafka ranges it like any other timestamp
 * but -1, so the default message.timestamp.before.max.ms (unbounded) accepts it and it reads back as sent, while a
 * topic that accepts only the last hour refuses it with INVALID_TIMESTAMP.
 */
async function negativeTimestamp() {
  const unbounded = name('unbounded-time')
  const bounded = name('last-hour')
  await createTopicsAndWait({
    [unbounded]: {},
    [bounded]: { config: { 'message.timestamp.before.max.ms': '3600000' } },
  })
  const client = await producer({ 'acks': 'all' })
  try {
    for (const topic of [unbounded, bounded]) {
      for (const timestamp of [-5, -86400000]) {
        out(await produceBatch(client, topic, `${topic} ${timestamp}`, [['k', timestamp]]))
      }
    }
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(unbounded)) {
    out(`${recordText(message)} timestamp ${message.timestamp}`)
  }
}

/**
 * Batches with more than one refused record. Kafka checks every record (a missing key before a timestamp) and
 * names each refused one in the response (KIP-467 record_errors); the partition's error is INVALID_TIMESTAMP if any
 * timestamp is out of range, else INVALID_RECORD. With several record errors librdkafka fails the named records
 * with INVALID_RECORD and the others with _INVALID_DIFFERENT_RECORD (-138).
 */
async function recordErrors() {
  const topic = name('compacted-bounded-time')
  const hourMs = 3600000
  await createTopicsAndWait({
    [topic]: { config: { 'cleanup.policy': 'compact', 'message.timestamp.before.max.ms': String(hourMs) } },
  })
  const client = await producer({ 'linger.ms': 100, 'acks': 'all' })
  try {
    const now = Date.now()
    out(await produceBatch(client, topic, 'two-without-key', [[null, now], ['k1', now], [null, now]]))
    out(await produceBatch(client, topic, 'two-too-old', [['k0', now - 2 * hourMs], ['k1', now],
      ['k2', now - 2 * hourMs]]))
    out(await produceBatch(client, topic, 'no-key-and-too-old', [['k0', now], [null, now], ['k2', now - 2 * hourMs]]))
    out(await produceBatch(client, topic, 'no-key-and-too-old-in-one', [[null, now - 2 * hourMs], ['k1', now]]))
    out(await produceBatch(client, topic, 'keyed', [['k0', now], ['k1', now]]))
  } finally {
    await client.disconnect()
  }
}

/**
 * A topic with min.insync.replicas=2 on a single broker: acks=1 records land, acks=all ones are refused with
 * NOT_ENOUGH_REPLICAS, which librdkafka retries until message.timeout.ms and then reports.
 */
async function notEnoughReplicas() {
  const topic = name('min-isr-2')
  await createTopicsAndWait({ [topic]: { config: { 'min.insync.replicas': '2' } } })
  for (const setting of ['1', 'all']) {
    const client = await producer({ 'acks': setting, 'message.timeout.ms': 1500, 'retry.backoff.ms': 100 })
    try {
      out(delivered(`acks=${setting}`, await client.produce(topic, 0, Buffer.from(setting), null)))
    } catch (error) {
      out(`failed acks=${setting} error ${error.code}`)
    } finally {
      await client.disconnect()
    }
  }
}

/**
 * Producing to a topic nobody created, with auto.create.topics.enable=true on the broker: librdkafka's Metadata
 * request allows auto-creation, the broker creates the topic with num.partitions (1), and the record lands.
 */
async function autoCreate() {
  const topic = name('auto-created')
  const client = await producer({ 'acks': 'all' })
  try {
    out(delivered('first', await client.produce(topic, null, Buffer.from('first'), 'k')))
    out(delivered('second', await client.produce(topic, null, Buffer.from('second'), 'k')))
    const metadata = await call(client.client, 'getMetadata', { topic, timeout: 10000 })
    const created = metadata.topics.find(t => t.name === topic)
    out(`topic ${topic} partitions ${created ? created.partitions.length : 'none'}`)
  } finally {
    await client.disconnect()
  }
  for (const message of await readBack(topic)) {
    out(recordText(message))
  }
}

module.exports = {
  'record-contents': recordContents,
  'log-append-time': logAppendTime,
  'topic-compression': topicCompression,
  compression,
  idempotent,
  acks,
  'too-large': tooLarge,
  'invalid-records': invalidRecords,
  'record-errors': recordErrors,
  'negative-timestamp': negativeTimestamp,
  'too-large-after-recompression': tooLargeAfterRecompression,
  'not-enough-replicas': notEnoughReplicas,
  'auto-create': autoCreate,
}
