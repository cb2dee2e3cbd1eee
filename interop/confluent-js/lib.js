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
