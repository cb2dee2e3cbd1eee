'use strict'
// Metadata as librdkafka 2.15 asks for it: for all topics (the request Tributary once answered by closing the
// connection, since librdkafka sends three bytes past the body), for chosen topics, and periodically in the
// background.
const { name, out, call, sleep, until, admin, logTo, Kafka, baseConfig } = require('../lib')

/** Creates two topics, then lists every topic (Metadata for all topics) and prints ours with their partitions. */
async function listTopics() {
  const client = admin()
  try {
    await call(client, 'createTopic', { topic: name('listed-a'), num_partitions: 2, replication_factor: 1 })
    await call(client, 'createTopic', { topic: name('listed-b'), num_partitions: 1, replication_factor: 1 })
    // Kafka's brokers learn of a new topic from the controller a moment after CreateTopics answers.
    const topics = await until('both topics listed', async () => {
      const listed = (await call(client, 'listTopics', { timeout: 10000 })).filter(t => t.startsWith(name('listed-')))
      return listed.length === 2 ? listed : null
    })
    topics.sort().forEach(topic => out(`topic ${topic}`))
  } finally {
    client.disconnect()
  }
}

/**
 * A producer whose metadata refresh (for all topics, every 200 ms) runs for three seconds: librdkafka reports
 * every connection the broker drops as an error event, so a broker that refuses the request shows here.
 */
async function periodicRefresh() {
  const producer = logTo(new Kafka.Producer(baseConfig({
    'topic.metadata.refresh.interval.ms': 200,
    'metadata.max.age.ms': 600,
  })), 'producer')
  const errors = []
  producer.on('event.error', error => errors.push(error.code))
  await call(producer, 'connect', { allTopics: true })
  await sleep(3000)
  const metadata = await call(producer, 'getMetadata', { allTopics: true, timeout: 10000 })
  out(`brokers ${metadata.brokers.length}`)
  out(`errors ${errors.length === 0 ? 'none' : errors.join(',')}`)
  await call(producer, 'disconnect')
}

module.exports = { 'list-topics': listTopics, 'periodic-refresh': periodicRefresh }
