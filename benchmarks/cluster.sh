#!/usr/bin/env bash
# Three Tributary nodes next to three Apache Kafka nodes (KRaft, every node broker and controller), replication
# factor 3, in ONE interleaved run on this machine (loopback only).
#
#   benchmarks/cluster.sh                                   # defaults below (~20-25 min on 2 cores)
#   RUNS=1 RECORDS=200000 KILLS=2 benchmarks/cluster.sh     # a quick smoke run (~6-8 min)
#
# Each round runs both clusters one after the other (the order alternates between rounds), each from empty data
# dirs, and stops one before starting the other, so neither works while the other is measured:
#   startup    the three nodes launched back to back -> all client ports open, and -> first record consumed by a
#              consumer group (benchmarks/probe/FirstRecord cluster: topic RF 3 with min.insync.replicas=2, one
#              record produced with acks=all, read back with subscribe()); Kafka's storage format is not counted
#   rss_idle   VmRSS of each node SETTLE_S after startup (mean and largest of the three)
#   produce    Kafka's ProducerPerformance, acks=all, 100 B and 1 KiB, PARTITIONS partitions, RF 3,
#              min.insync.replicas=2; broker CPU = utime+stime summed over the three nodes
#   e2e        Kafka's EndToEndLatency, acks=all, 100 B, one partition RF 3
#   failover   benchmarks/probe/Failover: an idempotent acks=all producer (client defaults) writes one record at a
#              time to a one-partition RF 3 topic; KILLS times its leader gets SIGKILL: kill -> the acknowledgement
#              that ends the pause; the node is relaunched once that is measured; every acknowledged record is then
#              read back (lost / duplicated / out of order are counted)
#   rss_load   VmRSS after the tests (mean, largest)
# CASES picks what runs after startup and the idle RSS sample: "throughput failover" (default; throughput = the two
# produce tests and e2e), e.g. CASES=failover KILLS=5 for failover times alone.
# The report goes to stdout and benchmarks/results/cluster-<date>-<time>.txt (same table as run.sh).
#
# Settings (environment):
#   RUNS=2  RECORDS=1000000 (100 B)  RECORDS_1KIB=RECORDS/4  E2E_RECORDS=5000  WARMUP_RECORDS=300000 (acks=1,
#   not measured)  PARTITIONS=6  KILLS=3 (failover cycles per round)  TARGETS="kafka tributary"
#   KAFKA_BASE_PORT=29100 TRIBUTARY_BASE_PORT=29200: node i listens on BASE+10*(i-1) (clients) and +1 (controller)
#   BROKER_HEAP / JVM_PERF_FLAGS (Kafka's, see lib.sh); Tributary runs as bin/tributary-broker ships (AppCDS,
#   serial GC, -Xms32m -Xmx512m); its archive is written by an unmeasured first cluster start if missing
#   KAFKA_PROPS / TRIBUTARY_PROPS ("name=value;..." for every node)  TEST_TIMEOUT_S=600 START_TIMEOUT_S=180
#   STOP_TIMEOUT_S=60 SETTLE_S=5  RESULTS_FILE  WORK  JAVA_HOME, BENCH_DIR, KAFKA_VERSION, TRIBUTARY_JAR: see lib.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUNS="${RUNS:-2}"
RECORDS="${RECORDS:-1000000}"
RECORDS_1KIB="${RECORDS_1KIB:-$((RECORDS / 4))}"
E2E_RECORDS="${E2E_RECORDS:-5000}"
WARMUP_RECORDS="${WARMUP_RECORDS:-300000}"
PARTITIONS="${PARTITIONS:-6}"
KILLS="${KILLS:-3}"
CASES="${CASES:-throughput failover}"
for c in $CASES; do case "$c" in throughput|failover) ;; *) fail "unknown case '$c' (throughput, failover)" ;; esac; done
TARGETS="${TARGETS:-kafka tributary}"
KAFKA_BASE_PORT="${KAFKA_BASE_PORT:-29100}"
TRIBUTARY_BASE_PORT="${TRIBUTARY_BASE_PORT:-29200}"
TEST_TIMEOUT_S="${TEST_TIMEOUT_S:-600}"
START_TIMEOUT_S="${START_TIMEOUT_S:-180}"
STOP_TIMEOUT_S="${STOP_TIMEOUT_S:-60}"
SETTLE_S="${SETTLE_S:-5}"
NODES=3
RUN_ID="$(date +%Y%m%d-%H%M%S)"
WORK="${WORK:-$BENCH_DIR/runs/cluster-$RUN_ID}"
RESULTS_FILE="${RESULTS_FILE:-$BENCH_SCRIPTS/results/cluster-$RUN_ID.txt}"
MARK="-Dtributary.bench.run=cluster-$RUN_ID"

