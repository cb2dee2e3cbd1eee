'use strict'
// The admin API of librdkafka 2.15 through the librdkafka-style Kafka.AdminClient: topics (create with every
// Kafka topic config, describe, delete, add partitions), consumer groups (list, describe, delete, committed
// offsets), the operations a client may perform on topics and groups, and partition offsets (list by earliest,
// latest, timestamp and max timestamp under both isolation levels, delete records).
//
// Every broker answer is printed as "ok" or "error <Kafka error code>": the codes are what the protocol decides,
// the messages beside them are each broker's own prose and are left out.
const {
  Kafka, name, out, log, call, until, admin, producer, baseConfig, logTo, text,
} = require('../lib')

const { OffsetSpec, IsolationLevel, ConsumerGroupStates, ConsumerGroupTypes, AclOperationTypes } = Kafka.AdminClient

/** "ok" when the promise resolves, "error <code>" when it rejects with a Kafka (or librdkafka) error. */
async function outcome(promise) {
  try {
    await promise
    return 'ok'
  } catch (error) {
    if (error === null || error === undefined || error.code === undefined) {
      throw error
    }
    return `error ${error.code}`
  }
}

const operationNames = operations => (operations || [])
  .map(operation => Object.keys(AclOperationTypes).find(key => AclOperationTypes[key] === operation)).sort().join(',')
const stateName = state => Object.keys(ConsumerGroupStates).find(key => ConsumerGroupStates[key] === state)
const typeName = type => Object.keys(ConsumerGroupTypes).find(key => ConsumerGroupTypes[key] === type)

/**
 * Describes topics until each one is known with its partitions: Kafka's broker learns of a topic from its
 * controller a moment after CreateTopics (or CreatePartitions) answers.
 */
function describeWhenKnown(client, topics, partitions) {
  return until(`${topics} described with ${partitions} partitions`, async () => {
    const described = await call(client, 'describeTopics', topics, { timeout: 5000 })
    return described.every(topic => !topic.error && topic.partitions.length === partitions) ? described : null
  })
}

/** One line per partition: index, leader, replicas and in-sync replicas by broker id. */
function printPartitions(topic) {
  const ids = nodes => nodes.map(node => node.id).join(',')
  for (const partition of [...topic.partitions].sort((a, b) => a.partition - b.partition)) {
    out(`partition ${partition.partition} leader ${partition.leader ? partition.leader.id : 'none'}`
      + ` replicas ${ids(partition.replicas)} isr ${ids(partition.isr)}`)
  }
}

/**
 * Topic creation: a topic with partitions, replication factor and config overrides, then every way a creation
 * fails (the name taken, illegal names, an impossible replication factor, no partitions, an unknown config, a bad
 * config value), and the broker defaults for -1. The overrides then act: a record above max.message.bytes is
 * refused, and so is a keyless record on the compacted topic.
 */
async function createTopics() {
  const client = admin()
  const create = (topic, partitions, replicationFactor, config) => outcome(call(client, 'createTopic',
    { topic, num_partitions: partitions, replication_factor: replicationFactor, ...(config ? { config } : {}) }))
  try {
    const configured = name('admin-configured')
    out(`create configured ${await create(configured, 3, 1,
      { 'cleanup.policy': 'compact', 'retention.ms': '3600000', 'max.message.bytes': '2000' })}`)
    out(`create configured again ${await create(configured, 3, 1)}`)
    out(`create with a space ${await create(name('bad name'), 1, 1)}`)
    out(`create dot-dot ${await create('..', 1, 1)}`)
    out(`create 250 characters ${await create(name('x'.repeat(250)), 1, 1)}`)
    out(`create replication factor 2 ${await create(name('replicated'), 1, 2)}`)
    out(`create 0 partitions ${await create(name('empty'), 0, 1)}`)
    out(`create unknown config ${await create(name('unknown-config'), 1, 1, { 'no.such.config': 'x' })}`)
    out(`create bad config value ${await create(name('bad-config'), 1, 1, { 'retention.ms': 'soon' })}`)
    out(`create defaults ${await create(name('defaults'), -1, -1)}`)

    const [described] = await describeWhenKnown(client, [configured], 3)
    out(`configured partitions ${described.partitions.length}`)
    const [defaults] = await describeWhenKnown(client, [name('defaults')], 1)
    out(`defaults partitions ${defaults.partitions.length} replicas ${defaults.partitions[0].replicas.length}`)
    const failed = await call(client, 'describeTopics', [name('replicated'), name('bad-config')], { timeout: 5000 })
    failed.forEach(topic => out(`after failed create ${topic.name} error ${topic.error ? topic.error.code : 0}`))

    const writer = await producer({ 'linger.ms': 0, 'retries': 0 })
    try {
      const fits = await writer.produce(configured, 0, Buffer.alloc(100, 'a'), 'k')
      out(`produce 100 bytes offset ${fits.offset}`)
      out(`produce 3000 bytes ${await outcome(writer.produce(configured, 0, Buffer.alloc(3000, 'a'), 'k'))}`)
      out(`produce keyless to compacted ${await outcome(writer.produce(configured, 0, Buffer.from('v'), null))}`)
    } finally {
      await writer.disconnect()
    }
  } finally {
    client.disconnect()
  }
}

