'use strict'
// Consumer groups through librdkafka's own API (Kafka.KafkaConsumer, the classic group protocol): partition
// assignment by the three assignors, rebalance callbacks and commits made from them, regex subscriptions, seek and
// pause, committed offsets and where a restarted member resumes.
//
// Members join one at a time, and each step waits for the state the next one needs (every member assigned, every
// record consumed), so the rebalances a scenario sees do not depend on timing (the one exception, an empty
// incremental assignment, is not printed). Member ids are random, and the range and sticky assignors order members
// by id, so which member gets which partitions is not printed: only what each member saw in order (how many
// partitions each callback carried) and the set of final assignments.
//
// GROUPS_DEBUG=cgrp,protocol in the environment logs librdkafka's group protocol (requests and their order) to
// stderr.
const { Kafka, name, prefix, out, call, until, admin, producer, baseConfig, logTo } = require('../lib')

/** librdkafka's rebalance event codes (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, __REVOKE_PARTITIONS). */
const ASSIGN = -175
const REVOKE = -174

/** Creates topics ({topic: partitions}, names from name()) and waits until the broker lists them all. */
async function createTopics(topics) {
  const client = admin()
  try {
    for (const [topic, partitions] of Object.entries(topics)) {
      await call(client, 'createTopic', { topic, num_partitions: partitions, replication_factor: 1 })
    }
    // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
    await until(`topics ${Object.keys(topics).join(', ')} listed`, async () => {
      const listed = new Set(await call(client, 'listTopics', { timeout: 10000 }))
      return Object.keys(topics).every(topic => listed.has(topic))
    })
  } finally {
    client.disconnect()
  }
}

/** Produces `count` records to each partition, values "p<partition>-<n>" numbered from `from`. */
async function produceEach(topic, partitions, count, from = 0) {
  const client = await producer()
  try {
    for (let partition = 0; partition < partitions; partition++) {
      for (let n = from; n < from + count; n++) {
        await client.produce(topic, partition, Buffer.from(`p${partition}-${n}`), null)
      }
    }
  } finally {
    await client.disconnect()
  }
}

const key = tp => `${tp.topic}/${tp.partition}`
const partitionList = tps => tps.map(tp => tp.partition).sort((a, b) => a - b).join(',') || '-'

/**
 * A group member: a KafkaConsumer whose rebalance callback records each event and then takes or gives up the
 * partitions (incrementally under the cooperative protocol). What it does with revoked partitions first is
 * `revoke`:
 *
 * - 'commit' (default): commits the offsets after the records it read from them since they were assigned
 *   (commitSync), as an application that does not want records read twice, then gives them up;
 * - 'keep': gives them up without committing;
 * - 'commit-after-leave': gives them up, waits until the broker no longer lists the member in the group (the
 *   LeaveGroup librdkafka sends once the partitions are given up while unsubscribing has been served), and only then
 *   commits those offsets;
 * - 'commit-after-delete': as 'commit-after-leave', but deletes the (then empty) group before committing.
 */
class Member {
  constructor(index, group, extra = {}, revoke = 'commit') {
    this.index = index
    this.group = group
    this.revoke = revoke
    this.events = []
    this.owned = new Map()
    this.records = []
    // Per partition read since it was assigned: the offset after the last record read, what a commit would store.
    this.next = new Map()
    this.pending = Promise.resolve()
    // Not rebalanceProtocol(): the binding answers NONE once the consumer is closing.
    this.cooperative = String(extra['partition.assignment.strategy']).startsWith('cooperative')
    const member = this
    this.client = logTo(new Kafka.KafkaConsumer(baseConfig({
      'group.id': group,
      // Tells the members apart in DescribeGroups.
      'client.id': `member-${index}`,
      'enable.auto.commit': false,
      'auto.offset.reset': 'earliest',
      'session.timeout.ms': 6000,
      // A member learns of another member's join from its heartbeat's REBALANCE_IN_PROGRESS.
      'heartbeat.interval.ms': 300,
      // For a human chasing a failure (see the top of this file).
      ...(process.env.GROUPS_DEBUG ? { debug: process.env.GROUPS_DEBUG, 'log_level': 7 } : {}),
      ...extra,
      rebalance_cb(error, partitions) {
        member.onRebalance(error.code, partitions)
      },
    })), `member ${index}`)
    this.client.setDefaultConsumeTimeout(100)
  }

