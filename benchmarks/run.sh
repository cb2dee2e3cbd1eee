#!/usr/bin/env bash
# Tributary vs Apache Kafka, side by side, in ONE interleaved run on this machine (loopback only).
#
#   benchmarks/run.sh                          # everything, defaults below
#   RUNS=1 RECORDS=200000 benchmarks/run.sh    # a quick smoke run
#
# Each round starts both brokers from empty data dirs, then, target after target (the order alternates
# between rounds so neither always goes first):
#   startup    launch -> first record consumed (probe started beforehand; Kafka's storage format not counted)
#   rss        VmRSS when idle (after startup + SETTLE_S), VmRSS and VmHWM (peak) after the load tests
#   TESTS      Kafka's stock perf tools (ProducerPerformance, ConsumerPerformance, EndToEndLatency) and a
#              group-less consumer of ours, one after the other for each target; the broker's CPU time
#              (utime+stime from /proc/<pid>/stat) is sampled around every test
#   group      (tests group_*) consumer-group rebalance times of GROUP_MEMBERS members over GROUP_PARTITIONS
#              partitions (benchmarks/probe/GroupRebalance, classic protocol, range and cooperative-sticky), and
#              ConsumerPerformance with --group over GROUP_PARTITIONS partitions
#   restart    RESTART_RECORDS more records written, broker killed with SIGKILL, relaunched on the same
#              data -> first record consumed; also checks how many records survived
#   txn        (tests txn_*, opt-in: CASES=txn) one transactional producer committing every 100 and every 1000
#              records, and the end-to-end latency of one-record transactions through a read_committed consumer
#              (benchmarks/probe/TransactionalProduce)
# then stops both. The report (median, min..max over the rounds, ratio Tributary/Kafka and which is better)
# goes to stdout and to $RESULTS_FILE.
#
# Settings (environment):
#   RUNS=3                 rounds (median over rounds; min/max shown)
#   RECORDS=2000000        records per 100 B producer/consumer test
#   RECORDS_1KIB=RECORDS/4 records per 1 KiB producer/consumer test
#   E2E_RECORDS=10000      round trips of the end-to-end latency test
#   RESTART_RECORDS=3000000  100 B records written just before the kill -9 (on top of the tests' records)
#   WARMUP_RECORDS=500000  unmeasured 100 B acks=1 records per target and round before the tests (0: none)
#   PARTITIONS=6           partitions of the throughput topics (the latency topic has 1)
#   CASES="throughput group restart"  what runs after startup and the idle RSS sample (always measured):
#            throughput = the nine tests below, group = the three group_* tests, restart = the kill -9 phase,
#            txn = the three txn_* tests (not in the default list: CASES=txn, or add it to the list);
#            e.g. CASES=group for the consumer-group case alone (~2-3 min per round at the defaults)
#   TESTS=(the tests of CASES)  explicit list of tests, overrides what CASES selects (restart still follows CASES):
#          produce_100B_acks1 produce_100B_acksall produce_1KiB_acks1 produce_1KiB_acksall consume_100B
#          consume_1KiB consume_100B_assign consume_1KiB_assign e2e_100B_acks1
#          group_rebalance_range group_rebalance_coop group_consume_100B
#          txn_produce_100B_100 txn_produce_100B_1000 txn_e2e_100B
#            consume_* read the topic of the matching produce_*_acks1 test (written first if it is not in TESTS);
#            consume_*_assign use benchmarks/probe/AssignedConsumer (no consumer group) instead of the stock tool;
#            group_consume_100B reads RECORDS 100 B records from a GROUP_PARTITIONS topic with ConsumerPerformance
#            (--group), group_rebalance_* run benchmarks/probe/GroupRebalance with the range / cooperative-sticky
#            assignor on an empty GROUP_PARTITIONS topic; txn_produce_100B_<N> commit every N records (one
#            transactional producer, PARTITIONS partitions), txn_e2e_100B is one record per transaction, read_committed
#   GROUP_MEMBERS=4 GROUP_PARTITIONS=12  members of the rebalance probe's group (N), partitions of the group
#                          tests' topics (M >= N)
#   GROUP_CYCLES=3         leave + join cycles per probe run (the round's figure is the median over them)
#   GROUP_HEARTBEAT_MS=500 the members' heartbeat.interval.ms (client default 3000): the members still polling
#                          learn of a rebalance from a heartbeat, so this bounds the wait the broker has no part in
#   GROUP_POLL_MS=100      the members' poll() timeout;  GROUP_SETTLE_MS=1000  quiet time checked after each settle
#   GROUP_TIMEOUT_S=60     longest wait for one settle;  GROUP_CLIENT_PROPS  extra consumer properties of the
#                          rebalance probe, "name=value name=value" (same for both brokers)
#   TXN_RECORDS=300000     records of txn_produce_100B_100 (100 records per transaction)
#   TXN_RECORDS_1000=TXN_RECORDS*4  records of txn_produce_100B_1000 (1000 records per transaction)
#   TXN_E2E_RECORDS=1000   measured round trips of txn_e2e_100B (one transaction each), after TXN_E2E_WARMUP=100
#                          unmeasured ones
#   TXN_WARMUP_RECORDS=20000  unmeasured transactional records (100 per transaction) per target and round before
#                          the txn tests, after the acks=1 warm-up (0: none); on Kafka this also creates
#                          __transaction_state, which the first transactional producer otherwise waits for
#   TXN_PRODUCER_PROPS     extra producer properties of the txn tests, "name=value name=value" (consumer.name=value:
#                          for the read_committed consumer of txn_e2e_100B)
#   TARGETS="kafka tributary"  which brokers (ratios need both)
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 TRIBUTARY_PORT=19192   (127.0.0.1 only; must be free, and
#                          should lie below the ephemeral range, /proc/sys/net/ipv4/ip_local_port_range: a port in
#                          it can be taken as the source port of any outgoing connection, even a self-connect of
#                          the probe, and a broker relaunched after kill -9 then fails to bind)
#   TRIBUTARY_LAUNCH=launcher  how our broker starts: "launcher" = bin/tributary-broker as shipped (AppCDS,
#                          serial GC, -Xms32m -Xmx512m; one unmeasured first start writes the archive), "jar" =
#                          java -jar with the same BROKER_HEAP and JVM_PERF_FLAGS as Kafka
#   BROKER_HEAP="-Xmx1G -Xms1G"  JVM_PERF_FLAGS=(Kafka's G1 flags)  TOOL_HEAP="-Xmx512M"  -- Kafka as its
#                          kafka-server-start.sh runs it; ours too with TRIBUTARY_LAUNCH=jar
#   KAFKA_JVM_OPTS / TRIBUTARY_JVM_OPTS   extra JVM flags for one broker only (e.g. JFR)
#   KAFKA_PROPS / TRIBUTARY_PROPS          extra broker properties, "name=value;name=value"
#   PRODUCER_PROPS         extra producer properties for ProducerPerformance, "name=value name=value"
#   TEST_TIMEOUT_S=600 START_TIMEOUT_S=120 STOP_TIMEOUT_S=60   bounded waits (a hung test is killed and
#                          reported, with a thread dump of the broker in the raw folder)
#   PAUSE_S=2 SETTLE_S=5   pause before every test; settle time before the idle RSS sample
#   RESULTS_FILE=benchmarks/results/<date>-<time>.txt    WORK=$BENCH_DIR/runs/<date>-<time> (data, logs, raw)
#   KEEP_DATA=0            1 keeps the brokers' data dirs of the last round
#   JAVA_HOME, BENCH_DIR, KAFKA_VERSION, TRIBUTARY_JAR: see lib.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUNS="${RUNS:-3}"
RECORDS="${RECORDS:-2000000}"
RECORDS_1KIB="${RECORDS_1KIB:-$((RECORDS / 4))}"
E2E_RECORDS="${E2E_RECORDS:-10000}"
RESTART_RECORDS="${RESTART_RECORDS:-3000000}"
WARMUP_RECORDS="${WARMUP_RECORDS:-500000}"
PARTITIONS="${PARTITIONS:-6}"
CASES="${CASES:-throughput group restart}"
THROUGHPUT_TESTS="produce_100B_acks1 produce_100B_acksall produce_1KiB_acks1 produce_1KiB_acksall consume_100B consume_1KiB consume_100B_assign consume_1KiB_assign e2e_100B_acks1"
GROUP_TESTS="group_rebalance_range group_rebalance_coop group_consume_100B"
TXN_TESTS="txn_produce_100B_100 txn_produce_100B_1000 txn_e2e_100B"
CASE_TESTS=""; RESTART_PHASE=0
for c in $CASES; do
  case "$c" in
    throughput) CASE_TESTS="$CASE_TESTS $THROUGHPUT_TESTS" ;;
    group) CASE_TESTS="$CASE_TESTS $GROUP_TESTS" ;;
    restart) RESTART_PHASE=1 ;;
    txn) CASE_TESTS="$CASE_TESTS $TXN_TESTS" ;;
    *) fail "unknown case '$c' (throughput, group, restart, txn)" ;;
  esac
