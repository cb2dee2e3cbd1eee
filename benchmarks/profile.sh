#!/usr/bin/env bash
# Where does Tributary's CPU go under Kafka's ProducerPerformance (or EndToEndLatency)? Starts our broker alone
# (fresh data dir, 127.0.0.1), warms it up, records the measured producer run with Java Flight Recorder (settings=profile, started
# and stopped with jcmd so startup and warm-up are not in it), stops the broker and prints:
#   - the perf tool's result line and the broker's CPU-seconds for the run,
#   - the broker's CPU split user/kernel and by thread (from /proc, so GC and JIT threads count), GC pauses,
#   - the hottest methods: self (top frame) and total (anywhere on the stack) share of jdk.ExecutionSample,
#     and the samples attributed to the nearest Tributary method on the stack,
#   - self samples grouped by package.
#
#   benchmarks/profile.sh                        # 2M x 100 B, acks=1
#   PROFILE_ACKS=all PROFILE_SIZE=1024 PROFILE_RECORDS=500000 benchmarks/profile.sh
#   PROFILE_NODES=3 PROFILE_RECORDS=1000000 WARMUP_RECORDS=300000 benchmarks/profile.sh   # a 3-node cluster, RF 3
#   PROFILE_TOOL=e2e PROFILE_NODES=3 benchmarks/profile.sh   # Kafka's EndToEndLatency (one record at a time) instead
#
# With PROFILE_NODES=N > 1 it starts N nodes (every one broker and controller, a recording on each), the topic has
# replication factor N and min.insync.replicas=2, acks defaults to all, and CPU, threads and samples are the sum
# over the nodes.
#
# Settings: PROFILE_TOOL=producer (or e2e) PROFILE_NODES=1 PROFILE_RECORDS=2000000 (e2e: 5000) PROFILE_SIZE=100
#   PROFILE_ACKS=1 (all with nodes > 1)  PARTITIONS=6 (e2e: 1)  WARMUP_RECORDS=500000 (e2e: 2000, same tool)
#   PROFILE_PORT=19292 (node i: +10*(i-1) for clients, +1 for the controller)
#   TOP=25 (rows per list) STACK_DEPTH=64 SAMPLE_MS=1 (Java sampling period) TEST_TIMEOUT_S=600
#   OUT=$BENCH_DIR/profile-<date>-<time> (recording, broker log, tool output, summary.txt)
#   and lib.sh's (JAVA_HOME, TRIBUTARY_JAR, BROKER_HEAP, JVM_PERF_FLAGS, ...); TRIBUTARY_JVM_OPTS adds broker flags.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PROFILE_TOOL="${PROFILE_TOOL:-producer}"
case "$PROFILE_TOOL" in
  producer)
    PROFILE_RECORDS="${PROFILE_RECORDS:-2000000}"; PARTITIONS="${PARTITIONS:-6}"; WARMUP_RECORDS="${WARMUP_RECORDS:-500000}" ;;
  e2e)
    PROFILE_RECORDS="${PROFILE_RECORDS:-5000}"; PARTITIONS="${PARTITIONS:-1}"; WARMUP_RECORDS="${WARMUP_RECORDS:-2000}" ;;
  *) fail "PROFILE_TOOL must be producer or e2e, not '$PROFILE_TOOL'" ;;
esac
PROFILE_NODES="${PROFILE_NODES:-1}"
PROFILE_SIZE="${PROFILE_SIZE:-100}"
if [ "$PROFILE_NODES" -gt 1 ]; then PROFILE_ACKS="${PROFILE_ACKS:-all}"; else PROFILE_ACKS="${PROFILE_ACKS:-1}"; fi
PROFILE_PORT="${PROFILE_PORT:-19292}"
TOP="${TOP:-25}"
SAMPLE_MS="${SAMPLE_MS:-1}"
STACK_DEPTH="${STACK_DEPTH:-64}"
TEST_TIMEOUT_S="${TEST_TIMEOUT_S:-600}"
RUN_ID="$(date +%Y%m%d-%H%M%S)"
OUT="${OUT:-$BENCH_DIR/profile-$RUN_ID}"
MARK="-Dtributary.bench.run=profile-$RUN_ID"
client_port() { echo $((PROFILE_PORT + 10 * ($1 - 1))); }
BOOT=""; VOTERS=""
for ((i = 1; i <= PROFILE_NODES; i++)); do
  BOOT="${BOOT:+$BOOT,}127.0.0.1:$(client_port "$i")"
  VOTERS="${VOTERS:+$VOTERS,}$i@127.0.0.1:$(($(client_port "$i") + 1))"