  onRebalance(code, partitions) {
    if (code === ASSIGN) {
      // Not printed: the empty incremental assignment of a generation that only revokes. A member misses it when
      // its SyncGroup arrives after another member rejoined (the next rebalance began), which timing decides.
      if (!this.cooperative || partitions.length > 0) {
        this.events.push(`assign ${partitions.length}`)
      }
      partitions.forEach(tp => {
        this.owned.set(key(tp), tp)
        this.next.delete(key(tp))
      })
      this.apply(() => this.cooperative ? this.client.incrementalAssign(partitions) : this.client.assign(partitions))
    } else if (code === REVOKE) {
      partitions.forEach(tp => this.owned.delete(key(tp)))
      if (this.revoke === 'commit') {
        this.events.push(`revoke ${partitions.length} ${this.commit(this.readUpTo(partitions))}`)
        this.giveUp(partitions)
      } else if (this.revoke === 'keep') {
        this.events.push(`revoke ${partitions.length}`)
        this.giveUp(partitions)
      } else {
        const offsets = this.readUpTo(partitions)
        this.giveUp(partitions)
        const deleting = this.revoke === 'commit-after-delete'
        this.pending = this.afterLeaving(deleting).then(() => {
          this.events.push(`revoke ${partitions.length} after ${deleting ? 'deletion' : 'leaving'} `
            + this.commit(offsets))
        })
      }
    } else {
      this.events.push(`rebalance error ${code}`)
    }
  }

  giveUp(partitions) {
    this.apply(() => this.cooperative ? this.client.incrementalUnassign(partitions) : this.client.unassign())
  }

  /**
   * Runs an (un)assign call; the binding throws from some while the consumer closes (incrementalAssign, say), and
   * an exception escaping a rebalance callback would end the process.
   */
  apply(action) {
    try {
      action()
    } catch (error) {
      this.events.push(`refused ${error.code !== undefined ? error.code : error.message}`)
    }
  }

  /** The offsets to commit for those of `partitions` a record was read from since they were assigned. */
  readUpTo(partitions) {
    return partitions.filter(tp => this.next.has(key(tp)))
      .map(tp => ({ topic: tp.topic, partition: tp.partition, offset: this.next.get(key(tp)) }))
  }

  /** Commits offsets (commitSync); returns "commit <n> <error code>", or "commit none" when there is nothing. */
  commit(offsets) {
    if (offsets.length === 0) {
      return 'commit none'
    }
    try {
      this.client.commitSync(offsets)
      return `commit ${offsets.length} 0`
    } catch (error) {
      // A librdkafka error has a code; the binding's own refusals are plain errors with a message.
      return `commit ${offsets.length} ${error.code !== undefined ? error.code : `'${error.message}'`}`
    }
  }

  /** Resolves once DescribeGroups no longer lists this member in the group, and the group is deleted if asked. */
  async afterLeaving(deleteGroup) {
    const client = admin()
    try {
      await until('the member to have left', async () => {
        const described = await call(client, 'describeGroups', [this.group], { timeout: 10000 })
        return described.groups[0].members.every(m => m.clientId !== `member-${this.index}`)
      })
      if (deleteGroup) {
        const [deleted] = await call(client, 'deleteGroups', [this.group], { timeout: 10000 })
        this.events.push(`group deleted ${deleted.errorCode}`)
      }
    } finally {
      client.disconnect()
    }
  }

  async join(topics) {
    await call(this.client, 'connect', {})
    this.client.subscribe(topics)
  }