done
TESTS="${TESTS:-${CASE_TESTS# }}"
GROUP_MEMBERS="${GROUP_MEMBERS:-4}"
GROUP_PARTITIONS="${GROUP_PARTITIONS:-12}"
GROUP_CYCLES="${GROUP_CYCLES:-5}"
GROUP_HEARTBEAT_MS="${GROUP_HEARTBEAT_MS:-100}"
GROUP_POLL_MS="${GROUP_POLL_MS:-100}"
GROUP_SETTLE_MS="${GROUP_SETTLE_MS:-500}"
GROUP_TIMEOUT_S="${GROUP_TIMEOUT_S:-60}"
TXN_RECORDS="${TXN_RECORDS:-300000}"
TXN_RECORDS_1000="${TXN_RECORDS_1000:-$((TXN_RECORDS * 4))}"
TXN_E2E_RECORDS="${TXN_E2E_RECORDS:-1000}"
TXN_E2E_WARMUP="${TXN_E2E_WARMUP:-100}"
TXN_WARMUP_RECORDS="${TXN_WARMUP_RECORDS:-20000}"
TARGETS="${TARGETS:-kafka tributary}"
TRIBUTARY_LAUNCH="${TRIBUTARY_LAUNCH:-launcher}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
TRIBUTARY_PORT="${TRIBUTARY_PORT:-19192}"
TEST_TIMEOUT_S="${TEST_TIMEOUT_S:-600}"
START_TIMEOUT_S="${START_TIMEOUT_S:-120}"
STOP_TIMEOUT_S="${STOP_TIMEOUT_S:-60}"
PAUSE_S="${PAUSE_S:-2}"
SETTLE_S="${SETTLE_S:-5}"
KEEP_DATA="${KEEP_DATA:-0}"
RUN_ID="$(date +%Y%m%d-%H%M%S)"
WORK="${WORK:-$BENCH_DIR/runs/$RUN_ID}"
RESULTS_FILE="${RESULTS_FILE:-$BENCH_SCRIPTS/results/$RUN_ID.txt}"
MARK="-Dtributary.bench.run=$RUN_ID" # on every JVM we launch: cleanup only signals pids that still carry it

for v in RUNS RECORDS RECORDS_1KIB E2E_RECORDS RESTART_RECORDS WARMUP_RECORDS PARTITIONS TEST_TIMEOUT_S \
    GROUP_MEMBERS GROUP_PARTITIONS GROUP_CYCLES GROUP_HEARTBEAT_MS GROUP_POLL_MS GROUP_SETTLE_MS GROUP_TIMEOUT_S \
    TXN_RECORDS TXN_RECORDS_1000 TXN_E2E_RECORDS TXN_E2E_WARMUP TXN_WARMUP_RECORDS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || fail "$v must be a number, not '${!v}'"