done

"$BENCH_SCRIPTS/setup.sh"
[ -x "$JDK_BIN/jcmd" ] && [ -x "$JDK_BIN/jfr" ] || fail "jcmd/jfr not found in $JDK_BIN (need a full JDK)"
for ((i = 1; i <= PROFILE_NODES; i++)); do
  port_busy "$(client_port "$i")" && fail "port $(client_port "$i") is in use (set PROFILE_PORT)"
  warn_if_ephemeral "$(client_port "$i")"
done
mkdir -p "$OUT/data"

BROKERS=(); TOOL=""
cleanup() {
  trap - EXIT INT TERM
  local p i
  for p in $TOOL "${BROKERS[@]}"; do
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$OUT/data"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tool() { # outfile timeout class args...
  local out="$1" secs="$2" rc=0; shift 2
  # shellcheck disable=SC2086
  timeout -k 10 "$secs" "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS "$MARK" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" -cp "$(kafka_classpath)" "$@" > "$out" 2>&1 < /dev/null &
  TOOL=$!
  wait "$TOOL" || rc=$?
  TOOL=""
  return "$rc"
}
produce() { # outfile topic records
  if [ "$PROFILE_TOOL" = e2e ]; then
    tool "$1" "$TEST_TIMEOUT_S" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$BOOT" --topic "$2" \
      --num-records "$3" --producer-acks "$PROFILE_ACKS" --record-size "$PROFILE_SIZE"
  else
    tool "$1" "$TEST_TIMEOUT_S" org.apache.kafka.tools.ProducerPerformance --topic "$2" --num-records "$3" \
      --record-size "$PROFILE_SIZE" --throughput -1 --command-property bootstrap.servers="$BOOT" acks="$PROFILE_ACKS"
  fi
}

# JDK's "profile" settings, with Java method sampling every SAMPLE_MS instead of every 10 ms.
JDK_HOME_DIR="$(dirname "$JDK_BIN")"
awk -v ms="$SAMPLE_MS" '/<event name="jdk.ExecutionSample">/ {e = 1} e && /name="period"/ {sub(/>[^<]*</, ">" ms " ms<"); e = 0} {print}' \
  "$JDK_HOME_DIR/lib/jfr/profile.jfc" > "$OUT/bench.jfc"
# A first recording with the same settings runs from JVM start (launch.jfr, not analysed): JFR then instruments the
# JDK's I/O classes at startup. Starting the first recording later, in a warm JVM, makes JVMTI invalidate the
# compiled code ("Jvmti state change invalidated dependencies") and the C2 compiler would dominate the profile.
say "starting Tributary on $BOOT ($OUT)"
for ((i = 1; i <= PROFILE_NODES; i++)); do
  port="$(client_port "$i")"
  if [ "$PROFILE_NODES" -gt 1 ]; then
    node_args=(--override "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))"
      --override process.roles=broker,controller --override "node.id=$i" --override "controller.quorum.voters=$VOTERS"
      --override controller.listener.names=CONTROLLER --override "offsets.topic.replication.factor=$PROFILE_NODES")
  else
    node_args=(--override "listeners=PLAINTEXT://127.0.0.1:$port")
  fi
  # shellcheck disable=SC2086
  "$JAVA" $BROKER_HEAP $JVM_PERF_FLAGS ${TRIBUTARY_JVM_OPTS:-} "$MARK" \
    -XX:StartFlightRecording=name=launch,settings="$OUT/bench.jfc",disk=true,maxage=2m,filename="$OUT/launch-$i.jfr" \
    -jar "$TRIBUTARY_JAR" "${node_args[@]}" --override "log.dirs=$OUT/data/node-$i" --override num.partitions=1 \
    > "$OUT/broker-$i.log" 2>&1 < /dev/null &
  BROKERS+=($!)
done
for ((i = 1; i <= PROFILE_NODES; i++)); do
  wait_for_port "$(client_port "$i")" 120 || fail "node $i did not open its port: $(tail -5 "$OUT/broker-$i.log")"