/**
 * Every topic config of Kafka 4.3 (its TopicConfig), each at a valid value other than the default, on a topic of
 * its own; and three that Kafka 4 removed. Kafka accepts the first, refuses the others with INVALID_CONFIG.
 */
const TOPIC_CONFIGS = [
  ['cleanup.policy', 'compact,delete'], ['compression.type', 'zstd'], ['compression.gzip.level', '5'],
  ['compression.lz4.level', '5'], ['compression.zstd.level', '5'], ['delete.retention.ms', '1000'],
  ['file.delete.delay.ms', '1000'], ['flush.messages', '10'], ['flush.ms', '1000'],
  ['follower.replication.throttled.replicas', '0:1'], ['index.interval.bytes', '8192'],
  ['leader.replication.throttled.replicas', '0:1'], ['local.retention.bytes', '-2'], ['local.retention.ms', '-2'],
  ['max.compaction.lag.ms', '100000'], ['max.message.bytes', '100000'], ['message.timestamp.after.max.ms', '1000'],
  ['message.timestamp.before.max.ms', '1000'], ['message.timestamp.type', 'LogAppendTime'],
  ['min.cleanable.dirty.ratio', '0.1'], ['min.compaction.lag.ms', '1000'], ['min.insync.replicas', '1'],
  ['preallocate', 'true'], ['remote.log.copy.disable', 'false'], ['remote.log.delete.on.disable', 'false'],
  ['remote.storage.enable', 'false'], ['retention.bytes', '1000000'], ['retention.ms', '100000'],
  ['segment.bytes', '2000000'], ['segment.index.bytes', '100000'], ['segment.jitter.ms', '100'],
  ['segment.ms', '100000'], ['unclean.leader.election.enable', 'true'],
  ['message.downconversion.enable', 'true'], ['message.format.version', '3.0'],
  ['message.timestamp.difference.max.ms', '1000'],
]

/** Creates one topic per config of TOPIC_CONFIGS, with that config set. */
async function topicConfigs() {
  const client = admin()
  try {
    for (const [config, value] of TOPIC_CONFIGS) {
      const topic = name(`config-${config.replace(/\./g, '-')}`)
      const result = await outcome(call(client, 'createTopic',
        { topic, num_partitions: 1, replication_factor: 1, config: { [config]: value } }))
      out(`${config}=${value} ${result}`)
    }
  } finally {
    client.disconnect()
  }
}

/**
 * Describes a topic with three partitions (leader, replicas, ISR), beside an unknown topic, and the operations
 * the client may perform on it.
 */
async function describeTopics() {
  const client = admin()
  try {
    await call(client, 'createTopic', { topic: name('described'), num_partitions: 3, replication_factor: 1 })
    const [described] = await describeWhenKnown(client, [name('described')], 3)
    out(`topic ${described.name} internal ${described.isInternal} partitions ${described.partitions.length}`)
    printPartitions(described)
    const both = await call(client, 'describeTopics', [name('described'), name('missing')], { timeout: 5000 })
    both.forEach(topic => out(`topic ${topic.name} error ${topic.error ? topic.error.code : 0}`
      + ` partitions ${topic.partitions.length}`))
    // Without an authorizer a broker grants every operation a topic supports.
    const [authorized] = await call(client, 'describeTopics', [name('described')],
      { timeout: 5000, includeAuthorizedOperations: true })
    out(`authorized operations ${operationNames(authorized.authorizedOperations)}`)
  } finally {
    client.disconnect()
  }
}

