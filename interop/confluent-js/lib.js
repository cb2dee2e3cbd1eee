'use strict'
// What every scenario of run.js shares: the broker address, names unique to this run, one output line per
// observed fact, promise wrappers around the librdkafka-style callback API, and bounded waiting.
//
// Output is the contract with the Java tests: the same scenario runs against Tributary and against Apache Kafka
// 4.3.1 and the two outputs must be equal line for line, so a scenario prints only what the protocol decides
// (offsets, partitions, error codes, record contents, group assignments), never ports, ids, timestamps taken from
// the clock, or anything else that differs between two correct brokers. out() removes this run's name prefix, so
// both runs print the same names. librdkafka's own log goes to stderr.
const Kafka = require('@confluentinc/kafka-javascript')

const bootstrap = process.env.BOOTSTRAP
const prefix = process.env.NAME_PREFIX || ''
if (!bootstrap) {
  throw new Error('BOOTSTRAP is not set')
}

/** A topic, group or transactional id unique to this run: the prefix keeps runs on a shared broker apart. */
const name = base => prefix + base

const stripPrefix = text => (prefix === '' ? text : text.split(prefix).join(''))

/** One fact, as one stdout line, without this run's name prefix. */
const out = line => process.stdout.write(stripPrefix(String(line)) + '\n')

/** Diagnostics for a human reading a failed test: stderr is shown by the Java test, never compared. */
const log = line => process.stderr.write(`[${new Date().toISOString()}] ${stripPrefix(String(line))}\n`)

/** Settings every client gets: the broker, a client id, librdkafka's log on stderr at warning level. */
function baseConfig(extra = {}) {
  return {
    'bootstrap.servers': bootstrap,
    'client.id': 'tributary-interop',
    'log_level': 4,
    'socket.timeout.ms': 10000,
    ...extra,
  }
}

/** librdkafka's log lines (event.log) to stderr, tagged with the client they came from. */
function logTo(client, tag) {
  client.on('event.log', event => log(`[${tag} ${event.severity} ${event.fac}] ${event.message}`))
  client.on('event.error', error => log(`[${tag} error] ${error.code} ${error.message}`))
  return client
}

