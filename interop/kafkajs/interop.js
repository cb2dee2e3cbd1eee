'use strict'
// kafkajs against a Tributary broker, one step per run, for KafkaJsInteropTest. Results go to stdout as one
// line per fact, space-separated, so the Java test can assert them exactly; kafkajs' own log goes to stderr.
//
//   node interop.js <bootstrap> create-topic <topic> <partitions> [name=value ...]
//   node interop.js <bootstrap> metadata <topic>
//   node interop.js <bootstrap> list-topics
//   node interop.js <bootstrap> describe-cluster
//   node interop.js <bootstrap> offsets <topic>
//   node interop.js <bootstrap> create-partitions <topic> <total count>
//   node interop.js <bootstrap> describe-config <topic> <config name>
//   node interop.js <bootstrap> alter-config <topic> <config name> <value>
//   node interop.js <bootstrap> delete-topic <topic>
//   node interop.js <bootstrap> produce <topic> <count> <partitions> [gzip] [idempotent]
//   node interop.js <bootstrap> fetch <topic> <partition> <offset> <count>
//   node interop.js <bootstrap> consume-group <topic> <group> <count> [describe]
//   node interop.js <bootstrap> list-groups
//   node interop.js <bootstrap> describe-group <group>
//   node interop.js <bootstrap> fetch-offsets <group> <topic>
//
// `produce` sends key-<i>/value-<i> with header h=header-<i> to partition i % partitions.
// `fetch` reads one partition from a chosen offset without a consumer group: kafkajs' consumer always joins a
// group (it has no assign()), so it reads through kafkajs' own Cluster and Broker classes, the ones its consumer
// uses underneath (internal API, stable in the pinned 2.2.4): the same Fetch request encoding and record-batch
// decoding, minus the group membership.
// `consume-group` is kafkajs' consumer proper: it joins <group>, subscribes to <topic> from the beginning (which only
// applies where the group has no committed offset), auto-commits after each batch, and leaves once <count> records
// arrived; with `describe` it prints the group as kafkajs' admin sees it before leaving.
const { Kafka, logLevel, CompressionTypes, AssignerProtocol } = require('kafkajs')

const [bootstrap, command, ...args] = process.argv.slice(2)

const stderrLogger = () => ({ namespace, level, log }) => {
  const { message, ...extra } = log
  process.stderr.write(`[kafkajs ${namespace} ${level}] ${message} ${JSON.stringify(extra)}\n`)
}

const kafka = new Kafka({
  clientId: 'tributary-interop',
  brokers: [bootstrap],
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  logLevel: logLevel.WARN,
  logCreator: stderrLogger,
})

const out = line => process.stdout.write(line + '\n')

async function withAdmin(work) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await work(admin)
  } finally {
    await admin.disconnect()
  }
}

// One line for the group, then one per member with its assignment decoded (`-` when it has none).
function printGroup(group) {
  out(`group ${group.groupId} state ${group.state} protocolType ${group.protocolType} protocol ${group.protocol}` +
    ` members ${group.members.length}`)
  const members = group.members.map(m => {
    const decoded = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null
    const assignment = decoded === null ? '-' : Object.keys(decoded.assignment).sort()
      .map(topic => `${topic}:${[...decoded.assignment[topic]].sort((a, b) => a - b).join(',')}`).join(' ')
    return `member ${m.memberId} ${m.clientId} ${m.clientHost} ${assignment}`
  })
  members.sort().forEach(out)
}

function printMetadata(topicMetadata) {
  const partitions = [...topicMetadata.partitions].sort((a, b) => a.partitionId - b.partitionId)
  for (const p of partitions) {
    out(`partition ${p.partitionId} leader ${p.leader} replicas ${p.replicas.join(',')} isr ${p.isr.join(',')}` +
      ` error ${p.partitionErrorCode}`)
  }
}