for v in RUNS RECORDS RECORDS_1KIB E2E_RECORDS WARMUP_RECORDS PARTITIONS KILLS TEST_TIMEOUT_S START_TIMEOUT_S; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || fail "$v must be a number, not '${!v}'"
done
[ "$RUNS" -ge 1 ] || fail "RUNS must be >= 1"
for t in $TARGETS; do case "$t" in kafka|tributary) ;; *) fail "unknown target '$t' (kafka, tributary)" ;; esac; done

"$BENCH_SCRIPTS/setup.sh"
base_port() { [ "$1" = kafka ] && echo "$KAFKA_BASE_PORT" || echo "$TRIBUTARY_BASE_PORT"; }
client_port() { echo $(( $(base_port "$1") + 10 * ($2 - 1) )); }
controller_port() { echo $(( $(client_port "$1" "$2") + 1 )); }
bootstrap_of() { local i b=""; for ((i = 1; i <= NODES; i++)); do b="${b:+$b,}127.0.0.1:$(client_port "$1" "$i")"; done; echo "$b"; }
voters_of() { local i v=""; for ((i = 1; i <= NODES; i++)); do v="${v:+$v,}$i@127.0.0.1:$(controller_port "$1" "$i")"; done; echo "$v"; }
for t in $TARGETS; do
  for ((i = 1; i <= NODES; i++)); do
    for p in "$(client_port "$t" "$i")" "$(controller_port "$t" "$i")"; do
      port_busy "$p" && fail "port 127.0.0.1:$p is already in use (set ${t^^}_BASE_PORT)"
      warn_if_ephemeral "$p"
    done
  done
done
mkdir -p "$WORK/raw" "$(dirname "$RESULTS_FILE")"
RUNS_LOG="$WORK/runs.txt"
: > "$RUNS_LOG"

declare -A NODE_PID=() # "target node" -> pid
cleanup() {
  trap - EXIT INT TERM
  stop_started
  rm -rf "$WORK"/kafka/data "$WORK"/tributary/data
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# ---- nodes -----------------------------------------------------------------------------------------------
config_of() { [ "$1" = kafka ] && echo "$WORK/kafka/node-$2.properties" || echo "$WORK/tributary/node-$2.properties"; }

# Fresh configs and empty data dirs for all nodes of a target; Kafka's nodes also get their storage formatted.
prepare_cluster() {
  local t="$1" i cid t0
  rm -rf "$WORK/$t/data"; mkdir -p "$WORK/$t/logs"
  cid="$(random_cluster_id)"
  for ((i = 1; i <= NODES; i++)); do
    mkdir -p "$WORK/$t/data/node-$i" "$WORK/$t/logs/node-$i"
    # The same settings on both sides; Kafka's nodes also name their inter-broker listener and protocols.
    cat > "$(config_of "$t" "$i")" <<EOF
# $t, node $i of $NODES, broker and controller, loopback only.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$(voters_of "$t")
listeners=PLAINTEXT://127.0.0.1:$(client_port "$t" "$i"),CONTROLLER://127.0.0.1:$(controller_port "$t" "$i")
controller.listener.names=CONTROLLER
log.dirs=$WORK/$t/data/node-$i
num.partitions=1
default.replication.factor=3
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
log.segment.bytes=1073741824
EOF
    if [ "$t" = kafka ]; then
      cat >> "$(config_of kafka "$i")" <<EOF
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port kafka "$i")
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
      [ -n "${KAFKA_PROPS:-}" ] && printf '%s\n' "$KAFKA_PROPS" | tr ';' '\n' >> "$(config_of kafka "$i")"
      t0="$(epoch_ms)"
      kafka_tool kafka.tools.StorageTool format --config "$(config_of kafka "$i")" --cluster-id "$cid" \
        > "$WORK/kafka/logs/node-$i/format.log" 2>&1 || fail "Kafka storage format failed: $(tail -5 "$WORK/kafka/logs/node-$i/format.log")"
      [ "$ROUND" = 0 ] || echo "run round=$ROUND target=kafka test=cluster_format status=ok format_ms=$(( $(epoch_ms) - t0 ))" >> "$RUNS_LOG"
    else
      [ -n "${TRIBUTARY_PROPS:-}" ] && printf '%s\n' "$TRIBUTARY_PROPS" | tr ';' '\n' >> "$(config_of tributary "$i")"
    fi
  done
  return 0
}