done
[ "$RUNS" -ge 1 ] || fail "RUNS must be >= 1"
[ "$TXN_RECORDS" -ge 1 ] && [ "$TXN_RECORDS_1000" -ge 1 ] && [ "$TXN_E2E_RECORDS" -ge 1 ] \
  || fail "TXN_RECORDS, TXN_RECORDS_1000 and TXN_E2E_RECORDS must be >= 1"
[ "$GROUP_MEMBERS" -ge 2 ] && [ "$GROUP_PARTITIONS" -ge "$GROUP_MEMBERS" ] && [ "$GROUP_CYCLES" -ge 1 ] \
  || fail "need GROUP_MEMBERS >= 2, GROUP_PARTITIONS >= GROUP_MEMBERS and GROUP_CYCLES >= 1"
for t in $TARGETS; do case "$t" in kafka|tributary) ;; *) fail "unknown target '$t' (kafka, tributary)" ;; esac; done
for t in $TESTS; do
  case "$t" in
    produce_100B_acks1|produce_100B_acksall|produce_1KiB_acks1|produce_1KiB_acksall|consume_100B|consume_1KiB|\
    consume_100B_assign|consume_1KiB_assign|e2e_100B_acks1|group_rebalance_range|group_rebalance_coop|group_consume_100B|\
    txn_produce_100B_100|txn_produce_100B_1000|txn_e2e_100B) ;;
    *) fail "unknown test '$t'" ;;
  esac
done

"$BENCH_SCRIPTS/setup.sh"
for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$TRIBUTARY_PORT"; do
  port_busy "$p" && fail "port 127.0.0.1:$p is already in use (set KAFKA_PORT / KAFKA_CONTROLLER_PORT / TRIBUTARY_PORT)"
  warn_if_ephemeral "$p"
done
mkdir -p "$WORK/raw" "$(dirname "$RESULTS_FILE")"
RUNS_LOG="$WORK/runs.txt"
: > "$RUNS_LOG"

