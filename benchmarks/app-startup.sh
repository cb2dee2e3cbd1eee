#!/usr/bin/env bash
# A Spring Boot app's start-up with Tributary's embedded broker vs with spring-kafka-test's EmbeddedKafkaKraftBroker
# (Apache Kafka in the app's JVM, as Spring tests usually run it), side by side in ONE interleaved run.
#
#   benchmarks/app-startup.sh              # RUNS=5 rounds
#   RUNS=9 benchmarks/app-startup.sh
#
# The same app (benchmarks/app-startup: one @TopicListener, one event published when the app is ready) runs in a
# fresh JVM per measurement, with the same classpath and JVM flags on both sides; only the broker differs:
#   tributary  the starter's embedded broker, nothing configured (ephemeral data dir, free port)
#   kafka      EmbeddedKafkaKraftBroker(1 broker, 1 partition, port 0) started first in main(), then the app with
#              spring.kafka.bootstrap-servers pointing at it
# Measured per run: wall time from launching `java` to the app printing its first handled event (read from its
# stdout by this script), the JVM's own uptime at that moment, heap in use then and after a full GC (live heap),
# and VmRSS / VmHWM (peak resident set) of the process, and how long the broker itself took to start inside the app
# (Tributary: the embedded node's start; Kafka: EmbeddedKafkaKraftBroker.afterPropertiesSet). Rounds alternate which
# side goes first.
#
# Settings (environment): RUNS=5, APP_JVM_OPTS="" (extra JVM flags, both sides), JAVA=java,
#   RESULTS_FILE=benchmarks/results/app-startup-<date>-<time>.txt, TIMEOUT_S=120 per run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
JAVA="${JAVA:-java}"
APP_JVM_OPTS="${APP_JVM_OPTS:-}"
TIMEOUT_S="${TIMEOUT_S:-120}"
RUN_ID="$(date +%Y%m%d-%H%M%S)"
RESULTS_FILE="${RESULTS_FILE:-benchmarks/results/app-startup-$RUN_ID.txt}"
WORK="$(mktemp -d -t tributary-app-startup-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

echo "Building the benchmark app ..." >&2
./mvnw -q -B -DskipTests -Dfuzz.skip -pl benchmarks/app-startup -am package dependency:build-classpath \
    -Dmdep.outputFile="$WORK/classpath.txt" >&2
CP="benchmarks/app-startup/target/classes:$(cat "$WORK/classpath.txt")"

# One measurement: prints "wall_ms uptime_ms heap_used_mb heap_live_mb rss_mb hwm_mb broker_start_ms".
measure() {
  local broker="$1" start line
  start=$(date +%s%N)
  line=$(timeout "$TIMEOUT_S" "$JAVA" $APP_JVM_OPTS -cp "$CP" io.tributary.benchmarks.startup.StartupApp \
      --broker="$broker" 2>"$WORK/$broker.err" | grep -m1 '^RESULT' || true)
  local end=$(date +%s%N)
  [ -n "$line" ] || { echo "no RESULT from the $broker run; its stderr:" >&2; tail -20 "$WORK/$broker.err" >&2; exit 1; }
  echo "$(( (end - start) / 1000000 )) $(sed -E 's/.*uptime_ms=([0-9]+) heap_used_mb=([0-9.]+) heap_live_mb=([0-9.]+) rss_mb=([0-9.]+) hwm_mb=([0-9.]+) broker_start_ms=([0-9]+).*/\1 \2 \3 \4 \5 \6/' <<<"$line")"
}

: >"$WORK/results"
for ((round = 1; round <= RUNS; round++)); do
  if ((round % 2)); then order="tributary kafka"; else order="kafka tributary"; fi
  for broker in $order; do
    result=$(measure "$broker")
    echo "round $round $broker: $result" >&2
    echo "$broker $result" >>"$WORK/results"
  done
done

{
  echo "# App start-up: Spring Boot app with one @TopicListener, JVM launch -> first event handled"
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')  RUNS=$RUNS  $("$JAVA" -version 2>&1 | head -1)"
  echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)  APP_JVM_OPTS='$APP_JVM_OPTS'"
  echo "# median [min..max] over the rounds; ratio = tributary / kafka (lower is better for every row)"
  awk '
    function median(s,   n, a, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function lo(s,   n, a, i, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] < m) m = a[i]; return m }
    function hi(s,   n, a, i, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] > m) m = a[i]; return m }
    BEGIN { split("launch_to_first_event_ms jvm_uptime_at_first_event_ms heap_used_mb heap_live_after_gc_mb rss_mb peak_rss_mb broker_start_ms", NAME, " ") }
    { for (i = 2; i <= 8; i++) V[$1, i - 1] = V[$1, i - 1] " " $i }
    END {
      printf "%-32s %-26s %-26s %s\n", "metric", "tributary", "kafka", "ratio"
      for (m = 1; m <= 7; m++) {
        t = median(V["tributary", m]); k = median(V["kafka", m])
        printf "%-32s %-26s %-26s %.2f\n", NAME[m], sprintf("%g [%g..%g]", t, lo(V["tributary", m]), hi(V["tributary", m])),
          sprintf("%g [%g..%g]", k, lo(V["kafka", m]), hi(V["kafka", m])), (k > 0 ? t / k : 0)
      }
    }' "$WORK/results"
} | tee "$RESULTS_FILE"
echo "report: $RESULTS_FILE" >&2