const commands = {
  'create-topic': ([topic, partitions, ...configs]) => withAdmin(async admin => {
    const configEntries = configs.map(c => {
      const [name, value] = c.split('=')
      return { name, value }
    })
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: Number(partitions), replicationFactor: 1, configEntries }],
    })
    out(`created ${created}`)
  }),

  metadata: ([topic]) => withAdmin(async admin => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    for (const t of topics) {
      out(`topic ${t.name} partitions ${t.partitions.length}`)
      printMetadata(t)
    }
  }),

  'list-topics': () => withAdmin(async admin => {
    for (const name of (await admin.listTopics()).sort()) {
      out(`topic ${name}`)
    }
  }),

  'describe-cluster': () => withAdmin(async admin => {
    const { brokers, controller, clusterId } = await admin.describeCluster()
    out(`cluster ${clusterId} controller ${controller}`)
    for (const b of brokers) {
      out(`broker ${b.nodeId} ${b.host}:${b.port}`)
    }
  }),

  offsets: ([topic]) => withAdmin(async admin => {
    const offsets = await admin.fetchTopicOffsets(topic)
    for (const o of offsets.sort((a, b) => a.partition - b.partition)) {
      out(`offsets ${o.partition} low ${o.low} high ${o.high}`)
    }
  }),

  'create-partitions': ([topic, count]) => withAdmin(async admin => {
    await admin.createPartitions({ topicPartitions: [{ topic, count: Number(count) }] })
    out('partitions created')
  }),

  'describe-config': ([topic, name]) => withAdmin(async admin => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: [name] }],
    })
    for (const r of resources) {
      for (const entry of r.configEntries) {
        out(`config ${entry.configName} ${entry.configValue} default ${entry.isDefault}`)
      }
    }
  }),

  'alter-config': ([topic, name, value]) => withAdmin(async admin => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configEntries: [{ name, value }] }],
    })
    out('config altered')
  }),

  'delete-topic': ([topic]) => withAdmin(async admin => {
    await admin.deleteTopics({ topics: [topic], timeout: 10000 })
    out('deleted')
  }),

  produce: async ([topic, count, partitions, ...flags]) => {
    const producer = kafka.producer({ idempotent: flags.includes('idempotent'), allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const messages = []
      for (let i = 0; i < Number(count); i++) {
        messages.push({
          key: `key-${i}`,
          value: `value-${i}`,
          partition: i % Number(partitions),
          headers: { h: `header-${i}` },
        })
      }
      const results = await producer.send({
        topic,
        acks: -1,
        compression: flags.includes('gzip') ? CompressionTypes.GZIP : CompressionTypes.None,
        messages,
      })
      for (const r of results.sort((a, b) => a.partition - b.partition)) {
        out(`sent ${r.partition} base ${r.baseOffset} error ${r.errorCode}`)
      }
    } finally {
      await producer.disconnect()
    }
  },

  fetch: async ([topic, partitionArg, offsetArg, countArg]) => {
    const Cluster = require('kafkajs/src/cluster')
    const { createLogger } = require('kafkajs/src/loggers')
    const socketFactory = require('kafkajs/src/network/socketFactory')
    const partition = Number(partitionArg)
    const count = Number(countArg)
    const cluster = new Cluster({
      logger: createLogger({ level: logLevel.WARN, logCreator: stderrLogger }),
      socketFactory: socketFactory(),
      offsets: new Map(),
      brokers: [bootstrap],
      clientId: 'tributary-interop-fetch',
      connectionTimeout: 5000,
      requestTimeout: 15000,
      retry: { retries: 3 },
    })
    await cluster.connect()
    try {
      await cluster.addTargetTopic(topic)
      const leader = cluster.findTopicPartitionMetadata(topic).find(p => p.partitionId === partition).leader
      const broker = await cluster.findBroker({ nodeId: String(leader) })
      let offset = offsetArg
      let received = 0
      // Bounded: each round waits at most maxWaitTime; stop once `count` records arrived.
      for (let round = 0; round < 20 && received < count; round++) {
        const response = await broker.fetch({
          maxWaitTime: 500,
          minBytes: 1,
          maxBytes: 1048576,
          topics: [{ topic, partitions: [{ partition, fetchOffset: offset, maxBytes: 1048576 }] }],
        })
        for (const topicResponse of response.responses) {
          for (const p of topicResponse.partitions) {
            if (p.errorCode !== 0) {
              throw new Error(`fetch error ${p.errorCode} on ${topic}-${p.partition}`)
            }
            out(`highWatermark ${p.highWatermark}`)
            for (const m of p.messages) {
              if (received >= count || BigInt(m.offset) < BigInt(offset)) {
                continue
              }
              const headers = Object.entries(m.headers || {})
                .map(([k, v]) => `${k}=${Buffer.isBuffer(v) ? v.toString() : v}`)
                .join(',')
              out(`record ${p.partition} ${m.offset} ${m.key} ${m.value} ${headers}`)
              received++
              offset = (BigInt(m.offset) + 1n).toString()
            }
          }
        }
      }
      out(`fetched ${received}`)
    } finally {
      await cluster.disconnect()
    }
  },
}

// Bounds a wait that depends on the broker, so a broken group never hangs the test.
function within(ms, what, promise) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

Object.assign(commands, {
  'consume-group': async ([topic, groupId, countArg, ...flags]) => {
    const count = Number(countArg)
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      // Stopping waits for the fetch in flight: keep its long poll short.
      maxWaitTimeInMs: 500,
      retry: { retries: 5 },
    })
    const records = []
    let allArrived
    const arrived = new Promise(resolve => { allArrived = resolve })
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({ partition, offset: BigInt(message.offset), key: String(message.key), value: String(message.value) })
          if (records.length >= count) {
            allArrived()
          }
        },
      })
      await within(30000, `${count} records`, arrived)
      if (flags.includes('describe')) {
        await withAdmin(async admin => (await admin.describeGroups([groupId])).groups.forEach(printGroup))
      }
    } finally {
      // Stopping lets the batch in progress finish; kafkajs commits its offsets, then leaves the group.
      await consumer.disconnect()
    }
    records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
    for (const r of records) {
      out(`record ${r.partition} ${r.offset} ${r.key} ${r.value}`)
    }
    out(`consumed ${records.length}`)
  },

  'list-groups': () => withAdmin(async admin => {
    const { groups } = await admin.listGroups()
    for (const g of [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId))) {
      out(`group ${g.groupId} ${g.protocolType}`)
    }
  }),

  'describe-group': ([groupId]) => withAdmin(async admin => {
    (await admin.describeGroups([groupId])).groups.forEach(printGroup)
  }),

  'fetch-offsets': ([groupId, topic]) => withAdmin(async admin => {
    for (const { topic: name, partitions } of await admin.fetchOffsets({ groupId, topics: [topic] })) {
      for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
        out(`committed ${name} ${p.partition} ${p.offset}`)
      }
    }
  }),
})

const run = commands[command]
if (!run) {
  process.stderr.write(`unknown command ${command}\n`)
  process.exit(2)
}
run(args).then(
  () => process.exit(0),
  error => {
    process.stderr.write(`kafkajs ${command} failed: ${error.stack || error}\n`)
    process.exit(1)
  }
)