# ---- process bookkeeping: everything we start is stopped on exit ----------------------------------------
declare -A PID=()        # target -> broker pid
cleanup() {
  trap - EXIT INT TERM
  stop_started
  if [ "$KEEP_DATA" != 1 ]; then rm -rf "$WORK"/kafka/data "$WORK"/tributary/data; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM


# ---- brokers ---------------------------------------------------------------------------------------------
port_of() { [ "$1" = kafka ] && echo "$KAFKA_PORT" || echo "$TRIBUTARY_PORT"; }
bootstrap_of() { echo "127.0.0.1:$(port_of "$1")"; }

# Fresh config + empty data dir. Kafka also needs its KRaft storage formatted (a separate JVM, timed apart).
prepare_broker() {
  local t="$1" dir="$WORK/$1" t0
  rm -rf "$dir/data"; mkdir -p "$dir/data" "$dir/logs"
  if [ "$t" = kafka ]; then
    cat > "$dir/server.properties" <<EOF
# Apache Kafka, KRaft, one node acting as broker and controller, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=1073741824
log.retention.hours=168
EOF
    [ -n "${KAFKA_PROPS:-}" ] && printf '%s\n' "$KAFKA_PROPS" | tr ';' '\n' >> "$dir/server.properties"
    t0="$(epoch_ms)"
    kafka_tool kafka.tools.StorageTool format --config "$dir/server.properties" \
      --cluster-id "$(random_cluster_id)" > "$dir/logs/format.log" 2>&1 \
      || fail "Kafka storage format failed: $(tail -5 "$dir/logs/format.log")"
    echo "run round=$ROUND target=kafka test=format status=ok format_ms=$(( $(epoch_ms) - t0 ))" >> "$RUNS_LOG"
  else
    cat > "$dir/broker.properties" <<EOF
# Tributary, same settings as the Kafka node where they apply.
node.id=1
listeners=PLAINTEXT://127.0.0.1:$TRIBUTARY_PORT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
# as for the Kafka node (replication factor 1 is also Tributary's default; min.isr is accepted and ignored, with a
# warning in the log: one node, no followers)
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=1073741824
log.retention.hours=168
EOF
    [ -n "${TRIBUTARY_PROPS:-}" ] && printf '%s\n' "$TRIBUTARY_PROPS" | tr ';' '\n' >> "$dir/broker.properties"
  fi
  return 0
}

# Launches the broker JVM in the background (data dir as it is); sets PID[target].
launch_broker() {
  local t="$1" dir="$WORK/$1" pid
  if [ "$t" = kafka ]; then
    # shellcheck disable=SC2086
    "$JAVA" $BROKER_HEAP $JVM_PERF_FLAGS ${KAFKA_JVM_OPTS:-} "$MARK" -Dkafka.logs.dir="$dir/logs" \
      -Dlog4j2.configurationFile="$KAFKA_DIR/config/log4j2.xml" -cp "$(kafka_classpath)" \
      kafka.Kafka "$dir/server.properties" >> "$dir/logs/stdout.log" 2>&1 < /dev/null &
  elif [ "$TRIBUTARY_LAUNCH" = launcher ]; then
    # As shipped: bin/tributary-broker (AppCDS archive, serial GC, its own heap bounds); it execs the JVM, so
    # the pid is the broker's.
    JAVA="$JAVA" TRIBUTARY_JAR="$TRIBUTARY_JAR" TRIBUTARY_JVM_OPTS="$MARK ${TRIBUTARY_JVM_OPTS:-}" \
      "$REPO_ROOT/bin/tributary-broker" --config "$dir/broker.properties" >> "$dir/logs/broker.log" 2>&1 < /dev/null &
  else
    # shellcheck disable=SC2086
    "$JAVA" $BROKER_HEAP $JVM_PERF_FLAGS ${TRIBUTARY_JVM_OPTS:-} "$MARK" \
      -jar "$TRIBUTARY_JAR" --config "$dir/broker.properties" >> "$dir/logs/broker.log" 2>&1 < /dev/null &
  fi
  pid=$!
  PID[$t]="$pid"; STARTED+=("$pid")
}

broker_log() { [ "$1" = kafka ] && echo "$WORK/kafka/logs/server.log" || echo "$WORK/tributary/logs/broker.log"; }
# Why a broker is not serving: whether its process is gone, and the last error line of its logs.
broker_state() {
  local t="$1" l f
  for f in "$(broker_log "$t")" "$WORK/$t/logs/stdout.log"; do
    [ -f "$f" ] || continue
    l="$(grep -E 'cannot start|ERROR|FATAL|Exception' "$f" | grep -vE '^\s+at ' | tail -1 || true)"
    [ -n "$l" ] && break
  done
  alive "${PID[$t]:-}" && echo -n "broker process alive" || echo -n "broker process exited"
  [ -n "${l:-}" ] && echo -n "; last error in its log: ${l:0:300}"
  echo " (log: $(broker_log "$t"))"
}

# The probe: started (and READY) before the broker, so client class loading is not timed.
PROBE_PID=""
probe_start() { # mode topic outfile
  local i
  "$JAVA" -Xmx256M "$MARK" -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" \
    -cp "$PROBE_DIR:$(kafka_classpath)" FirstRecord "$1" "$(bootstrap_of "$CUR")" "$2" "$START_TIMEOUT_S" \
    > "$3" 2>&1 < /dev/null &
  PROBE_PID=$!; STARTED+=("$PROBE_PID")
  for ((i = 0; i < 600; i++)); do
    grep -q '^READY' "$3" 2>/dev/null && return 0
    alive "$PROBE_PID" || fail "probe exited early: $(cat "$3")"
    sleep 0.1
  done
  fail "probe not READY after 60 s"
}
probe_value() { sed -nE "s/^result .*\\b$2=([0-9]+).*/\\1/p" "$1" | tail -1; } # file key

# ---- bookkeeping of results ------------------------------------------------------------------------------
ERRORS=()
record() { # test status key=value...
  [ "$ROUND" = 0 ] && return 0 # the unmeasured first start
  local line="run round=$ROUND target=$CUR test=$1 status=$2"; shift 2
  [ $# -gt 0 ] && line="$line $*"
  echo "$line" >> "$RUNS_LOG"
  say "  $line"
}
failure() { # test detail
  ERRORS+=("round $ROUND, $CUR, $1: $2")
  say "  FAILED $CUR $1: $2"
}
# The most telling line of a tool's output: an exception/error line, else the last line.
tool_error() {
  local l
  l="$(grep -E 'Exception|ERROR|[Ee]rror|does not support|TimeoutException' "$1" | grep -vE '^\s+at ' | head -3 | tr '\n' ' ' || true)"
  [ -n "$l" ] || l="$(tail -2 "$1" | tr '\n' ' ')"
  echo "${l:0:400}"
}
# When a tool timed out: a thread dump of the broker, for the report.
dump_broker() {
  local f="$WORK/raw/threads-$CUR-r$ROUND-$1.txt"
  alive "${PID[$CUR]:-}" && "$JDK_BIN/jcmd" "${PID[$CUR]}" Thread.print > "$f" 2>&1 || true
  echo "$f"
}

CPU0=0; SYS0=""; T0=0
sample_begin() { CPU0="$(cpu_ticks "${PID[$CUR]}")"; SYS0="$(cpu_sample)"; T0="$(epoch_ms)"; }
sample_end() { # records -> "broker_cpu_s=.. cpu_s_per_mrec=.. wall_s=.. busy_pct=.."
  local c1 s1 t1
  c1="$(cpu_ticks "${PID[$CUR]}")"; s1="$(cpu_sample)"; t1="$(epoch_ms)"
  awk -v c0="$CPU0" -v c1="$c1" -v hz="$CLOCK_TICKS" -v n="$1" -v t0="$T0" -v t1="$t1" -v busy="$(busy_pct "$SYS0" "$s1")" \
    'BEGIN {s = (c1 - c0) / hz; printf "broker_cpu_s=%.2f cpu_s_per_mrec=%.3f wall_s=%.1f busy_pct=%s", s, (n > 0 ? s * 1e6 / n : 0), (t1 - t0) / 1000, busy}'
}

create_topic() { # topic partitions -> 0/1
  local out="$WORK/raw/create-$CUR-$1.log"
  if ! bounded 120 "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" \
      -cp "$(kafka_classpath)" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap_of "$CUR")" \
      --create --topic "$1" --partitions "$2" --replication-factor 1; then
    return 1
  fi
  sleep 1 # let the new partitions' leadership settle before a clock starts
}

producer_perf() { # out topic records size acks
  # shellcheck disable=SC2086
  bounded "$TEST_TIMEOUT_S" "$1" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$(kafka_classpath)" \
    org.apache.kafka.tools.ProducerPerformance --topic "$2" --num-records "$3" --record-size "$4" --throughput -1 \
    --command-property bootstrap.servers="$(bootstrap_of "$CUR")" acks="$5" ${PRODUCER_PROPS:-}
}
# "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, ... 99th, ... 99.9th."
parse_producer() {
  grep -E '^[0-9]+ records sent, .*99\.9th' "$1" | tail -1 | tr -d '(),' | awk '{
    printf "records=%d records_per_s=%.0f mb_per_s=%.2f avg_ms=%.1f p50_ms=%s p99_ms=%s", $1, $4, $6, $8, $16, $22 }'
}

declare -A TOPIC_FOR=() # "target size" -> topic written by produce_<size>_acks1 this round