  /** One consume call (up to 100 records or 100 ms); serves the rebalance callbacks too. */
  async poll() {
    const records = await call(this.client, 'consume', 100)
    this.records.push(...records)
    records.forEach(record => this.next.set(key(record), record.offset + 1))
    return records
  }

  ownedPartitions() {
    return [...this.owned.values()]
  }

  async close() {
    await call(this.client, 'disconnect')
  }
}

/** Polls every member in turn until check() holds. */
async function pollUntil(members, what, check, timeoutMs = 60000) {
  await until(what, async () => {
    for (const member of members) {
      await member.poll()
    }
    return check()
  }, timeoutMs, 0)
}

/** Every member owns at least one partition and together they own each of `partitions` exactly once. */
function balanced(members, partitions) {
  const owned = members.map(m => m.owned.size)
  return owned.every(n => n > 0) && owned.reduce((a, b) => a + b, 0) === partitions
    && new Set(members.flatMap(m => [...m.owned.keys()])).size === partitions
}

/**
 * `members` members with `partition.assignment.strategy` = `strategy` share a topic of `partitions` partitions.
 * Two records per partition are written before the first member joins, which reads them all alone; the others
 * join one by one (the revocation callbacks commit what was read, so nobody reads those records again); two more
 * records per partition are written once every member holds partitions. Prints each member's callbacks, the final
 * assignments, who read how much, that no record was read twice, and the committed offsets after every member
 * committed what it read.
 */
async function assignment(strategy, membersArg = '2', partitionsArg = '4') {
  const count = Number(membersArg)
  const partitions = Number(partitionsArg)
  const topic = name('assigned')
  await createTopics({ [topic]: partitions })
  await produceEach(topic, partitions, 2)
  const group = name(`assign-${strategy}`)
  const members = []
  try {
    for (let index = 0; index < count; index++) {
      const member = new Member(index, group, { 'partition.assignment.strategy': strategy })
      members.push(member)
      await member.join([topic])
      if (index === 0) {
        await pollUntil(members, 'the first member to read every record',
          () => member.records.length === 2 * partitions)
      }
      await pollUntil(members, `${members.length} member(s) to share the partitions`,
        () => balanced(members, partitions))
    }
    await produceEach(topic, partitions, 2, 2)
    const total = () => members.reduce((sum, m) => sum + m.records.length, 0)
    await pollUntil(members, 'every record read', () => total() >= 4 * partitions)
    for (const member of members) {
      out(`member ${member.index} callbacks ${member.events.join(', ')}`)
    }
    const assignments = members.map(m => partitionList(m.ownedPartitions()))
    out(`assignments ${assignments.sort().join(' ')}`)
    for (const member of members) {
      out(`member ${member.index} read ${member.records.length}`)
    }
    const read = members.flatMap(m => m.records.map(r => `${r.partition}@${r.offset}`))
    out(`records read ${read.length}, distinct ${new Set(read).size}`)
    for (const member of members) {
      member.client.commitSync(member.readUpTo(member.ownedPartitions()))
    }
    const all = [...Array(partitions).keys()].map(partition => ({ topic, partition }))
    const committed = await call(members[0].client, 'committed', all, 10000)
    out(`committed ${committed.map(tp => `${tp.partition}:${offsetText(tp.offset)}`).join(' ')}`)
  } finally {
    for (const member of members.reverse()) {
      await member.close()
    }
  }
}

/** Escapes a name for use inside a regular expression. */
const literal = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A member subscribed to the pattern ^<prefix>rx-.* (librdkafka treats a subscription starting with ^ as a
 * regex) is assigned the matching topic rx-a and not other-rx; a topic rx-b created afterwards is picked up at the
 * next metadata refresh, and its first record read.
 */