launch_node() { # target node [extra env for the launcher]
  local t="$1" i="$2" pid
  if [ "$t" = kafka ]; then
    # shellcheck disable=SC2086
    "$JAVA" $BROKER_HEAP $JVM_PERF_FLAGS ${KAFKA_JVM_OPTS:-} "$MARK" -Dkafka.logs.dir="$WORK/kafka/logs/node-$i" \
      -Dlog4j2.configurationFile="$KAFKA_DIR/config/log4j2.xml" -cp "$(kafka_classpath)" \
      kafka.Kafka "$(config_of kafka "$i")" >> "$WORK/kafka/logs/node-$i/stdout.log" 2>&1 < /dev/null &
  else
    env ${3:-} JAVA="$JAVA" TRIBUTARY_JAR="$TRIBUTARY_JAR" TRIBUTARY_JVM_OPTS="$MARK ${TRIBUTARY_JVM_OPTS:-}" \
      "$REPO_ROOT/bin/tributary-broker" --config "$(config_of tributary "$i")" \
      >> "$WORK/tributary/logs/node-$i/broker.log" 2>&1 < /dev/null &
  fi
  pid=$!
  NODE_PID["$t $i"]="$pid"; STARTED+=("$pid")
}

# All nodes get SIGTERM at once: one by one, the last Kafka node waits for a quorum that is gone already.
stop_cluster() {
  local i pid
  for ((i = 1; i <= NODES; i++)); do pid="${NODE_PID["$1 $i"]:-}"; alive "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 1; i <= NODES; i++)); do stop_pid "${NODE_PID["$1 $i"]:-}"; done
}
node_pids() { local i; for ((i = 1; i <= NODES; i++)); do echo "${NODE_PID["$1 $i"]}"; done; }
cluster_cpu_ticks() { local p s=0; for p in $(node_pids "$1"); do s=$((s + $(cpu_ticks "$p"))); done; echo "$s"; }

# ---- bookkeeping of results ------------------------------------------------------------------------------
ERRORS=()
record() { # test status key=value...
  [ "$ROUND" = 0 ] && return 0
  local line="run round=$ROUND target=$CUR test=$1 status=$2"; shift 2
  [ $# -gt 0 ] && line="$line $*"
  echo "$line" >> "$RUNS_LOG"
  say "  $line"
}
failure() { ERRORS+=("round $ROUND, $CUR, $1: $2"); say "  FAILED $CUR $1: $2"; }
tool_error() {
  local l
  l="$(grep -E 'Exception|ERROR|[Ee]rror' "$1" | grep -vE '^\s+at ' | head -3 | tr '\n' ' ' || true)"
  [ -n "$l" ] || l="$(tail -2 "$1" | tr '\n' ' ')"
  echo "${l:0:400}"
}
java_tool() { # out class-or-probe args... (Kafka's tool classes and our probes, with Kafka's client jars)
  local out="$1"; shift
  # shellcheck disable=SC2086
  bounded "$TEST_TIMEOUT_S" "$out" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$PROBE_DIR:$(kafka_classpath)" "$@"
}

CPU0=0; T0=0
sample_begin() { CPU0="$(cluster_cpu_ticks "$CUR")"; T0="$(epoch_ms)"; }
sample_end() { # records -> "broker_cpu_s=.. cpu_s_per_mrec=.. wall_s=.."
  awk -v c0="$CPU0" -v c1="$(cluster_cpu_ticks "$CUR")" -v hz="$CLOCK_TICKS" -v n="$1" -v t0="$T0" -v t1="$(epoch_ms)" \
    'BEGIN {s = (c1 - c0) / hz; printf "broker_cpu_s=%.2f cpu_s_per_mrec=%.3f wall_s=%.1f", s, (n > 0 ? s * 1e6 / n : 0), (t1 - t0) / 1000}'
}
rss_line() { # phase -> mean and largest VmRSS of the nodes (MiB)
  local p r all=""
  for p in $(node_pids "$CUR"); do r="$(rss_kib "$p")"; [ "$r" = NA ] && return 1; all="$all $r"; done
  echo "$all" | awk -v ph="$1" '{m = 0; s = 0; for (i = 1; i <= NF; i++) {s += $i; if ($i > m) m = $i}
    printf "rss_%s_mib=%.0f rss_%s_max_mib=%.0f", ph, s / NF / 1024, ph, m / 1024}'
}