test_produce() { # test records size acks
  local name="$1" n="$2" size="$3" acks="$4" topic out rc=0 m cpu
  topic="bench-$name-r$ROUND"; out="$WORK/raw/$CUR-$name-r$ROUND.log"
  create_topic "$topic" "$PARTITIONS" || { failure "$name" "topic creation failed: $(tool_error "$WORK/raw/create-$CUR-$topic.log")"; record "$name" error; return; }
  sample_begin
  producer_perf "$out" "$topic" "$n" "$size" "$acks" || rc=$?
  cpu="$(sample_end "$n")"
  m="$(parse_producer "$out")"
  if [ -n "$m" ] && [ "$(echo "$m" | sed -E 's/^records=([0-9]+).*/\1/')" = "$n" ] && ! grep -q 'Exception' "$out"; then
    record "$name" ok "$m $cpu"
    if [ "$acks" = 1 ]; then TOPIC_FOR["$CUR $size"]="$topic"; fi
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

SRC_TOPIC=""
consume_source() { # size partitions -> SRC_TOPIC: a topic holding the test's records of that size (written now if needed)
  local size="$1" parts="$2" n topic key
  key="$CUR $size"; [ "$parts" = "$PARTITIONS" ] || key="$key p$parts"
  if [ -z "${TOPIC_FOR["$key"]:-}" ]; then
    [ "$size" = 100 ] && n="$RECORDS" || n="$RECORDS_1KIB"
    topic="bench-fill-$size-p$parts-r$ROUND"
    say "  (writing $n records of $size B to $parts partitions to read back, not measured)"
    create_topic "$topic" "$parts" && producer_perf "$WORK/raw/$CUR-fill-$size-p$parts-r$ROUND.log" "$topic" "$n" "$size" 1 \
      && [ "$(parse_producer "$WORK/raw/$CUR-fill-$size-p$parts-r$ROUND.log" | sed -E 's/^records=([0-9]+).*/\1/')" = "$n" ] \
      && TOPIC_FOR["$key"]="$topic" || true
  fi
  SRC_TOPIC="${TOPIC_FOR["$key"]:-}"
}

test_consume() { # test records size stock|group|assign [partitions]
  local name="$1" n="$2" size="$3" kind="$4" parts="${5:-$PARTITIONS}" topic out rc=0 cpu line m extra=()
  consume_source "$size" "$parts"; topic="$SRC_TOPIC"
  # group = stock, stating the (default) classic protocol, so both brokers surely see the same client settings
  if [ "$kind" = group ]; then extra=(--command-property group.protocol=classic); kind=stock; fi
  [ -n "$topic" ] || { failure "$name" "no topic with $size B records in $parts partitions to read (its producer test failed)"; record "$name" error; return; }
  out="$WORK/raw/$CUR-$name-r$ROUND.log"
  sample_begin
  if [ "$kind" = stock ]; then
    bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
      -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$(kafka_classpath)" \
      org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$(bootstrap_of "$CUR")" --topic "$topic" \
      --num-records "$n" --group "bench-$name-$CUR-r$ROUND" --timeout 30000 "${extra[@]+"${extra[@]}"}" || rc=$?
  else
    bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
      -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$PROBE_DIR:$(kafka_classpath)" \
      AssignedConsumer "$(bootstrap_of "$CUR")" "$topic" "$n" 30000 || rc=$?
  fi
  cpu="$(sample_end "$n")"
  m=""
  if [ "$kind" = stock ]; then
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, ...
    line="$(grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} .*, *[0-9.]+, *[0-9.]+, *[0-9]+, *[0-9.]+' "$out" | tail -1 || true)"
    # ..., fetch.MB.sec, fetch.nMsg.sec: the rates without the group join, which is reported as join_ms
    [ -n "$line" ] && m="$(echo "$line" | awk -F', *' -v n="$n" '$5 >= n {
      printf "records=%d records_per_s=%.0f mb_per_s=%.2f join_ms=%d fetch_ms=%d with_join_records_per_s=%.0f", $5, $10, $9, $7, $8, $6}')"
  else
    m="$(sed -nE 's/^result (.*)$/\1/p' "$out" | sed -E 's/ bytes=[0-9]+//')"
  fi
  if [ -n "$m" ] && [ "$rc" = 0 ]; then
    record "$name" ok "$m $cpu"
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

test_e2e() { # test
  local name="$1" topic out rc=0 cpu avg pct
  topic="bench-$name-r$ROUND"; out="$WORK/raw/$CUR-$name-r$ROUND.log"
  create_topic "$topic" 1 || { failure "$name" "topic creation failed"; record "$name" error; return; }
  sample_begin
  bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$(kafka_classpath)" \
    org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$(bootstrap_of "$CUR")" --topic "$topic" \
    --num-records "$E2E_RECORDS" --producer-acks 1 --record-size 100 || rc=$?
  cpu="$(sample_end "$E2E_RECORDS")"
  avg="$(sed -nE 's/^Avg latency: ([0-9.]+) ms.*/\1/p' "$out" | tail -1)"
  pct="$(sed -nE 's/^Percentiles: 50th = ([0-9.]+), 99th = ([0-9.]+), 99\.9th = ([0-9.]+).*/p50_ms=\1 p99_ms=\2 p999_ms=\3/p' "$out" | tail -1)"
  if [ -n "$avg" ] && [ -n "$pct" ]; then
    record "$name" ok "avg_ms=$avg $pct $cpu"
    # the figures are complete; an error while the tool shuts down is still worth knowing
    [ "$rc" = 0 ] || failure "$name" "(figures kept) the tool failed after reporting, exit $rc: $(tool_error "$out")"
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

# The rebalance probe on an empty GROUP_PARTITIONS topic: form, then GROUP_CYCLES x (oldest member leaves, a new
# one joins); the figures are medians over the cycles. The broker's CPU over the whole probe run is kept per round.
test_group_rebalance() { # test assignor
  local name="$1" assignor="$2" topic out rc=0 cpu m w
  topic="bench-$name-r$ROUND"; out="$WORK/raw/$CUR-$name-r$ROUND.log"
  create_topic "$topic" "$GROUP_PARTITIONS" || { failure "$name" "topic creation failed: $(tool_error "$WORK/raw/create-$CUR-$topic.log")"; record "$name" error; return; }
  sample_begin
  # shellcheck disable=SC2086
  bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$PROBE_DIR:$(kafka_classpath)" \
    GroupRebalance "$(bootstrap_of "$CUR")" "$topic" "bench-$name-$CUR-r$ROUND" "$GROUP_MEMBERS" "$GROUP_PARTITIONS" \
    "$assignor" "$GROUP_CYCLES" "$GROUP_POLL_MS" "$GROUP_SETTLE_MS" "$GROUP_TIMEOUT_S" \
    heartbeat.interval.ms="$GROUP_HEARTBEAT_MS" ${GROUP_CLIENT_PROPS:-} || rc=$?
  cpu="$(sample_end 0 | sed -E 's/ cpu_s_per_mrec=[^ ]+//')"
  m="$(sed -nE 's/^result (.*)$/\1/p' "$out")"
  if [ -n "$m" ] && [ "$rc" = 0 ]; then
    record "$name" ok "$m $cpu"
    w="$(grep -E '^warning' "$out" | head -2 | tr '\n' ' ' || true)"
    [ -z "$w" ] || failure "$name" "(figures kept) ${w:0:400} (raw: $out)"
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

# txn_probe OUT MODE ARGS...: benchmarks/probe/TransactionalProduce, bounded like the other tools, output to OUT
txn_probe() { # out mode args...
  local out="$1"; shift
  # shellcheck disable=SC2086
  bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$PROBE_DIR:$(kafka_classpath)" \
    TransactionalProduce "$@" ${TXN_PRODUCER_PROPS:-}
}

# One transactional producer, RECORDS records of 100 B committed every PER_TXN records, PARTITIONS partitions.
test_txn_produce() { # test records per_txn
  local name="$1" n="$2" per="$3" topic out rc=0 cpu m
  topic="bench-$name-r$ROUND"; out="$WORK/raw/$CUR-$name-r$ROUND.log"
  create_topic "$topic" "$PARTITIONS" || { failure "$name" "topic creation failed: $(tool_error "$WORK/raw/create-$CUR-$topic.log")"; record "$name" error; return; }
  sample_begin
  txn_probe "$out" produce "$(bootstrap_of "$CUR")" "$topic" "$n" "$per" 100 "bench-$name-$CUR-r$ROUND" || rc=$?
  cpu="$(sample_end "$n")"
  m="$(sed -nE 's/^result (.*)$/\1/p' "$out")"
  if [ -n "$m" ] && [ "$rc" = 0 ] && [ "$(echo "$m" | sed -E 's/^records=([0-9]+).*/\1/')" = "$n" ]; then
    record "$name" ok "$m $cpu"
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

# One-record transactions, one in flight, through a read_committed consumer (assign(), one partition).
test_txn_e2e() { # test
  local name="$1" topic out rc=0 cpu m trips
  topic="bench-$name-r$ROUND"; out="$WORK/raw/$CUR-$name-r$ROUND.log"
  create_topic "$topic" 1 || { failure "$name" "topic creation failed: $(tool_error "$WORK/raw/create-$CUR-$topic.log")"; record "$name" error; return; }
  trips=$((TXN_E2E_RECORDS + TXN_E2E_WARMUP))
  sample_begin
  txn_probe "$out" e2e "$(bootstrap_of "$CUR")" "$topic" "$TXN_E2E_RECORDS" "$TXN_E2E_WARMUP" 100 "bench-$name-$CUR-r$ROUND" || rc=$?
  # the broker's CPU over all round trips (warm-up included): CPU-ms per transaction
  cpu="$(sample_end "$trips" | sed -E 's/ cpu_s_per_mrec=[^ ]+//')"
  cpu="$cpu $(echo "$cpu" | sed -E 's/^broker_cpu_s=([0-9.]+).*/\1/' | awk -v n="$trips" '{printf "cpu_ms_per_txn=%.3f", $1 * 1000 / n}')"
  m="$(sed -nE 's/^result (.*)$/\1/p' "$out")"
  if [ -n "$m" ] && [ "$rc" = 0 ]; then
    record "$name" ok "$m $cpu"
  else
    [ "$rc" = 124 ] && failure "$name" "timed out after ${TEST_TIMEOUT_S}s; thread dump: $(dump_broker "$name")"
    [ "$rc" != 124 ] && failure "$name" "exit $rc: $(tool_error "$out") (raw: $out)"
    record "$name" error "$cpu"
  fi
}

run_test() {
  case "$1" in
    produce_100B_acks1)   test_produce "$1" "$RECORDS" 100 1 ;;
    produce_100B_acksall) test_produce "$1" "$RECORDS" 100 all ;;
    produce_1KiB_acks1)   test_produce "$1" "$RECORDS_1KIB" 1024 1 ;;
    produce_1KiB_acksall) test_produce "$1" "$RECORDS_1KIB" 1024 all ;;
    consume_100B)         test_consume "$1" "$RECORDS" 100 stock ;;
    consume_1KiB)         test_consume "$1" "$RECORDS_1KIB" 1024 stock ;;
    consume_100B_assign)  test_consume "$1" "$RECORDS" 100 assign ;;
    consume_1KiB_assign)  test_consume "$1" "$RECORDS_1KIB" 1024 assign ;;
    e2e_100B_acks1)       test_e2e "$1" ;;
    group_rebalance_range) test_group_rebalance "$1" range ;;
    group_rebalance_coop) test_group_rebalance "$1" cooperative-sticky ;;
    group_consume_100B)   test_consume "$1" "$RECORDS" 100 group "$GROUP_PARTITIONS" ;;
    txn_produce_100B_100)  test_txn_produce "$1" "$TXN_RECORDS" 100 ;;
    txn_produce_100B_1000) test_txn_produce "$1" "$TXN_RECORDS_1000" 1000 ;;
    txn_e2e_100B)         test_txn_e2e "$1" ;;
  esac
}