async function regex() {
  const group = name('regex')
  await createTopics({ [name('rx-a')]: 2, [name('other-rx')]: 1 })
  await produceEach(name('rx-a'), 2, 1)
  await produceEach(name('other-rx'), 1, 1)
  const member = new Member(0, group, { 'topic.metadata.refresh.interval.ms': 500 })
  try {
    await member.join([`^${literal(prefix)}rx-.*`])
    await pollUntil([member], 'the records of rx-a', () => member.records.length === 2)
    out(`assigned ${member.ownedPartitions().map(key).sort().join(' ')}`)
    await createTopics({ [name('rx-b')]: 1 })
    await produceEach(name('rx-b'), 1, 1)
    await pollUntil([member], 'the record of rx-b', () => member.records.length === 3)
    out(`assigned ${member.ownedPartitions().map(key).sort().join(' ')}`)
    out(`callbacks ${member.events.join(', ')}`)
    // librdkafka interleaves partitions in no fixed order.
    member.records.map(r => `read ${r.topic}/${r.partition}@${r.offset} ${r.value}`).sort().forEach(line => out(line))
  } finally {
    await member.close()
  }
}

/** An offset as committed() reports it: none when nothing is committed (no offset field, or -1001). */
const offsetText = offset => (Number.isInteger(offset) && offset >= 0 ? String(offset) : 'none')

/** The committed offsets of `group` for `partitions` ([{topic, partition}]), asked by a consumer outside the group. */
async function committedOffsets(group, partitions) {
  const client = logTo(new Kafka.KafkaConsumer(baseConfig({ 'group.id': group })), 'reader')
  await call(client, 'connect', {})
  try {
    const committed = await call(client, 'committed', partitions, 10000)
    return committed.map(tp => `${tp.partition}:${offsetText(tp.offset)}${tp.metadata ? ` '${tp.metadata}'` : ''}`)
      .join(' ')
  } finally {
    await call(client, 'disconnect')
  }
}

/**
 * A member that read every record of a two-partition topic commits what it read from its revocation callback
 * while it leaves the group, in four ways, each with a group of its own:
 *
 * - close: disconnect() revokes the partitions from inside rd_kafka_consumer_close(); the binding refuses
 *   commitSync() there ("KafkaConsumer is disconnected": it treats a closing consumer as disconnected), so no
 *   commit reaches a broker;
 * - unsubscribe: unsubscribe() revokes them first and librdkafka sends LeaveGroup only after the callback gave
 *   them up and the commits it made are answered: the commit is accepted;
 * - after-leave: the callback gives the partitions up, waits until the broker shows the member gone (its
 *   LeaveGroup was served), then commits: the commit carries the generation the member had and no member id
 *   (librdkafka forgets its member id when it leaves), and is refused with UNKNOWN_MEMBER_ID (25);
 * - after-delete: as after-leave, but the empty group is deleted (DeleteGroups) before the commit, which then names
 *   a generation of a group that does not exist: OffsetCommit v9 (librdkafka's) answers GROUP_ID_NOT_FOUND (69),
 *   older versions ILLEGAL_GENERATION.
 *
 * Prints the callbacks and the offsets committed afterwards.
 */
async function closeCommit() {
  const topic = name('closing')
  await createTopics({ [topic]: 2 })
  await produceEach(topic, 2, 2)
  const partitions = [0, 1].map(partition => ({ topic, partition }))
  for (const way of ['close', 'unsubscribe', 'after-leave', 'after-delete']) {
    const group = name(`closing-${way}`)
    const member = new Member(0, group, {}, way.startsWith('after') ? `commit-${way}` : 'commit')
    await member.join([topic])
    await pollUntil([member], 'every record read', () => member.records.length === 4)
    if (way !== 'close') {
      member.client.unsubscribe()
      await pollUntil([member], 'the partitions given up', () => member.owned.size === 0)
      await member.pending
    }
    await member.close()
    out(`${way}: callbacks ${member.events.join(', ')}`)
    out(`${way}: committed ${await committedOffsets(group, partitions)}`)
  }
}