/** Deletes a topic (then it is unknown, and its name can be taken again, empty) and an unknown one. */
async function deleteTopics() {
  const client = admin()
  const writer = await producer({ 'linger.ms': 0 })
  try {
    const topic = name('deleted')
    await call(client, 'createTopic', { topic, num_partitions: 1, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 1)
    out(`produce offset ${(await writer.produce(topic, 0, Buffer.from('before'), null)).offset}`)
    out(`delete ${await outcome(call(client, 'deleteTopic', topic))}`)
    const gone = await until('the deleted topic unknown', async () => {
      const [described] = await call(client, 'describeTopics', [topic], { timeout: 5000 })
      return described.error ? described : null
    })
    out(`describe deleted error ${gone.error.code}`)
    out(`delete missing ${await outcome(call(client, 'deleteTopic', name('missing')))}`)
    out(`delete deleted again ${await outcome(call(client, 'deleteTopic', topic))}`)
    // Kafka removes a deleted topic's partitions from its brokers in the background; a new topic of the same
    // name may have to wait for that.
    const recreated = await until('the name free again', async () => {
      const result = await outcome(call(client, 'createTopic', { topic, num_partitions: 1, replication_factor: 1 }))
      return result === 'error 36' ? null : result
    })
    out(`create again ${recreated}`)
    await describeWhenKnown(client, [topic], 1)
    const [offsets] = await call(client, 'listOffsets', [{ topic, partition: 0, offset: OffsetSpec.LATEST }],
      { timeout: 5000 })
    out(`recreated latest ${offsets.offset}`)
  } finally {
    await writer.disconnect()
    client.disconnect()
  }
}

/** Adds partitions to a topic (which then accepts records there); a decrease, no change and an unknown topic fail. */
async function createPartitions() {
  const client = admin()
  try {
    const topic = name('grown')
    await call(client, 'createTopic', { topic, num_partitions: 2, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 2)
    out(`grow to 4 ${await outcome(call(client, 'createPartitions', topic, 4))}`)
    const [grown] = await describeWhenKnown(client, [topic], 4)
    printPartitions(grown)
    out(`shrink to 3 ${await outcome(call(client, 'createPartitions', topic, 3))}`)
    out(`grow to 4 again ${await outcome(call(client, 'createPartitions', topic, 4))}`)
    out(`grow missing ${await outcome(call(client, 'createPartitions', name('missing'), 2))}`)
    const writer = await producer({ 'linger.ms': 0, 'topic.metadata.refresh.interval.ms': 200 })
    try {
      out(`produce to partition 3 offset ${(await writer.produce(topic, 3, Buffer.from('new'), null)).offset}`)
    } finally {
      await writer.disconnect()
    }
  } finally {
    client.disconnect()
  }
}

/** A connected librdkafka consumer in a group, subscribed, with librdkafka's log on stderr. */
async function groupConsumer(group, topic, extra = {}) {
  const consumer = logTo(new Kafka.KafkaConsumer(baseConfig({
    'group.id': group,
    'enable.auto.commit': false,
    'auto.offset.reset': 'earliest',
    ...extra,
  })), `consumer ${group}`)
  await call(consumer, 'connect', {})
  consumer.subscribe([topic])
  return consumer
}

/**
 * Consumes until count messages arrived; returns them. Errors consume() reports on the way are librdkafka's
 * notices (Kafka answers NOT_COORDINATOR while it creates __consumer_offsets on first use): logged, not fatal.
 */
async function consumeCount(consumer, count) {
  const messages = []
  await until(`${count} messages`, async () => {
    try {
      messages.push(...await call(consumer, 'consume', count - messages.length))
    } catch (error) {
      log(`consume: ${error.code} ${error.message}`)
    }
    return messages.length >= count
  }, 30000, 0)
  return messages
}

/**
 * Consumer groups: one whose member committed offsets (with metadata) and left, one with a member still in it.
 * Lists and describes both, reads the first one's committed offsets, then deletes both and an unknown group:
 * only the empty group goes.
 */
async function groups() {
  const client = admin()
  const topic = name('grouped')
  const left = name('group-left')
  const active = name('group-active')
  let stays = null
  try {
    await call(client, 'createTopic', { topic, num_partitions: 2, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 2)
    const writer = await producer({ 'linger.ms': 0 })
    for (let i = 0; i < 3; i++) {
      await writer.produce(topic, 0, Buffer.from(`v${i}`), null)
    }
    await writer.produce(topic, 1, Buffer.from('v3'), null)
    await writer.disconnect()

    const leaves = await groupConsumer(left, topic)
    const read = await consumeCount(leaves, 4)
    out(`consumed ${read.length}`)
    leaves.commitSync([
      { topic, partition: 0, offset: 3, metadata: 'first' },
      { topic, partition: 1, offset: 1, metadata: 'second' },
    ])
    await call(leaves, 'disconnect')

    stays = await groupConsumer(active, topic)
    await until('the active member assigned', () => stays.assignments().length === 2)

    const listed = await until('both groups listed', async () => {
      const result = await call(client, 'listGroups', { timeout: 5000 })
      const ours = result.groups.filter(group => group.groupId === left || group.groupId === active)
      const settled = ours.length === 2 && ours.every(group =>
        group.state === (group.groupId === left ? ConsumerGroupStates.EMPTY : ConsumerGroupStates.STABLE))
      return settled ? ours : null
    })
    listed.sort((a, b) => a.groupId.localeCompare(b.groupId)).forEach(group =>
      out(`listed ${group.groupId} state ${stateName(group.state)} type ${typeName(group.type)}`
        + ` protocol type ${group.protocolType} simple ${group.isSimpleConsumerGroup}`))
    const matched = await call(client, 'listGroups',
      { timeout: 5000, matchConsumerGroupStates: [ConsumerGroupStates.EMPTY] })
    matched.groups.filter(group => group.groupId === left || group.groupId === active)
      .forEach(group => out(`listed empty ${group.groupId}`))

    const described = await call(client, 'describeGroups', [left, active, name('group-missing')], { timeout: 5000 })
    for (const group of described.groups) {
      out(`described ${group.groupId} state ${stateName(group.state)} type ${typeName(group.type)}`
        + ` protocol type ${group.protocolType || '-'} protocol ${group.protocol || '-'}`
        + ` members ${group.members.length} error ${group.error ? group.error.code : 0}`)
      for (const member of group.members) {
        const partitions = member.assignment.topicPartitions.map(tp => `${tp.topic}:${tp.partition}`).sort()
        out(`member client ${member.clientId} host ${member.clientHost} assigned ${partitions.join(',')}`)
      }
    }

    const [offsets] = await call(client, 'listConsumerGroupOffsets', [{ groupId: left, partitions: null }],
      { timeout: 5000 })
    out(`offsets ${offsets.groupId} error ${offsets.error ? offsets.error.code : 0}`)
    offsets.partitions.sort((a, b) => a.partition - b.partition).forEach(tp =>
      out(`committed ${tp.topic}:${tp.partition} offset ${tp.offset} metadata ${tp.metadata}`
        + ` error ${tp.error ? tp.error.code : 0}`))
    const [chosen] = await call(client, 'listConsumerGroupOffsets',
      [{ groupId: left, partitions: [{ topic, partition: 1 }, { topic: name('never'), partition: 0 }] }],
      { timeout: 5000 })
    chosen.partitions.forEach(tp => out(`committed chosen ${tp.topic}:${tp.partition} offset ${tp.offset}`
      + ` error ${tp.error ? tp.error.code : 0}`))

    const deleted = await call(client, 'deleteGroups', [left, active, name('group-missing')], { timeout: 5000 })
    deleted.forEach(result => out(`delete ${result.groupId} error ${result.errorCode || 0}`))
    const after = await call(client, 'listGroups', { timeout: 5000 })
    after.groups.filter(group => group.groupId === left || group.groupId === active).map(group => group.groupId)
      .sort().forEach(id => out(`listed after delete ${id}`))
  } finally {
    if (stays) {
      await call(stays, 'disconnect')
    }
    client.disconnect()
  }
}

/** describeGroups asking for the operations the client may perform on a group with a member in it. */
async function groupOperations() {
  const client = admin()
  const topic = name('operated')
  const group = name('group-operated')
  let member = null
  try {
    await call(client, 'createTopic', { topic, num_partitions: 1, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 1)
    member = await groupConsumer(group, topic)
    await until('the member assigned', async () => {
      await call(member, 'consume', 1)
      return member.assignments().length === 1
    }, 30000, 0)
    const described = await call(client, 'describeGroups', [group],
      { timeout: 5000, includeAuthorizedOperations: true })
    // Without an authorizer a broker grants every operation a group supports.
    described.groups.forEach(g => out(`${g.groupId} state ${stateName(g.state)}`
      + ` authorized operations ${operationNames(g.authorizedOperations)}`))
  } finally {
    if (member) {
      await call(member, 'disconnect')
    }
    client.disconnect()
  }
}

/** A fixed time well in the past (any broker accepts it), so timestamps in the output are the scenario's own. */
const BASE_TIMESTAMP = 1700000000000

/**
 * ListOffsets: earliest, latest, the first offset at or after a timestamp, the record with the largest timestamp,
 * under read_uncommitted and read_committed while a transaction is open and after it commits; an unknown
 * partition fails.
 */
async function listOffsets() {
  const client = admin()
  const topic = name('listed')
  try {
    await call(client, 'createTopic', { topic, num_partitions: 1, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 1)
    const writer = await producer({ 'linger.ms': 0 })
    // Out of time order on purpose: the largest timestamp is not the last record.
    for (const delta of [0, 10000, 5000]) {
      await writer.produce(topic, 0, Buffer.from(`at ${delta}`), null, BASE_TIMESTAMP + delta)
    }
    await writer.disconnect()

    const list = async (spec, isolationLevel = IsolationLevel.READ_UNCOMMITTED) => {
      const [result] = await call(client, 'listOffsets', [{ topic, partition: 0, offset: spec }],
        { timeout: 5000, isolationLevel })
      if (result.error) {
        return `error ${result.error.code}`
      }
      const positional = spec === OffsetSpec.EARLIEST || spec === OffsetSpec.LATEST
      const timestamp = positional ? '' : ` timestamp ${result.timestamp}`
      return `offset ${result.offset}${timestamp}`
    }
    const at = delta => new OffsetSpec(BASE_TIMESTAMP + delta)
    out(`earliest ${await list(OffsetSpec.EARLIEST)}`)
    out(`latest ${await list(OffsetSpec.LATEST)}`)
    out(`max timestamp ${await list(OffsetSpec.MAX_TIMESTAMP)}`)
    out(`timestamp +0 ${await list(at(0))}`)
    out(`timestamp +4000 ${await list(at(4000))}`)
    out(`timestamp +5000 ${await list(at(5000))}`)
    out(`timestamp +10001 ${await list(at(10001))}`)

    const transactional = await producer({ 'linger.ms': 0, 'transactional.id': name('offsets-txn') })
    try {
      await call(transactional.client, 'initTransactions', 10000)
      await call(transactional.client, 'beginTransaction')
      await transactional.produce(topic, 0, Buffer.from('pending 1'), null, BASE_TIMESTAMP + 20000)
      await transactional.produce(topic, 0, Buffer.from('pending 2'), null, BASE_TIMESTAMP + 30000)
      out(`open latest uncommitted ${await list(OffsetSpec.LATEST)}`)
      out(`open latest committed ${await list(OffsetSpec.LATEST, IsolationLevel.READ_COMMITTED)}`)
      out(`open max timestamp uncommitted ${await list(OffsetSpec.MAX_TIMESTAMP)}`)
      out(`open max timestamp committed ${await list(OffsetSpec.MAX_TIMESTAMP, IsolationLevel.READ_COMMITTED)}`)
      out(`open timestamp +20000 uncommitted ${await list(at(20000))}`)
      out(`open timestamp +20000 committed ${await list(at(20000), IsolationLevel.READ_COMMITTED)}`)
      await call(transactional.client, 'commitTransaction', 10000)
    } finally {
      await transactional.disconnect()
    }
    // Kafka's coordinator writes the commit marker after EndTxn answers; the marker takes an offset of its own.
    await until('the commit marker written', async () =>
      await list(OffsetSpec.LATEST, IsolationLevel.READ_COMMITTED) === 'offset 6')
    out(`committed latest uncommitted ${await list(OffsetSpec.LATEST)}`)
    out(`committed latest committed ${await list(OffsetSpec.LATEST, IsolationLevel.READ_COMMITTED)}`)
    out(`committed timestamp +20000 committed ${await list(at(20000), IsolationLevel.READ_COMMITTED)}`)
    // The marker carries the coordinator's clock, later than every record here, so it holds the largest
    // timestamp; only its offset is the protocol's.
    const [max] = await call(client, 'listOffsets', [{ topic, partition: 0, offset: OffsetSpec.MAX_TIMESTAMP }],
      { timeout: 5000, isolationLevel: IsolationLevel.READ_COMMITTED })
    out(`committed max timestamp committed offset ${max.offset}`)

    const unknown = await outcome(call(client, 'listOffsets',
      [{ topic: name('missing'), partition: 0, offset: OffsetSpec.LATEST }], { timeout: 5000 }))
    out(`unknown topic ${unknown}`)
  } finally {
    client.disconnect()
  }
}

/**
 * DeleteRecords: moves a partition's start (the earliest offset, and where a consumer from the beginning starts);
 * -1 means the high watermark; an offset past it fails and changes nothing.
 */
async function deleteRecords() {
  const client = admin()
  const topic = name('trimmed')
  try {
    await call(client, 'createTopic', { topic, num_partitions: 1, replication_factor: 1 })
    await describeWhenKnown(client, [topic], 1)
    const writer = await producer({ 'linger.ms': 0 })
    for (let i = 0; i < 5; i++) {
      await writer.produce(topic, 0, Buffer.from(`v${i}`), null)
    }
    await writer.disconnect()
    const earliest = async () => {
      const [result] = await call(client, 'listOffsets', [{ topic, partition: 0, offset: OffsetSpec.EARLIEST }],
        { timeout: 5000 })
      return result.offset
    }
    const deleteBefore = async offset => {
      try {
        const results = await call(client, 'deleteRecords', [{ topic, partition: 0, offset }], { timeout: 5000 })
        return results.map(result => result.error ? `error ${result.error.code}`
          : `low watermark ${result.lowWatermark}`).join(' ')
      } catch (error) {
        return `error ${error.code}`
      }
    }
    out(`delete before 2 ${await deleteBefore(2)}`)
    out(`earliest ${await earliest()}`)

    const reader = logTo(new Kafka.KafkaConsumer(baseConfig({
      'group.id': name('trimmed-reader'), 'enable.auto.commit': false, 'auto.offset.reset': 'earliest',
    })), 'reader')
    await call(reader, 'connect', {})
    try {
      // -2 is librdkafka's RD_KAFKA_OFFSET_BEGINNING: the log start, wherever it is now.
      reader.assign([{ topic, partition: 0, offset: -2 }])
      const read = await consumeCount(reader, 3)
      out(`read from the beginning ${read.map(m => `${m.offset}:${text(m.value)}`).join(' ')}`)
    } finally {
      await call(reader, 'disconnect')
    }

    out(`delete before 1 ${await deleteBefore(1)}`)
    out(`delete before 6 ${await deleteBefore(6)}`)
    out(`earliest ${await earliest()}`)
    out(`delete before end ${await deleteBefore(-1)}`)
    out(`earliest ${await earliest()}`)
    const [missing] = await call(client, 'deleteRecords', [{ topic: name('missing'), partition: 0, offset: 1 }],
      { timeout: 5000 }).catch(error => [{ error }])
    out(`delete in unknown topic ${missing.error ? `error ${missing.error.code}` : 'ok'}`)
  } finally {
    client.disconnect()
  }
}

module.exports = {
  'create-topics': createTopics,
  'topic-configs': topicConfigs,
  'describe-topics': describeTopics,
  'delete-topics': deleteTopics,
  'create-partitions': createPartitions,
  groups,
  'group-operations': groupOperations,
  'list-offsets': listOffsets,
  'delete-records': deleteRecords,
}