create_topic() { # topic partitions -> 0/1
  java_tool "$WORK/raw/create-$CUR-$1.log" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap_of "$CUR")" \
    --create --topic "$1" --partitions "$2" --replication-factor 3 --config min.insync.replicas=2 || return 1
  sleep 1 # let the new partitions' leadership and ISR settle before a clock starts
}

# ---- phases ----------------------------------------------------------------------------------------------
phase_startup() {
  local out="$WORK/raw/$CUR-startup-r$ROUND.log" i t0 ports=0 c probe
  "$JAVA" -Xmx256M "$MARK" -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" \
    -cp "$PROBE_DIR:$(kafka_classpath)" FirstRecord cluster "$(bootstrap_of "$CUR")" first-record "$START_TIMEOUT_S" \
    > "$out" 2>&1 < /dev/null &
  probe=$!; STARTED+=("$probe")
  for ((i = 0; i < 600; i++)); do grep -q '^READY' "$out" 2>/dev/null && break; sleep 0.1; done
  t0="$(epoch_ms)"
  for ((i = 1; i <= NODES; i++)); do
    # the unmeasured first start writes Tributary's AppCDS archive from node 1 only
    if [ "$ROUND" = 0 ] && [ "$i" -gt 1 ]; then launch_node "$CUR" "$i" TRIBUTARY_CDS=0; else launch_node "$CUR" "$i"; fi
  done
  for ((i = 1; i <= NODES; i++)); do
    wait_for_port "$(client_port "$CUR" "$i")" "$START_TIMEOUT_S" && ports=$(epoch_ms) || ports=""
    [ -n "$ports" ] || break
  done
  wait "$probe" || true
  c="$(sed -nE 's/^result .*consumed_ms=([0-9]+).*/\1/p' "$out")"
  if [ -n "$ports" ] && [ -n "$c" ]; then
    record cluster_startup ok "all_ports_open_ms=$((ports - t0)) first_record_ms=$((c - t0))"
    return 0
  fi
  failure cluster_startup "not serving: $(grep -v READY "$out" | tail -1) (logs: $WORK/$CUR/logs)"
  record cluster_startup error
  return 1
}

test_produce() { # test records size
  local name="$1" n="$2" size="$3" topic="bench-$1-r$ROUND" out="$WORK/raw/$CUR-$1-r$ROUND.log" m cpu
  create_topic "$topic" "$PARTITIONS" || { failure "$name" "topic creation failed"; record "$name" error; return; }
  sample_begin
  java_tool "$out" org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records "$n" --record-size "$size" \
    --throughput -1 --command-property bootstrap.servers="$(bootstrap_of "$CUR")" acks=all || true
  cpu="$(sample_end "$n")"
  m="$(grep -E '^[0-9]+ records sent, .*99\.9th' "$out" | tail -1 | tr -d '(),' | awk '{
    printf "records=%d records_per_s=%.0f mb_per_s=%.2f avg_ms=%.1f p50_ms=%s p99_ms=%s", $1, $4, $6, $8, $16, $22 }')"
  if [ -n "$m" ] && [ "$(echo "$m" | sed -E 's/^records=([0-9]+).*/\1/')" = "$n" ] && ! grep -q Exception "$out"; then
    record "$name" ok "$m $cpu"
  else
    failure "$name" "$(tool_error "$out") (raw: $out)"; record "$name" error "$cpu"
  fi
}