/** Calls a node-style function and resolves with its result (or rejects with its error). */
function call(target, method, ...args) {
  return new Promise((resolve, reject) => {
    target[method](...args, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Polls check() every intervalMs until it returns a truthy value; fails after timeoutMs with what. */
async function until(what, check, timeoutMs = 30000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    }
    await sleep(intervalMs)
  }
}

/** An admin client (librdkafka-style API), connected. */
function admin(extra = {}) {
  const client = Kafka.AdminClient.create(baseConfig(extra))
  return client
}

/** A connected librdkafka-style producer with delivery reports; produce() resolves with the delivery report. */
async function producer(extra = {}) {
  const client = logTo(new Kafka.Producer(baseConfig({ 'dr_cb': true, ...extra })), 'producer')
  const pending = new Map()
  let next = 0
  client.on('delivery-report', (error, report) => {
    const entry = pending.get(report.opaque)
    if (entry) {
      pending.delete(report.opaque)
      error ? entry.reject(error) : entry.resolve(report)
    }
  })
  client.setPollInterval(20)
  await call(client, 'connect', {})
  return {
    client,
    produce(topic, partition, value, key, timestamp, headers) {
      const opaque = next++
      return new Promise((resolve, reject) => {
        pending.set(opaque, { resolve, reject })
        try {
          client.produce(topic, partition, value, key, timestamp, opaque, headers)
        } catch (error) {
          pending.delete(opaque)
          reject(error)
        }
      })
    },
    flush: (timeoutMs = 15000) => call(client, 'flush', timeoutMs),
    disconnect: () => call(client, 'disconnect'),
  }
}

/** A buffer, string or null as text, for printing keys and values. */
const text = value => (value === null || value === undefined ? 'null' : value.toString())

/** Message headers (librdkafka-style: a list of {name: Buffer}) as "a=1,b=2", in order. */
function headerText(headers) {
  if (!headers || headers.length === 0) {
    return '-'
  }
  return headers.map(header => Object.entries(header).map(([k, v]) => `${k}=${text(v)}`).join(',')).join(',')
}

/** Runs main(), printing "error <name> <code> <message>" and exiting 1 when it throws. */
function runMain(main) {
  const timer = setTimeout(() => {
    log('scenario still running after 120 s: giving up')
    process.exit(3)
  }, 120000)
  timer.unref()
  main().then(() => process.exit(0), error => {
    out(`error ${error && error.code !== undefined ? error.code : '-'} ${error && error.message}`)
    log(error && error.stack)
    process.exit(1)
  })
}

module.exports = {
  Kafka, bootstrap, prefix, name, out, log, baseConfig, logTo, call, sleep, until, admin, producer, text,
  headerText, runMain,
}

/**
 * Creates topics ({name: {partitions, config}}, names already passed through name()) and waits until the broker
 * lists every one: Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
 */
async function createTopicsAndWait(topics) {
  const client = admin()
  try {
    for (const [topic, { partitions = 1, config = {} }] of Object.entries(topics)) {
      await call(client, 'createTopic', { topic, num_partitions: partitions, replication_factor: 1, config })
    }
    await until(`topics ${Object.keys(topics).join(', ')} listed`, async () => {
      const listed = new Set(await call(client, 'listTopics', { timeout: 10000 }))
      return Object.keys(topics).every(topic => listed.has(topic))
    })
  } finally {
    client.disconnect()
  }
}

/**
 * A connected librdkafka-style consumer for reading assigned partitions (no group membership, no commits), which
 * reports reaching the end of a partition. isolation.level is librdkafka's default, read_committed, unless given.
 */
async function assignedConsumer(extra = {}) {
  const client = logTo(new Kafka.KafkaConsumer(baseConfig({
    'group.id': name('reader'),
    'enable.auto.commit': false,
    'enable.partition.eof': true,
    ...extra,
  }), {}), 'consumer')
  await call(client, 'connect', {})
  return client
}

/**
 * Assigns the partitions ([{topic, partition}]) from their start and consumes until each reached its end (the
 * last stable offset under read_committed); returns the messages sorted by topic, partition and offset, since
 * librdkafka interleaves partitions in no fixed order. The caller makes sure the partitions are complete first.
 */
async function readToEnd(consumer, partitions, timeoutMs = 30000) {
  const key = (topic, partition) => `${topic}/${partition}`
  const pending = new Set(partitions.map(p => key(p.topic, p.partition)))
  const messages = []
  const onEof = eof => pending.delete(key(eof.topic, eof.partition))
  consumer.on('partition.eof', onEof)
  try {
    // -2 is librdkafka's RD_KAFKA_OFFSET_BEGINNING.
    consumer.assign(partitions.map(p => ({ topic: p.topic, partition: p.partition, offset: -2 })))
    const deadline = Date.now() + timeoutMs
    while (pending.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms reading to the end of ${[...pending].join(', ')}`)
      }
      messages.push(...await call(consumer, 'consume', 100))
    }
  } finally {
    consumer.removeListener('partition.eof', onEof)
    consumer.unassign()
  }
  return messages.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition || a.offset - b.offset
    : a.topic < b.topic ? -1 : 1))
}

/** A partition's high watermark as the consumer's isolation level sees it (the LSO under read_committed). */
async function highWatermark(consumer, topic, partition) {
  return (await call(consumer, 'queryWatermarkOffsets', topic, partition, 10000)).highOffset
}

/** A key, value or header value as text: printable ASCII as is, anything else as hex:..., null as null. */
function bytesText(value) {
  if (value === null || value === undefined) {
    return 'null'
  }
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(String(value))
  return buffer.every(b => b >= 0x20 && b < 0x7f) ? `'${buffer.toString()}'` : `hex:${buffer.toString('hex')}`
}

Object.assign(module.exports, { createTopicsAndWait, assignedConsumer, readToEnd, highWatermark, bytesText })

/**
 * The package's KafkaJS-compatible API (require('@confluentinc/kafka-javascript').KafkaJS) on this run's broker:
 * a Kafka object whose clients log warnings to stderr, since KafkaJS' default logger writes to stdout, which is the
 * scenario's output. Producers, consumers and admins made from it take KafkaJS options in their kafkaJS block and
 * librdkafka properties beside it.
 */
function kafkaJs() {
  const { Kafka: KafkaJS, logLevel } = Kafka.KafkaJS
  const logger = {
    info: message => log(`[kafkajs info] ${message}`),
    warn: message => log(`[kafkajs warn] ${message}`),
    error: message => log(`[kafkajs error] ${message}`),
    debug: () => {},
    namespace() {
      return logger
    },
    setLogLevel() {},
  }
  return new KafkaJS({
    'log_level': 4,
    kafkaJS: { brokers: [bootstrap], clientId: 'tributary-interop', logger, logLevel: logLevel.WARN },
  })
}

Object.assign(module.exports, { kafkaJs })