# ---- phases ----------------------------------------------------------------------------------------------
declare -A UP=() # target -> 1 while its broker serves
phase_startup() {
  local out="$WORK/raw/$CUR-startup-r$ROUND.txt" t0 c
  prepare_broker "$CUR"
  probe_start fresh "ttfm-r$ROUND" "$out"
  t0="$(epoch_ms)"
  launch_broker "$CUR"
  wait "$PROBE_PID" || true
  c="$(probe_value "$out" consumed_ms)"
  if [ -n "$c" ]; then
    record startup ok "first_record_ms=$((c - t0)) port_open_ms=$(( $(probe_value "$out" port_open_ms) - t0 ))" \
      "topic_created_ms=$(( $(probe_value "$out" topic_created_ms) - t0 )) produced_ms=$(( $(probe_value "$out" produced_ms) - t0 ))"
    UP[$CUR]=1
  else
    failure startup "no first record: $(grep -v READY "$out" | tail -1); $(broker_state "$CUR")"
    record startup error
    alive "${PID[$CUR]}" && wait_for_port "$(port_of "$CUR")" 1 && UP[$CUR]=1 || UP[$CUR]=0
  fi
}

phase_restart() {
  local out="$WORK/raw/$CUR-restart-r$ROUND.txt" fill="$WORK/raw/$CUR-restart-fill-r$ROUND.log" topic="bench-restart-r$ROUND" t0 c n
  if create_topic "$topic" "$PARTITIONS" && producer_perf "$fill" "$topic" "$RESTART_RECORDS" 100 1 \
      && [ "$(parse_producer "$fill" | sed -E 's/^records=([0-9]+).*/\1/')" = "$RESTART_RECORDS" ]; then
    :
  else
    failure restart "could not write the $RESTART_RECORDS records: $(tool_error "$fill")"; record restart error; return
  fi
  kill -KILL "${PID[$CUR]}" 2>/dev/null || true
  wait "${PID[$CUR]}" 2>/dev/null || true
  UP[$CUR]=0
  probe_start existing "$topic" "$out"
  t0="$(epoch_ms)"
  launch_broker "$CUR"
  wait "$PROBE_PID" || true
  c="$(probe_value "$out" consumed_ms)"
  if [ -n "$c" ]; then
    n="$(probe_value "$out" records)"
    record restart ok "first_record_ms=$((c - t0)) port_open_ms=$(( $(probe_value "$out" port_open_ms) - t0 )) records_after=$n records_before=$RESTART_RECORDS"
    [ "$n" = "$RESTART_RECORDS" ] || failure restart "$RESTART_RECORDS records acknowledged (acks=1) before kill -9, $n there after restart"
    UP[$CUR]=1
  else
    failure restart "not serving after kill -9 + relaunch: $(grep -v READY "$out" | tail -1); $(broker_state "$CUR")"
    record restart error
  fi
}