/**
 * One member of a three-partition topic reads every record, then seeks partition 0 to offset 1 and partition 1 to
 * the beginning and reads those records again; pauses partition 2 and reads the new records of partitions 0 and 1
 * only, then resumes it and reads its new records. Prints what each step read, by partition@offset.
 */
async function seekPause() {
  const topic = name('seeking')
  await createTopics({ [topic]: 3 })
  await produceEach(topic, 3, 3)
  const member = new Member(0, name('seeking'))
  const read = records => records.map(r => `${r.partition}@${r.offset}`).sort().join(' ')
  try {
    await member.join([topic])
    await pollUntil([member], 'every record read', () => member.records.length === 9)
    out(`read ${read(member.records)}`)
    member.records = []
    await call(member.client, 'seek', { topic, partition: 0, offset: 1 }, 10000)
    // -2 is RD_KAFKA_OFFSET_BEGINNING.
    await call(member.client, 'seek', { topic, partition: 1, offset: -2 }, 10000)
    await pollUntil([member], 'the records after the seek positions', () => member.records.length === 5)
    out(`after seeking: ${read(member.records)}`)
    member.records = []
    member.client.pause([{ topic, partition: 2 }])
    // Partition 2's records are written first: had the pause not held, they would come before the others'.
    await produceEach(topic, 3, 2, 3)
    await pollUntil([member], 'the new records of partitions 0 and 1',
      () => member.records.filter(r => r.partition !== 2).length === 4)
    out(`while partition 2 is paused: ${read(member.records)}`)
    member.records = []
    member.client.resume([{ topic, partition: 2 }])
    await pollUntil([member], 'the new records of partition 2', () => member.records.length === 2)
    out(`after resuming: ${read(member.records)}`)
    const positions = member.client.position([0, 1, 2].map(partition => ({ topic, partition })))
    out(`positions ${positions.map(tp => `${tp.partition}:${tp.offset}`).join(' ')}`)
  } finally {
    await member.close()
  }
}

/**
 * Committed offsets read back and resumed from: a member reads all six records of a partition but commits offset
 * 3 with metadata (commitSync) and leaves without committing more; committed() shows offset and metadata. A
 * restarted member (same group) resumes at offset 3, with enable.auto.commit and an interval too long to fire, so
 * only its close commits what it read: the offsets committed afterwards are 6.
 */
async function resume() {
  const topic = name('resumed')
  const group = name('resumed')
  await createTopics({ [topic]: 1 })
  await produceEach(topic, 1, 6)
  const partition = [{ topic, partition: 0 }]
  const first = new Member(0, group, {}, 'keep')
  try {
    await first.join([topic])
    await pollUntil([first], 'every record read', () => first.records.length === 6)
    first.client.commitSync([{ topic, partition: 0, offset: 3, metadata: 'checkpoint' }])
    const committed = await call(first.client, 'committed', partition, 10000)
    out(`first member committed ${committed.map(tp => `${tp.partition}:${tp.offset} '${tp.metadata}'`).join(' ')}`)
  } finally {
    await first.close()
  }
  const restarted = new Member(1, group, { 'enable.auto.commit': true, 'auto.commit.interval.ms': 600000 }, 'keep')
  try {
    await restarted.join([topic])
    await pollUntil([restarted], 'the records after the committed offset', () => restarted.records.length === 3)
    out(`restarted member read ${restarted.records.map(r => `${r.partition}@${r.offset} ${r.value}`).join(', ')}`)
  } finally {
    await restarted.close()
  }
  out(`committed after close ${await committedOffsets(group, partition)}`)
}

module.exports = {
  range: (...args) => assignment('range', ...args),
  roundrobin: (...args) => assignment('roundrobin', ...args),
  'cooperative-sticky': (...args) => assignment('cooperative-sticky', ...args),
  regex,
  'close-commit': closeCommit,
  'seek-pause': seekPause,
  resume,
}
