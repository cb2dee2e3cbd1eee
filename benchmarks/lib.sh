# Shared helpers of the Tributary benchmark scripts. Sourced by setup.sh, run.sh and profile.sh; not executed.
#
# Settings every script understands (all optional):
#   BENCH_DIR        work area for Kafka, data dirs and logs      (${TMPDIR:-/tmp}/tributary-bench)
#   KAFKA_VERSION    Apache Kafka release used as the reference    (4.3.1)
#   JAVA_HOME        JDK for both brokers and the client tools      (default: `java` on PATH)
#   TRIBUTARY_JAR    our broker's fat jar                           (broker-embedded/target/tributary-broker.jar)

BENCH_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_SCRIPTS/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/tributary-bench}"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
KAFKA_DIR="$BENCH_DIR/kafka-$KAFKA_VERSION"
# keyed by the probes' sources, so checkouts with different probes can share BENCH_DIR (even at the same time)
PROBE_DIR="$BENCH_DIR/probe-classes-$(cat "$BENCH_SCRIPTS"/probe/*.java | cksum | cut -d' ' -f1)"
TRIBUTARY_JAR="${TRIBUTARY_JAR:-$REPO_ROOT/broker-embedded/target/tributary-broker.jar}"
case "$TRIBUTARY_JAR" in /*) ;; *) TRIBUTARY_JAR="$REPO_ROOT/$TRIBUTARY_JAR" ;; esac

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }
epoch_ms() { date +%s%3N; }

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="$(command -v java || true)"
fi
[ -n "$JAVA" ] && [ -x "$JAVA" ] || fail "no java: put a JDK on PATH or set JAVA_HOME"
JDK_BIN="$(dirname "$(readlink -f "$JAVA")")"

# The same JVM flags for both brokers: Kafka's stock heap (bin/kafka-server-start.sh) and GC flags
# (bin/kafka-run-class.sh, KAFKA_JVM_PERFORMANCE_OPTS).
BROKER_HEAP="${BROKER_HEAP:--Xmx1G -Xms1G}"
JVM_PERF_FLAGS="${JVM_PERF_FLAGS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
TOOL_HEAP="${TOOL_HEAP:--Xmx512M}"

kafka_classpath() { echo "$KAFKA_DIR/libs/*"; }

# Runs one of Kafka's tool classes (perf tests, TopicCommand, StorageTool) the way bin/kafka-*.sh does.
kafka_tool() {
  local main_class="$1"; shift
  # shellcheck disable=SC2086
  "$JAVA" $TOOL_HEAP $JVM_PERF_FLAGS -Dlog4j2.configurationFile="$KAFKA_DIR/config/tools-log4j2.xml" \
    -cp "$(kafka_classpath)" "$main_class" "$@"
}

# Refuses anything but loopback.
require_loopback() {
  case "${1%:*}" in 127.0.0.1|localhost) ;; *) fail "'$1' is not a loopback address; the harness only uses 127.0.0.1" ;; esac
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A listening port inside the kernel's ephemeral range can be taken by the source port of any outgoing
# connection (or by a client's self-connect while nothing listens), so a broker restart may fail to bind.
warn_if_ephemeral() {
  local lo hi
  read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || return 0
  if [ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ]; then
    say "WARNING: port $1 is in the ephemeral port range $lo-$hi; a broker relaunch can fail with 'Address already in use'"
  fi
}

# wait_for_port PORT TIMEOUT_S -> 0 once 127.0.0.1:PORT accepts connections, 1 on timeout.
wait_for_port() {
  local port="$1" deadline=$(( $(epoch_ms) + $2 * 1000 ))
  while [ "$(epoch_ms)" -lt "$deadline" ]; do
    port_busy "$port" && return 0
    sleep 0.1
  done
  return 1
}

# utime+stime of a process in clock ticks (0 if it is gone).
cpu_ticks() {
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  # drop "pid (comm) " first: comm may contain spaces; then utime and stime are fields 12 and 13
  echo "${s##*) }" | awk '{print $12 + $13}'
}
user_ticks() { # utime only
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  echo "${s##*) }" | awk '{print $12}'
}
CLOCK_TICKS="$(getconf CLK_TCK)"

# VmRSS / VmHWM of a process in KiB (NA if it is gone).
rss_kib() { awk '/^VmRSS:/ {print $2; f = 1} END {if (!f) print "NA"}' "/proc/$1/status" 2>/dev/null || echo NA; }
hwm_kib() { awk '/^VmHWM:/ {print $2; f = 1} END {if (!f) print "NA"}' "/proc/$1/status" 2>/dev/null || echo NA; }

# Whole-machine busy share since a previous sample of "total idle" jiffies.
cpu_sample() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat; }
busy_pct() { # "$before" "$after"
  awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2];
    printf "%.0f", (t > 0 ? 100 * (t - i) / t : 0)}'
}

# ---- process bookkeeping of run.sh and cluster.sh: every JVM they launch carries "$MARK" and its pid goes into
# STARTED, so their cleanup stops only what they started (and only while the pid still is that process).
STARTED=()
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$MARK"; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
stop_pid() { # pid; SIGTERM, bounded wait (STOP_TIMEOUT_S), then SIGKILL
  local pid="$1" i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then say "pid $pid ignored SIGTERM for ${STOP_TIMEOUT_S}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
stop_started() { # stops every pid in STARTED that is still ours (or a `timeout` wrapper we started)
  local pid
  for pid in "${STARTED[@]+"${STARTED[@]}"}"; do
    if alive "$pid" && { ours "$pid" || [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = timeout ]; }; then stop_pid "$pid"; fi
  done
}

# Runs a command in the background with a time limit and waits for it (so signals reach the caller's traps).
# bounded SECONDS OUTFILE CMD... -> the command's exit status (124: timed out)
bounded() {
  local secs="$1" out="$2" pid rc=0; shift 2
  timeout -k 10 "$secs" "$@" > "$out" 2>&1 < /dev/null &
  pid=$!; STARTED+=("$pid")
  wait "$pid" || rc=$?
  return "$rc"
}

random_cluster_id() { # a Kafka Uuid: 16 random bytes, base64url, no padding, not starting with '-'
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != "-" ] && { echo "$id"; return; }
  done
}
