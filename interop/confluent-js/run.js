'use strict'
// Runs one scenario of Confluent's JavaScript client (librdkafka 2.15 inside) against one broker:
//
//   BOOTSTRAP=127.0.0.1:9092 NAME_PREFIX=run1- node run.js <area> <scenario> [args...]
//
// <area> is a module in scenarios/ (scenarios/<area>.js) exporting one async function per scenario. A scenario
// prints its observations with lib.out(), one fact per line, and throws on anything unexpected. The Java tests
// (broker-embedded/.../interop/Librdkafka*InteropTest) run each scenario against Tributary and against Apache Kafka
// 4.3.1 and compare the two outputs, then check Tributary's against what the scenario must show.
const path = require('path')
const lib = require('./lib')

const [area, scenario, ...args] = process.argv.slice(2)
if (!area || !scenario || !/^[a-z0-9-]+$/.test(area)) {
  process.stderr.write('usage: node run.js <area> <scenario> [args...]\n')
  process.exit(2)
}
const scenarios = require(path.join(__dirname, 'scenarios', area + '.js'))
if (typeof scenarios[scenario] !== 'function') {
  process.stderr.write(`no scenario '${scenario}' in scenarios/${area}.js (has: ${Object.keys(scenarios).join(', ')})\n`)
  process.exit(2)
}
lib.runMain(() => scenarios[scenario](...args))