test_e2e() {
  local name=cluster_e2e_100B_acksall topic="bench-e2e-r$ROUND" out="$WORK/raw/$CUR-e2e-r$ROUND.log" avg pct cpu
  create_topic "$topic" 1 || { failure "$name" "topic creation failed"; record "$name" error; return; }
  sample_begin
  java_tool "$out" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$(bootstrap_of "$CUR")" --topic "$topic" \
    --num-records "$E2E_RECORDS" --producer-acks all --record-size 100 || true
  cpu="$(sample_end "$E2E_RECORDS")"
  avg="$(sed -nE 's/^Avg latency: ([0-9.]+) ms.*/\1/p' "$out" | tail -1)"
  pct="$(sed -nE 's/^Percentiles: 50th = ([0-9.]+), 99th = ([0-9.]+), 99\.9th = ([0-9.]+).*/p50_ms=\1 p99_ms=\2 p999_ms=\3/p' "$out" | tail -1)"
  if [ -n "$avg" ] && [ -n "$pct" ]; then record "$name" ok "avg_ms=$avg $pct $cpu"
  else failure "$name" "$(tool_error "$out") (raw: $out)"; record "$name" error; fi
}

# The failover probe prints "LEADER <cycle> <node>"; we kill that node, tell the probe when, wait for its
# "failover <cycle>" line, relaunch the node and go on.
test_failover() {
  local name=cluster_failover out="$WORK/raw/$CUR-failover-r$ROUND.log" control="$WORK/raw/$CUR-failover-r$ROUND.control"
  local probe cycle node victim k deadline m
  : > "$control"; : > "$out"
  timeout -k 10 "$TEST_TIMEOUT_S" "$JAVA" $TOOL_HEAP "$MARK" -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" \
    -cp "$PROBE_DIR:$(kafka_classpath)" Failover "$(bootstrap_of "$CUR")" "failover-r$ROUND" "$KILLS" "$control" \
    "$TEST_TIMEOUT_S" > "$out" 2>&1 < /dev/null &
  probe=$!; STARTED+=("$probe")
  for ((cycle = 1; cycle <= KILLS; cycle++)); do
    deadline=$(( $(epoch_ms) + TEST_TIMEOUT_S * 1000 ))
    node=""
    while [ -z "$node" ] && alive "$probe" && [ "$(epoch_ms)" -lt "$deadline" ]; do
      node="$(sed -nE "s/^LEADER $cycle ([0-9]+)$/\\1/p" "$out")"; [ -n "$node" ] || sleep 0.05
    done
    [ -n "$node" ] || break
    victim="${NODE_PID["$CUR $node"]}"
    k="$(epoch_ms)"; kill -KILL "$victim" 2>/dev/null || true
    echo "killed $cycle $k" >> "$control"
    wait "$victim" 2>/dev/null || true
    while ! grep -q "^failover $cycle " "$out" && alive "$probe" && [ "$(epoch_ms)" -lt "$deadline" ]; do sleep 0.05; done
    launch_node "$CUR" "$node"
    wait_for_port "$(client_port "$CUR" "$node")" "$START_TIMEOUT_S" || failure "$name" "node $node did not come back"
  done
  wait "$probe" || true
  m="$(sed -nE 's/^result (.*)$/\1/p' "$out")"
  if [ -n "$m" ]; then
    record "$name" ok "$m"
    [[ "$m" == *" lost=0 duplicates=0 out_of_order=0"* ]] || failure "$name" "records lost, duplicated or reordered: $m"
  else
    failure "$name" "$(tool_error "$out") (raw: $out)"; record "$name" error
  fi
}

# ---- main ------------------------------------------------------------------------------------------------
GIT_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_ROOT" diff --quiet HEAD -- broker-embedded 2>/dev/null || echo '+local-changes')"
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
START_TS="$(date '+%Y-%m-%d %H:%M:%S %Z')"
read -r -a TGT <<< "$TARGETS"
say "cluster run $RUN_ID: targets [$TARGETS], $RUNS round(s), work dir $WORK"