done
topic_configs=()
[ "$PROFILE_NODES" -gt 1 ] && topic_configs=(--config min.insync.replicas=2)
tool "$OUT/create.log" 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create \
  --topic profile --partitions "$PARTITIONS" --replication-factor "$PROFILE_NODES" "${topic_configs[@]}" \
  || fail "topic creation: $(tail -3 "$OUT/create.log")"
if [ "$WARMUP_RECORDS" -gt 0 ]; then
  say "warm-up: $WARMUP_RECORDS records (not recorded)"
  produce "$OUT/warmup.log" profile "$WARMUP_RECORDS" || say "warm-up failed: $(tail -3 "$OUT/warmup.log")"
fi

for ((i = 1; i <= PROFILE_NODES; i++)); do
  "$JDK_BIN/jcmd" "${BROKERS[$((i - 1))]}" JFR.start name=bench settings="$OUT/bench.jfc" filename="$OUT/producer-$i.jfr" \
    > "$OUT/jcmd-start.log" 2>&1 || fail "JFR.start failed: $(cat "$OUT/jcmd-start.log")"
done
say "recording: $PROFILE_RECORDS x $PROFILE_SIZE B, acks=$PROFILE_ACKS"
# per-thread utime/stime (includes GC and JIT threads, which JFR's samples do not show)
thread_ticks() { local p t; for p in "${BROKERS[@]}"; do for t in /proc/"$p"/task/*; do
  printf '%s\t%s\t%s\n' "$p/${t##*/}" "$(cat "$t/comm" 2>/dev/null)" "$(s="$(cat "$t/stat" 2>/dev/null)"; echo "${s##*) }" | awk '{print $12, $13}')"; done; done; }
sum_ticks() { local p s=0; for p in "${BROKERS[@]}"; do s=$((s + $("$1" "$p"))); done; echo "$s"; }
thread_ticks > "$OUT/threads-before.tsv"
c0="$(sum_ticks cpu_ticks)"; u0="$(sum_ticks user_ticks)"; t0="$(epoch_ms)"
rc=0; produce "$OUT/producer.log" profile "$PROFILE_RECORDS" || rc=$?
c1="$(sum_ticks cpu_ticks)"; u1="$(sum_ticks user_ticks)"; t1="$(epoch_ms)"
thread_ticks > "$OUT/threads-after.tsv"
for p in "${BROKERS[@]}"; do
  "$JDK_BIN/jcmd" "$p" JFR.stop name=bench > "$OUT/jcmd-stop.log" 2>&1 || fail "JFR.stop failed: $(cat "$OUT/jcmd-stop.log")"
done
# All at once: one by one, the last node of a cluster would wait for a quorum that is gone.
for p in "${BROKERS[@]}"; do kill -TERM "$p"; done
for p in "${BROKERS[@]}"; do wait "$p" || true; done
BROKERS=()
[ "$rc" = 0 ] || say "producer exited with $rc: $(tail -3 "$OUT/producer.log")"

# ---- summary --------------------------------------------------------------------------------------------
: > "$OUT/samples.txt"; : > "$OUT/gc.txt"
for ((i = 1; i <= PROFILE_NODES; i++)); do
  "$JDK_BIN/jfr" print --events jdk.ExecutionSample --stack-depth "$STACK_DEPTH" "$OUT/producer-$i.jfr" >> "$OUT/samples.txt"
  "$JDK_BIN/jfr" print --events jdk.GarbageCollection "$OUT/producer-$i.jfr" >> "$OUT/gc.txt"