rss_line() { # phase
  local p="${PID[$CUR]}" r h
  r="$(rss_kib "$p")"; h="$(hwm_kib "$p")"
  [ "$r" = NA ] && return 1
  awk -v r="$r" -v h="$h" -v ph="$1" 'BEGIN {printf "rss_%s_mib=%.0f peak_%s_mib=%.0f", ph, r / 1024, ph, h / 1024}'
}

# ---- main ------------------------------------------------------------------------------------------------
GIT_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_ROOT" diff --quiet HEAD -- broker-embedded 2>/dev/null || echo '+local-changes')"
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
START_TS="$(date '+%Y-%m-%d %H:%M:%S %Z')"
say "run $RUN_ID: targets [$TARGETS], $RUNS round(s), work dir $WORK"
read -r -a TGT <<< "$TARGETS"

# The launcher records its class-data-sharing archive on a first, unmeasured start (as on a user's first run).
if [ "$TRIBUTARY_LAUNCH" = launcher ] && [[ " $TARGETS " == *" tributary "* ]]; then
  say "tributary: unmeasured first start through bin/tributary-broker (writes its AppCDS archive)"
  CUR=tributary ROUND=0
  phase_startup
  stop_pid "${PID[tributary]}"
  UP[tributary]=0
fi

for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
  order=("${TGT[@]}")
  if [ $((ROUND % 2)) = 0 ] && [ ${#TGT[@]} = 2 ]; then order=("${TGT[1]}" "${TGT[0]}"); fi
  say "round $ROUND/$RUNS: order ${order[*]}"
  TOPIC_FOR=()
  for CUR in "${order[@]}"; do say " $CUR: startup"; phase_startup; done
  sleep "$SETTLE_S"
  for CUR in "${order[@]}"; do
    m="$(rss_line idle)" && record rss_idle ok "$m" || record rss_idle error
    if [ "${UP[$CUR]}" = 1 ] && [ "$WARMUP_RECORDS" -gt 0 ]; then
      say " $CUR: warm-up ($WARMUP_RECORDS records, not measured)"
      create_topic "bench-warmup-r$ROUND" "$PARTITIONS" \
        && producer_perf "$WORK/raw/$CUR-warmup-r$ROUND.log" "bench-warmup-r$ROUND" "$WARMUP_RECORDS" 100 1 \
        || say "  warm-up failed: $(tool_error "$WORK/raw/$CUR-warmup-r$ROUND.log")"
    fi
    if [ "${UP[$CUR]}" = 1 ] && [ "$TXN_WARMUP_RECORDS" -gt 0 ] && [[ " $TESTS " == *" txn_"* ]]; then
      say " $CUR: transactional warm-up ($TXN_WARMUP_RECORDS records, 100 per transaction, not measured)"
      create_topic "bench-txn-warmup-r$ROUND" "$PARTITIONS" \
        && txn_probe "$WORK/raw/$CUR-txn-warmup-r$ROUND.log" produce "$(bootstrap_of "$CUR")" "bench-txn-warmup-r$ROUND" \
          "$TXN_WARMUP_RECORDS" 100 100 "bench-txn-warmup-$CUR-r$ROUND" \
        && grep -q '^result ' "$WORK/raw/$CUR-txn-warmup-r$ROUND.log" \
        || say "  transactional warm-up failed: $(tool_error "$WORK/raw/$CUR-txn-warmup-r$ROUND.log")"
    fi
  done
  for test in $TESTS; do
    for CUR in "${order[@]}"; do
      if [ "${UP[$CUR]}" != 1 ] || ! alive "${PID[$CUR]}"; then
        UP[$CUR]=0; failure "$test" "skipped, broker not serving: $(broker_state "$CUR")"; record "$test" error; continue
      fi
      sleep "$PAUSE_S"
      say " $CUR: $test"
      run_test "$test"
      alive "${PID[$CUR]}" || failure "$test" "broker process died during the test: $(broker_state "$CUR")"
    done
  done
  for CUR in "${order[@]}"; do
    m="$(rss_line load)" && record rss_load ok "$m" || record rss_load error
  done
  for CUR in "${order[@]}"; do
    if [ "$RESTART_PHASE" = 1 ] && [ "${UP[$CUR]}" = 1 ] && alive "${PID[$CUR]}"; then say " $CUR: restart after kill -9"; phase_restart; fi
  done
  for CUR in "${order[@]}"; do stop_pid "${PID[$CUR]}"; UP[$CUR]=0; done
  if [ "$KEEP_DATA" != 1 ] || [ "$ROUND" -lt "$RUNS" ]; then for CUR in "${order[@]}"; do rm -rf "$WORK/$CUR/data"; done; fi
done

# ---- report ----------------------------------------------------------------------------------------------
broker_prop() { # target name -> the property as the broker's config file gives it (the last line wins)
  local f="$WORK/$1/server.properties"; [ "$1" = kafka ] || f="$WORK/$1/broker.properties"
  { grep -F "$2=" "$f" 2>/dev/null | grep -E "^$(printf '%s' "$2" | sed 's/\./\\./g')=" || echo "=not set"; } | tail -1 | cut -d= -f2-
}
initial_delay() { # target -> the broker's group.initial.rebalance.delay.ms as configured
  [ -f "$WORK/$1/server.properties" ] || [ -f "$WORK/$1/broker.properties" ] || { echo "not run"; return; }
  broker_prop "$1" group.initial.rebalance.delay.ms
}
kafka_txn_version() { # the transaction.version Kafka's storage format finalized (from its log), as the clients see it
  local v
  v="$(grep -ohE "transaction\.version=[0-9]+" "$WORK/kafka/logs/server.log" 2>/dev/null | tail -1 | cut -d= -f2)"
  echo "${v:-unknown}"
}
LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "# Tributary vs Apache Kafka $KAFKA_VERSION — benchmarks/run.sh, run $RUN_ID"
  echo "#   started $START_TS; tributary commit $GIT_REV; jar ${TRIBUTARY_JAR#"$REPO_ROOT/"} (built $(date -r "$TRIBUTARY_JAR" '+%Y-%m-%d %H:%M:%S'))"
  echo "#   java: $("$JAVA" -version 2>&1 | head -1); broker JVM flags: $BROKER_HEAP $JVM_PERF_FLAGS"
  echo "#   machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; load average at start $LOAD0, at end $LOAD1"
  echo "#   RUNS=$RUNS RECORDS=$RECORDS RECORDS_1KIB=$RECORDS_1KIB E2E_RECORDS=$E2E_RECORDS RESTART_RECORDS=$RESTART_RECORDS WARMUP_RECORDS=$WARMUP_RECORDS PARTITIONS=$PARTITIONS CASES=\"$CASES\""
  if [[ " $TESTS " == *" txn_"* ]]; then
    echo "#   txn tests: TXN_RECORDS=$TXN_RECORDS (100/txn) TXN_RECORDS_1000=$TXN_RECORDS_1000 (1000/txn) TXN_E2E_RECORDS=$TXN_E2E_RECORDS (+$TXN_E2E_WARMUP unmeasured) TXN_WARMUP_RECORDS=$TXN_WARMUP_RECORDS${TXN_PRODUCER_PROPS:+ TXN_PRODUCER_PROPS=\"$TXN_PRODUCER_PROPS\"}; transaction.state.log.replication.factor/min.isr: kafka $(broker_prop kafka transaction.state.log.replication.factor)/$(broker_prop kafka transaction.state.log.min.isr), tributary $(broker_prop tributary transaction.state.log.replication.factor)/$(broker_prop tributary transaction.state.log.min.isr) (min.isr: ignored by Tributary); transaction.version: kafka $(kafka_txn_version), tributary none advertised (classic protocol)"
  fi
  if [[ " $TESTS " == *" group_"* ]]; then
    echo "#   group tests: GROUP_MEMBERS=$GROUP_MEMBERS GROUP_PARTITIONS=$GROUP_PARTITIONS GROUP_CYCLES=$GROUP_CYCLES; classic protocol; members: heartbeat.interval.ms=$GROUP_HEARTBEAT_MS, poll($GROUP_POLL_MS ms), auto commit off${GROUP_CLIENT_PROPS:+, $GROUP_CLIENT_PROPS}; group.initial.rebalance.delay.ms: kafka $(initial_delay kafka), tributary $(initial_delay tributary)"
  fi
  echo "#   cells: median [min..max] over the rounds; ratio = tributary / kafka of the medians; 'better' says which"
  echo "#   direction wins for that metric; '~' = within 5% (not a significance test: see benchmarks/README.md)"
  echo
  awk -v targets="$TARGETS" -v group_members="$GROUP_MEMBERS" -v group_partitions="$GROUP_PARTITIONS" \
    -f "$BENCH_SCRIPTS/report.awk" "$RUNS_LOG"
  echo
  if [ ${#ERRORS[@]} -gt 0 ]; then
    echo "## Failures and warnings"
    for e in "${ERRORS[@]}"; do echo "- $e"; done
    echo
  fi
  echo "## Per-round figures (raw tool output and broker logs: $WORK)"
  sed 's/^/    /' "$RUNS_LOG"
} > "$RESULTS_FILE.tmp"
mv "$RESULTS_FILE.tmp" "$RESULTS_FILE"
cat "$RESULTS_FILE"
say "report written to $RESULTS_FILE"