archive="${TRIBUTARY_JAR%.jar}.jsa"
if [[ " $TARGETS " == *" tributary "* ]] && [ ! -f "$archive" ]; then
  say "tributary: unmeasured first cluster start (node 1 writes the AppCDS archive of bin/tributary-broker)"
  CUR=tributary ROUND=0
  prepare_cluster tributary
  phase_startup || true
  stop_cluster tributary
fi

for ((ROUND = 1; ROUND <= RUNS; ROUND++)); do
  order=("${TGT[@]}")
  if [ $((ROUND % 2)) = 0 ] && [ ${#TGT[@]} = 2 ]; then order=("${TGT[1]}" "${TGT[0]}"); fi
  say "round $ROUND/$RUNS: order ${order[*]}"
  for CUR in "${order[@]}"; do
    say " $CUR: 3 nodes"
    prepare_cluster "$CUR"
    if phase_startup; then
      sleep "$SETTLE_S"
      m="$(rss_line idle)" && record cluster_rss_idle ok "$m" || record cluster_rss_idle error
      if [[ " $CASES " == *" throughput "* ]] && [ "$WARMUP_RECORDS" -gt 0 ]; then
        say " $CUR: warm-up ($WARMUP_RECORDS records, not measured)"
        create_topic "bench-warmup-r$ROUND" "$PARTITIONS" && java_tool "$WORK/raw/$CUR-warmup-r$ROUND.log" \
          org.apache.kafka.tools.ProducerPerformance --topic "bench-warmup-r$ROUND" --num-records "$WARMUP_RECORDS" \
          --record-size 100 --throughput -1 --command-property bootstrap.servers="$(bootstrap_of "$CUR")" acks=1 \
          || say "  warm-up failed: $(tool_error "$WORK/raw/$CUR-warmup-r$ROUND.log")"
      fi
      if [[ " $CASES " == *" throughput "* ]]; then
        say " $CUR: produce 100 B acks=all"; test_produce cluster_produce_100B_acksall "$RECORDS" 100
        say " $CUR: produce 1 KiB acks=all"; test_produce cluster_produce_1KiB_acksall "$RECORDS_1KIB" 1024
        say " $CUR: end-to-end latency acks=all"; test_e2e
        m="$(rss_line load)" && record cluster_rss_load ok "$m" || record cluster_rss_load error
      fi
      if [[ " $CASES " == *" failover "* ]]; then say " $CUR: leader failover x $KILLS"; test_failover; fi
    fi
    stop_cluster "$CUR"
    rm -rf "$WORK/$CUR/data"
  done
done

LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "# 3 Tributary nodes vs 3 Apache Kafka $KAFKA_VERSION nodes, RF 3 — benchmarks/cluster.sh, run $RUN_ID"
  echo
  echo "- started $START_TS, tributary build $GIT_REV, $(nproc) cores, load average $LOAD0 at start, $LOAD1 at end"
  echo "- java: $("$JAVA" -version 2>&1 | head -1); Kafka nodes: $BROKER_HEAP $JVM_PERF_FLAGS; Tributary nodes: bin/tributary-broker"
  echo "- $RUNS round(s); CASES=\"$CASES\" RECORDS=$RECORDS RECORDS_1KIB=$RECORDS_1KIB E2E_RECORDS=$E2E_RECORDS PARTITIONS=$PARTITIONS KILLS=$KILLS"
  echo "- every node: process.roles=broker,controller; topics RF 3, min.insync.replicas=2; other settings are each broker's defaults"
  echo "  (Kafka: broker.session.timeout.ms=9000, broker.heartbeat.interval.ms=2000; Tributary: 3000 and 250, and a crashed"
  echo "  node is fenced as soon as its port refuses the controller's probe)"
  echo
  awk -v targets="$TARGETS" -f "$BENCH_SCRIPTS/report.awk" "$RUNS_LOG"
  echo
  if [ ${#ERRORS[@]} -gt 0 ]; then echo "## Failures and warnings"; for e in "${ERRORS[@]}"; do echo "- $e"; done; echo; fi
  echo "## Per-round figures (raw tool output and node logs: $WORK)"
  sed 's/^/    /' "$RUNS_LOG"
} > "$RESULTS_FILE.tmp"
mv "$RESULTS_FILE.tmp" "$RESULTS_FILE"
cat "$RESULTS_FILE"
say "report written to $RESULTS_FILE"