done
{
  echo "# Tributary ($PROFILE_NODES node(s)) under $PROFILE_TOOL: $PROFILE_RECORDS x $PROFILE_SIZE B, acks=$PROFILE_ACKS," \
    "$PARTITIONS partitions, replication factor $PROFILE_NODES"
  echo "# $(grep -E 'records sent|^Avg latency|^Percentiles' "$OUT/producer.log" | tr '\n' ' ')"
  awk -v a="$c0" -v b="$c1" -v hz="$CLOCK_TICKS" -v n="$PROFILE_RECORDS" -v ms=$((t1 - t0)) 'BEGIN {
    s = (b - a) / hz; printf "# broker CPU: %.2f s in %.1f s wall (%.2f cores), %.2f CPU-s per million records\n", s, ms / 1000, s * 1000 / ms, s * 1e6 / n }'
  awk -v a="$c0" -v b="$c1" -v u0="$u0" -v u1="$u1" 'BEGIN { if (b > a) printf "#   user %.0f%%, kernel %.0f%% (system calls: socket and file I/O; JFR samples below show only Java code)\n", 100 * (u1 - u0) / (b - a), 100 - 100 * (u1 - u0) / (b - a) }'
  echo "# recordings: $OUT/producer-*.jfr  (jfr print --events jdk.ExecutionSample ... for more)"
  echo
  echo "## Broker CPU by thread (/proc/<pid>/task/*/stat, utime+stime during the recorded run)"
  awk -F'\t' -v hz="$CLOCK_TICKS" -v all="$((c1 - c0))" '
    NR == FNR { split($3, b, " "); before[$1] = b[1] + b[2]; next }
    { split($3, a, " "); d = a[1] + a[2] - before[$1]; if (d <= 0) next
      name = $2; gsub(/[#-]?[0-9]+$/, "#", name); gsub(/-[0-9]+-#$/, "-#", name); ticks[name] += d; n[name]++ }
    END { for (k in ticks) printf "%7.2f s %5.1f%%  %s (%d thread%s)\n", ticks[k] / hz, 100 * ticks[k] / (all > 0 ? all : 1), k, n[k], (n[k] > 1 ? "s" : "") }' \
    "$OUT/threads-before.tsv" "$OUT/threads-after.tsv" | sort -rn | head -n "$TOP"
  echo "  (thread names as the kernel keeps them: 15 characters; '#' stands for a number, threads of one pool summed)"
  echo
  echo "## GC (jdk.GarbageCollection)"
  awk '/name = / {n = $3} /sumOfPauses = / {v = $3; u = $4; ms = (u ~ /^ms/ ? v : (u ~ /^s/ ? v * 1000 : v / 1000)); c[n]++; p[n] += ms; any = 1}
       END {for (k in c) printf "  %-14s %5d collections, %8.1f ms paused\n", k, c[k], p[k]; if (!any) print "  no collections during the recording"}' "$OUT/gc.txt"
  echo
  awk -v top="$TOP" '
    function flush() {
      if (depth == 0) return
      total++; self[frame[1]]++
      delete onstack
      for (i = 1; i <= depth; i++) if (!(frame[i] in onstack)) { onstack[frame[i]] = 1; incl[frame[i]]++ }
      p = frame[1]; sub(/\(.*/, "", p); n = split(p, parts, "."); pkg = parts[1]
      for (i = 2; i <= n - 2 && i <= 4; i++) pkg = pkg "." parts[i]
      bypkg[pkg]++
      own = "(no Tributary frame: JDK/Netty/Kafka-library threads)"
      for (i = 1; i <= depth; i++) if (frame[i] ~ /^io\.tributary\./) { own = frame[i]; break }
      nearest[own]++
      depth = 0
    }
    /^jdk.ExecutionSample/ { flush(); instack = 0 }
    /stackTrace = \[/ { instack = 1; next }
    instack && /^[[:space:]]*\]/ { instack = 0; next }
    instack && /^[[:space:]]*\.\.\./ { next }
    instack {
      f = $0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*$/, "", f)
      frame[++depth] = f
    }
    END {
      flush()
      printf "## Hottest methods, self (top frame), of %d samples\n", total
      for (m in self) printf "%6.2f%%  %s\n", 100 * self[m] / total, m | "sort -rn | head -n " top
      close("sort -rn | head -n " top)
      printf "\n## Hottest methods, total (anywhere on the stack)\n"
      for (m in incl) printf "%6.2f%%  %s\n", 100 * incl[m] / total, m | "sort -rn | head -n " top
      close("sort -rn | head -n " top)
      printf "\n## Samples by the nearest Tributary method (first io.tributary frame from the top of the stack)\n"
      for (m in nearest) printf "%6.2f%%  %s\n", 100 * nearest[m] / total, m | "sort -rn | head -n " top
      close("sort -rn | head -n " top)
      printf "\n## Self samples by package\n"
      for (p in bypkg) printf "%6.2f%%  %s\n", 100 * bypkg[p] / total, p | "sort -rn | head -n " top
      close("sort -rn | head -n " top)
    }' "$OUT/samples.txt"
} | tee "$OUT/summary.txt"
say "summary: $OUT/summary.txt"
