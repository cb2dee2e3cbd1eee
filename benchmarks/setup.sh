#!/usr/bin/env bash
# Prepares everything run.sh needs; idempotent, and run.sh calls it first, so you rarely run it yourself.
#   1. Apache Kafka $KAFKA_VERSION (server, storage tool, perf tools, log4j2) resolved from Maven Central with
#      the project's Maven wrapper into $BENCH_DIR/kafka-$KAFKA_VERSION/libs
#   2. log4j2 configs for the Kafka broker and the tools
#   3. the probes in benchmarks/probe/ (first-record timer, group-less consumer, group rebalance timer,
#      transactional producer / read_committed latency) compiled
#      against those client jars into $PROBE_DIR (one folder per version of the probes' sources)
#   4. our broker jar ($TRIBUTARY_JAR), built with ./mvnw -DskipTests package if it is missing
#      into the folder the jar path names (TRIBUTARY_JAR=broker-embedded/target-x/tributary-broker.jar builds with
#      -Dbuild.dir.name=target-x, so parallel builds do not clash; BUILD_DIR_NAME overrides)
# Settings: see lib.sh (BENCH_DIR, KAFKA_VERSION, JAVA_HOME, TRIBUTARY_JAR) and
#   LOG4J_VERSION (2.25.4: the log4j2 release Kafka 4.3 is built against; Kafka logs through SLF4J 1.7)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LOG4J_VERSION="${LOG4J_VERSION:-2.25.4}"
MVNW="$REPO_ROOT/mvnw"
[ -x "$MVNW" ] || fail "Maven wrapper not found at $MVNW"
[ -x "$JDK_BIN/javac" ] || fail "no javac next to $JAVA (a JDK is needed, not a JRE); set JAVA_HOME"

# --- 1. Apache Kafka from Maven Central ----------------------------------------------------------
mkdir -p "$KAFKA_DIR/config" "$KAFKA_DIR/resolve"
stamp="$KAFKA_DIR/libs/.resolved-$KAFKA_VERSION-log4j-$LOG4J_VERSION"
if [ -f "$stamp" ]; then
  say "Apache Kafka $KAFKA_VERSION: already in $KAFKA_DIR/libs"
else
  cat > "$KAFKA_DIR/resolve/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by tributary benchmarks/setup.sh: the jars of an Apache Kafka $KAFKA_VERSION single-node install. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.tributary.bench</groupId>
  <artifactId>apache-kafka-reference</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker (kafka.Kafka), KRaft storage formatting (kafka.tools.StorageTool) -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-storage</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- ProducerPerformance, ConsumerPerformance, EndToEndLatency, TopicCommand -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- the logging backend the binary distribution ships -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  say "resolving Apache Kafka $KAFKA_VERSION from Maven Central (./mvnw dependency:copy-dependencies)"
  rm -rf "$KAFKA_DIR/libs.partial"
  (cd "$KAFKA_DIR/resolve" && "$MVNW" -q -B -Dstyle.color=never -f pom.xml dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_DIR/libs.partial") \
    || fail "could not resolve Apache Kafka $KAFKA_VERSION (network? version?)"
  [ -f "$KAFKA_DIR/libs.partial/kafka_2.13-$KAFKA_VERSION.jar" ] \
    && [ -f "$KAFKA_DIR/libs.partial/kafka-tools-$KAFKA_VERSION.jar" ] || fail "Kafka jars missing after resolution"
  rm -rf "$KAFKA_DIR/libs"
  mv "$KAFKA_DIR/libs.partial" "$KAFKA_DIR/libs"
  touch "$stamp"
fi

# --- 2. logging ----------------------------------------------------------------------------------
# Kafka broker: INFO into server.log under -Dkafka.logs.dir (like the distribution), WARN also to stdout.
cat > "$KAFKA_DIR/config/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="Console" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <ThresholdFilter level="WARN"/>
    </Console>
    <File name="Server" fileName="${sys:kafka.logs.dir}/server.log">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="INFO">
      <AppenderRef ref="Console"/>
      <AppenderRef ref="Server"/>
    </Root>
  </Loggers>
</Configuration>
EOF
# Tools and the probe: warnings and errors only, on stderr.
cat > "$KAFKA_DIR/config/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="Console" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="Console"/></Root>
  </Loggers>
</Configuration>
EOF

# --- 3. probes ----------------------------------------------------------------------------------
# PROBE_DIR's name carries a checksum of the sources (lib.sh): a changed probe compiles into a new folder.
stamp="$PROBE_DIR/.compiled"
if [ ! -f "$stamp" ]; then
  say "compiling the probes (benchmarks/probe/*.java) into $PROBE_DIR"
  rm -rf "$PROBE_DIR.partial" && mkdir -p "$PROBE_DIR.partial"
  "$JDK_BIN/javac" -Xlint:all -Werror --release 17 -cp "$(kafka_classpath)" -d "$PROBE_DIR.partial" "$BENCH_SCRIPTS"/probe/*.java
  touch "$PROBE_DIR.partial/.compiled"
  rm -rf "$PROBE_DIR" && mv "$PROBE_DIR.partial" "$PROBE_DIR"
fi

# --- 4. our broker -------------------------------------------------------------------------------
if [ -f "$TRIBUTARY_JAR" ]; then
  say "Tributary jar: $TRIBUTARY_JAR"
else
  dir_name="${BUILD_DIR_NAME:-}"
  if [ -z "$dir_name" ]; then # derive it from TRIBUTARY_JAR=<repo>/broker-embedded/<dir>/tributary-broker.jar
    case "$TRIBUTARY_JAR" in
      "$REPO_ROOT"/broker-embedded/*/tributary-broker.jar) dir_name="$(basename "$(dirname "$TRIBUTARY_JAR")")" ;;
      *) dir_name=target ;;
    esac
  fi
  say "Tributary jar missing ($TRIBUTARY_JAR): building with ./mvnw -Dbuild.dir.name=$dir_name -DskipTests package"
  (cd "$REPO_ROOT" && ./mvnw -B -q -Dbuild.dir.name="$dir_name" -DskipTests package) || fail "build failed"
  [ -f "$TRIBUTARY_JAR" ] || fail "built, but $TRIBUTARY_JAR still does not exist (set TRIBUTARY_JAR to the built jar)"
fi
say "ready: Kafka $KAFKA_VERSION ($(ls "$KAFKA_DIR/libs" | wc -l) jars), java $("$JAVA" -version 2>&1 | head -1)"
