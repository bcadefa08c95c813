#!/usr/bin/env bash
# Local Kafka (KRaft), MongoDB-compatible server (mongo-java-server) and Redis without Docker.
#
#   infra.sh up     [PROFILE] [COMPONENT…]   start (or reuse) the processes, then print the env lines
#   infra.sh down   [PROFILE] [COMPONENT…]   stop exactly the processes recorded in the pid files
#   infra.sh status [PROFILE] [COMPONENT…]   show what runs; exit 0 only when all answer
#   infra.sh env    [PROFILE]                print KAFKA_BROKERS / MONGO_URL / REDIS_URL for the profile
#   infra.sh start  PROFILE [COMPONENT…]     start (or reuse) components and wait until they answer
#   infra.sh stop   PROFILE [COMPONENT…]     SIGTERM (clean shutdown), wait until the process is gone
#   infra.sh kill   PROFILE [COMPONENT…]     SIGKILL (a crash), wait until the process is gone
#
# The profile defaults to dev. Progress goes to stderr; stdout carries only the KEY=value lines of
# `up` and `env`, so `eval "$(infra/local/infra.sh up test)"` and programmatic callers can parse it.
#
# Profiles use disjoint non-standard ports so a dev stack (npm start), a test stack (jest), the
# outage broker, a cluster and a system Redis/Kafka/MongoDB can all run on one machine at once.
# All lie below Linux's ephemeral range (32768-60999): a broker restarted after an outage could
# otherwise find its port taken as the source port of a client's reconnect (it happened, on 49092).
#
#   profile  Kafka (controller)                          MongoDB  Redis  state
#   dev      19092 (19093)                               27117    16379  kept: Kafka logs, H2 file, AOF
#   test     29092 (29093)                               27217    26379  Kafka wiped at each start, Mongo in memory, no persistence
#   outage   31092 (31093)                               31217    31379  one test stops and restarts this broker
#   cluster  32092 32093 32094 (32095 32096 32097)       32217    32379  kept in .data/cluster: Kafka logs, H2 file, AOF
#
# The cluster profile (fault tests; packages/testkit startClusterInfra) runs three combined
# broker+controller KRaft nodes, kafka-1..kafka-3 (node ids 1..3, a 3-voter quorum, so any one node
# can die), with default.replication.factor 3, min.insync.replicas 2 and internal topics (offsets,
# transactions, share state) at replication 3 / min ISR 2; mongo-java-server on its H2 file
# (.data/cluster/mongo.mv) and Redis with an append-only file (appendfsync everysec), so stopping or
# killing either keeps what it acknowledged (H2 and the AOF may lose up to about a second on kill -9).
# Components are kafka-1, kafka-2, kafka-3 (`kafka` = all three), mongo, redis:
#
#   infra/local/infra.sh up cluster                 # all five; 11-18 s from nothing on 2 cores, see below
#   infra/local/infra.sh kill cluster kafka-2       # kill -9 one broker (a crash)
#   infra/local/infra.sh start cluster kafka-2      # bring it back on its own data
#   infra/local/infra.sh stop cluster redis         # clean SIGTERM; `start cluster redis` reloads the AOF
#   infra/local/infra.sh down cluster && rm -rf .data/cluster   # a fresh cluster next time
#
# Measured on the 2-core development machine (JDK 17, Kafka 4.4; the higher figures with other
# builds running, load average 6): `up cluster` from an empty .data/cluster 10.7-18.6 s (three
# storage formats in parallel, then three brokers forming a quorum); `up` on existing data 10 s;
# `start cluster kafka-N` after a kill 5-7 s; `kill` 0.1 s; `down cluster` 6 s. After a kill -9 the
# surviving nodes fence the dead one and move its partition leaderships within about 10 s (6 s
# session timeout, plus a controller election when the dead node was the active controller).
# Resident memory (ps -o rss), after start-up and after 5 000 acks=all messages with a broker
# kill: each broker 315-356 MB (heap at most 384 MB, KAFKA_CLUSTER_HEAP), mongo-java-server 73 MB,
# Redis 12 MB: about 1.1 GB in all.
#
# Environment:
#   INFRA_NO_APT=1              never try to apt-get install redis-server
#   INFRA_COMPONENTS="kafka"    manage only these components (default: all of the profile); component
#                               arguments after the profile take precedence
#   MONGO_HEAP, KAFKA_CLUSTER_HEAP   JVM heap of mongo-java-server (1536m) and
#                               of each cluster broker (384m)
#   MONGO_GC_PAUSE_MS           the stand-in's G1 pause-time goal (50)
#   MONGO_GC_YOUNG_MIN_PERCENT  the least share of the stand-in's heap G1 keeps young (5, G1's own)
#   MONGO_JAVA                  the java that runs the stand-in (java on the PATH)
#   MONGO_JAVA_OPTS             more JVM options for the stand-in, split on spaces (a profile:
#                               -XX:FlightRecorderOptions:stackdepth=256, then jcmd JFR.start)
#   KAFKA_READY_TIMEOUT        seconds a broker may take to log "Kafka Server started" (90); a
#                               broker restarted after kill -9 on a loaded machine took longer in CI
#   MONGO_STORE=memory|h2      where mongo-java-server keeps its data (default: h2 for dev and
#                               cluster, memory for test and outage)
#   MONGO_SECONDARY_INDEXES=0   start mongo-java-server without the launcher's secondary indexes
#                               (infra/mongo/RangeIndex.java), as the library is published
#
# Requirements: bash, JDK 17+ (java, javac), Maven 3 (first run, or after a pom changes), redis-server.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_DIR="$ROOT/infra/kafka"
MONGO_DIR="$ROOT/infra/mongo"

# A fixed cluster id (generated once with `StorageTool random-uuid`) saves a JVM start per `up`.
KAFKA_CLUSTER_ID="wryx77xPTei6zBx_C0Y14Q"
KAFKA_READY_TIMEOUT=${KAFKA_READY_TIMEOUT:-90}
MONGO_READY_TIMEOUT=60
REDIS_READY_TIMEOUT=30
STOP_TIMEOUT=30

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }
[[ "$KAFKA_READY_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "KAFKA_READY_TIMEOUT must be a whole number of seconds, got '$KAFKA_READY_TIMEOUT'"

usage() {
  cat >&2 <<'USAGE'
usage: infra.sh up|down|status|env|start|stop|kill [dev|test|outage|cluster] [COMPONENT…]
  up      start Kafka, MongoDB (mongo-java-server) and Redis for the profile, or reuse running ones
  down    stop the processes this script started for the profile
  status  show the state of each process (exit 0 when all answer)
  env     print KAFKA_BROKERS, MONGO_URL and REDIS_URL for the profile
  start   like up for the named components, without the env lines
  stop    SIGTERM the named components and wait until they are gone
  kill    SIGKILL the named components (a crash) and wait until they are gone
components: kafka, mongo, redis; in the cluster profile kafka-1, kafka-2, kafka-3 (kafka = all three)
USAGE
  exit 2
}

# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------

# Sets the ports and the component list. Components are `kafka` (the one broker of dev, test and
# outage) or `kafka-<n>` (node n of the cluster), `mongo` and `redis`.
set_profile() {
  PROFILE="$1"
  shift
  KAFKA_NODES=0
  case "$PROFILE" in
    dev)
      KAFKA_PORT=19092; KAFKA_CONTROLLER_PORT=19093; MONGO_PORT=27117; REDIS_PORT=16379 ;;
    test)
      KAFKA_PORT=29092; KAFKA_CONTROLLER_PORT=29093; MONGO_PORT=27217; REDIS_PORT=26379 ;;
    outage)
      # A broker that one test stops and restarts (with INFRA_COMPONENTS=kafka) to prove that
      # nothing accepted is lost, without disturbing the shared test broker.
      KAFKA_PORT=31092; KAFKA_CONTROLLER_PORT=31093; MONGO_PORT=31217; REDIS_PORT=31379 ;;
    cluster)
      # Three KRaft nodes for replication and fault tests; controller ports sit after the brokers'.
      KAFKA_NODES=3
      KAFKA_NODE_PORTS=(32092 32093 32094); KAFKA_NODE_CONTROLLER_PORTS=(32095 32096 32097)
      MONGO_PORT=32217; REDIS_PORT=32379 ;;
    *)
      say "unknown profile '$PROFILE' (expected dev, test, outage or cluster)"; usage ;;
  esac
  DATA="$ROOT/.data/$PROFILE"

  local -a requested=()
  if (( $# > 0 )); then
    requested=("$@")
  else
    read -r -a requested <<< "${INFRA_COMPONENTS:-kafka mongo redis}"
  fi
  COMPONENTS=()
  local comp n
  for comp in "${requested[@]}"; do
    case "$comp" in
      mongo|redis) add_component "$comp" ;;
      kafka)
        if (( KAFKA_NODES > 0 )); then
          for (( n = 1; n <= KAFKA_NODES; n++ )); do add_component "kafka-$n"; done
        else
          add_component kafka
        fi ;;
      kafka-[0-9]*)
        n=${comp#kafka-}
        (( KAFKA_NODES > 0 )) || die "component '$comp' exists only in the cluster profile (profile $PROFILE has one broker: kafka)"
        [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= KAFKA_NODES )) || die "unknown component '$comp' (kafka-1 … kafka-$KAFKA_NODES)"
        add_component "$comp" ;;
      *) die "unknown component '$comp' (kafka, mongo, redis$( (( KAFKA_NODES > 0 )) && echo ", kafka-1 … kafka-$KAFKA_NODES"))" ;;
    esac
  done
  (( ${#COMPONENTS[@]} > 0 )) || die "no component selected"
}

add_component() {
  local existing
  for existing in "${COMPONENTS[@]}"; do
    [[ "$existing" == "$1" ]] && return
  done
  COMPONENTS+=("$1")
}

is_kafka() { [[ "$1" == kafka || "$1" == kafka-* ]]; }
node_of() { echo "${1#kafka-}"; }

kafka_brokers() {
  if (( KAFKA_NODES > 0 )); then
    local IFS=,
    local -a list=()
    local port
    for port in "${KAFKA_NODE_PORTS[@]}"; do list+=("127.0.0.1:$port"); done
    echo "${list[*]}"
  else
    echo "127.0.0.1:$KAFKA_PORT"
  fi
}

print_env() {
  printf 'KAFKA_BROKERS=%s\n' "$(kafka_brokers)"
  printf 'MONGO_URL=mongodb://127.0.0.1:%s/tthc\n' "$MONGO_PORT"
  printf 'REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"
}

component_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    kafka-*) echo "${KAFKA_NODE_PORTS[$(( $(node_of "$1") - 1 ))]}" ;;
    mongo) echo "$MONGO_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
  esac
}

controller_port() {
  case "$1" in
    kafka) echo "$KAFKA_CONTROLLER_PORT" ;;
    kafka-*) echo "${KAFKA_NODE_CONTROLLER_PORTS[$(( $(node_of "$1") - 1 ))]}" ;;
  esac
}

# Text that must appear in /proc/<pid>/cmdline. Pid files outlive reboots and crashes; without this
# check a recycled pid could make `up` trust, or `down` kill, an unrelated process. Cluster nodes
# differ only by their properties file, so that file is part of the signature.
component_signature() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    kafka-*) echo "kafka.Kafka $DATA/$1.properties" ;;
    mongo) echo "MongoLauncher" ;;
    redis) echo "redis-server" ;;
  esac
}

ready_timeout() {
  case "$1" in
    kafka*) echo "$KAFKA_READY_TIMEOUT" ;;
    mongo) echo "$MONGO_READY_TIMEOUT" ;;
    *) echo "$REDIS_READY_TIMEOUT" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Process and port helpers
# ---------------------------------------------------------------------------------------------

now_ms() { date +%s%3N; }
elapsed_s() { local start=$1; local ms=$(( $(now_ms) - start )); printf '%d.%01d' $((ms / 1000)) $(((ms % 1000) / 100)); }

port_open() {
  # The subshell owns the descriptor, so it closes however the connect attempt ends; `timeout`
  # guards against a filtered port, which would otherwise block for the kernel's connect timeout.
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

redis_pong() {
  # LOADING replies while Redis replays its AOF would make clients fail, so only +PONG counts.
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf 'PING\r\n' >&3; IFS= read -r line <&3; [[ \$line == '+PONG'* ]]" 2>/dev/null
}

pid_file() { echo "$DATA/$1.pid"; }
log_file() { echo "$DATA/$1.log"; }

# True while the process exists and is not a zombie. A killed server whose parent (this script)
# is gone is reaped by init; until then `kill -0` still succeeds on the zombie.
pid_running() {
  local pid=$1 stat
  kill -0 "$pid" 2>/dev/null || return 1
  # Without procfs (not Linux) kill -0 is all there is to go by.
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 0
  # The state letter follows the command name, which is in parentheses and may contain spaces.
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# Prints the pid recorded for a component when that process is alive and is really ours.
live_pid() {
  local comp=$1 file pid
  file="$(pid_file "$comp")"
  [[ -f "$file" ]] || return 1
  pid="$(tr -dc '0-9' < "$file")"
  [[ -n "$pid" ]] || return 1
  pid_running "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(component_signature "$comp")" || return 1
  echo "$pid"
}

print_log_tail() {
  local comp=$1 file
  file="$(log_file "$comp")"
  if [[ -s "$file" ]]; then
    say "last 40 lines of $file:"
    tail -n 40 "$file" | sed 's/^/    /' >&2
  else
    say "$file is empty or missing"
  fi
}

# Waits until a component is ready. Fails early when the process exits, so a crash (bad config,
# port taken) is reported in seconds rather than after the full timeout.
wait_ready() {
  local comp=$1 pid=$2 timeout=$3 port deadline
  port="$(component_port "$comp")"
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    if ! pid_running "$pid"; then
      say "$comp (pid $pid) exited during startup"
      return 1
    fi
    if port_open "$port" && component_ready "$comp" "$port"; then
      return 0
    fi
    if (( $(date +%s) >= deadline )); then
      say "$comp did not become ready on 127.0.0.1:$port within ${timeout}s (load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
      return 1
    fi
    sleep 0.2
  done
}

component_ready() {
  local comp=$1 port=$2
  case "$comp" in
    # The listener opens before the broker has caught up with its metadata log; clients that
    # connect in between get LEADER_NOT_AVAILABLE and coordinator errors. The log line marks the end.
    # A cluster node logs it only once the quorum has a leader, so it also means "part of a quorum".
    kafka*) grep -q 'Kafka Server started' "$(log_file "$comp")" 2>/dev/null ;;
    mongo) return 0 ;;
    redis) redis_pong "$port" ;;
  esac
}

# Starts a command detached from the caller: setsid puts it in its own session, so Ctrl-C in the
# terminal of `npm start` and the exit of jest or of this script leave it running. The lock
# descriptor (9) is closed so the long-lived child does not hold the profile lock forever, and the
# working directory is the profile's state directory so stray files (JVM crash dumps) land there.
# Every step execs, so $! is the pid of the server process itself.
spawn_detached() {
  local comp=$1; shift
  local log pid
  log="$(log_file "$comp")"
  : > "$log"
  (cd "$DATA" && exec setsid nohup "$@" < /dev/null >> "$log" 2>&1 9>&-) &
  pid=$!
  echo "$pid" > "$(pid_file "$comp")"
  SPAWNED_PID=$pid
}

stop_pid() {
  # Sends SIGTERM, waits for a clean exit (Kafka flushes its logs, H2 commits, Redis writes its AOF),
  # then falls back to SIGKILL.
  local comp=$1 pid=$2 deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while pid_running "$pid"; do
    if (( $(date +%s) >= deadline )); then
      say "$comp (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}

# Waits until nothing listens on the component's ports any more, so that a caller told "stopped"
# can rely on connection refused rather than on a socket the kernel has not closed yet.
wait_ports_closed() {
  local comp=$1 deadline port
  local -a ports=("$(component_port "$comp")")
  if is_kafka "$comp"; then ports+=("$(controller_port "$comp")"); fi
  deadline=$(( $(date +%s) + 10 ))
  for port in "${ports[@]}"; do
    while port_open "$port"; do
      if (( $(date +%s) >= deadline )); then
        say "warning: 127.0.0.1:$port ($comp) still answers after its process exited"
        return 0
      fi
      sleep 0.1
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found. Install a JDK 17 or newer (Debian: apt-get install -y openjdk-17-jdk-headless)."
  command -v javac >/dev/null 2>&1 || die "javac not found (only a JRE is installed). Install a JDK 17 or newer (Debian: apt-get install -y openjdk-17-jdk-headless)."
  local version major
  version="$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  major="${version%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$version" | cut -d. -f2)"
  if [[ ! "$major" =~ ^[0-9]+$ ]] || (( major < 17 )); then
    die "Java ${version:-unknown} found, but Kafka 4 needs Java 17 or newer (Debian: apt-get install -y openjdk-17-jdk-headless)."
  fi
}

require_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    REDIS_BIN="$(command -v redis-server)"
    return
  fi
  if [[ "$(id -u)" == 0 && -z "${INFRA_NO_APT:-}" ]] && command -v apt-get >/dev/null 2>&1; then
    say "redis-server not found; installing it: apt-get update && apt-get install -y redis-server"
    # apt output goes to stderr so stdout stays reserved for the env lines.
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update >&2 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server >&2; }; then
      die "apt-get could not install redis-server; install it yourself (apt-get install -y redis-server)."
    fi
    # The package also enables a system service on 6379; it is left alone, this script uses its own port.
    REDIS_BIN="$(command -v redis-server)" || die "redis-server still not found after apt-get install."
    return
  fi
  die "redis-server not found. Install Redis 6.2+ (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis)."
}

# Resolves jars into infra/<name>/target/lib. A stamp file makes warm starts skip Maven (about 3 s
# per pom); it is invalidated whenever the pom changes.
resolve_jars() {
  local dir=$1 label=$2 stamp
  stamp="$dir/target/lib/.resolved"
  if [[ -f "$stamp" && "$stamp" -nt "$dir/pom.xml" ]]; then
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found, and the $label jars are not resolved yet. Install Maven 3.6+ (Debian: apt-get install -y maven)."
  say "fetching $label jars (first run only)…"
  local start; start=$(now_ms)
  rm -rf "$dir/target/lib"
  # Maven's output goes to stderr so that only the env lines reach our stdout. Maven 3.8 emits bare
  # ANSI reset codes even in batch mode; strip them and the blank lines they leave.
  if ! mvn -q -B -Dstyle.color=never -f "$dir/pom.xml" dependency:copy-dependencies 2>&1 \
      | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    die "Maven could not resolve the $label jars (see the output above). Check access to Maven Central or your ~/.m2/settings.xml mirror."
  fi
  touch "$stamp"
  say "$label jars ready in $(elapsed_s "$start")s ($(find "$dir/target/lib" -name '*.jar' | wc -l) jars)"
}

compile_mongo_launcher() {
  local classes="$MONGO_DIR/target/classes"
  # Compiled once rather than run as a source file: source launch recompiles on every start (~1.5 s).
  if [[ -f "$classes/MongoLauncher.class" && "$classes/MongoLauncher.class" -nt "$MONGO_DIR/MongoLauncher.java" \
    && "$classes/MongoLauncher.class" -nt "$MONGO_DIR/RangeIndex.java" ]]; then
    return
  fi
  mkdir -p "$classes"
  javac -nowarn -d "$classes" -cp "$MONGO_DIR/target/lib/*" "$MONGO_DIR/MongoLauncher.java" "$MONGO_DIR/RangeIndex.java" >&2 \
    || die "could not compile infra/mongo/MongoLauncher.java and RangeIndex.java"
}

# ---------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------

# Decides, before anything is started, what `up` does with a component: reuse a running instance,
# wait for one that is still starting, or start it. Checking every port first means a conflict on
# the last port never leaves the first components running.
plan_component() {
  local comp=$1 pid port
  port="$(component_port "$comp")"
  if pid="$(live_pid "$comp")"; then
    if port_open "$port"; then
      say "$comp already running (pid $pid) on 127.0.0.1:$port; reusing it"
      PLAN[$comp]="reuse"
    else
      # Alive but not listening: most likely still starting after a concurrent `up` gave up.
      say "$comp (pid $pid) is running but 127.0.0.1:$port does not answer yet; waiting for it"
      PLAN[$comp]="wait"
      WAIT_PIDS+=("$comp:$pid")
    fi
    return
  fi
  rm -f "$(pid_file "$comp")"
  if port_open "$port"; then
    die "127.0.0.1:$port ($comp, profile $PROFILE) is already in use by a process this script did not start. Stop that process, or run 'infra.sh down $PROFILE' if it comes from another checkout of this repository."
  fi
  if is_kafka "$comp" && port_open "$(controller_port "$comp")"; then
    die "Kafka controller port 127.0.0.1:$(controller_port "$comp") ($comp, profile $PROFILE) is already in use by another process."
  fi
  PLAN[$comp]="start"
}

# The JVM command line shared by the broker and its storage tool.
kafka_jvm() {
  local comp=$1
  if [[ "$comp" == kafka ]]; then
    KAFKA_JVM=(java -Xms256m -Xmx512m -XX:+UseG1GC)
  else
    # Three brokers share two cores: a small heap, and the serial collector, whose footprint and
    # thread count are far smaller than G1's at this heap size.
    KAFKA_JVM=(java -Xms128m "-Xmx${KAFKA_CLUSTER_HEAP:-384m}" -XX:+UseSerialGC)
  fi
  KAFKA_JVM+=(-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_DIR/target/lib/*")
}

# Sets KAFKA_PROPS / KAFKA_LOGDIR for a node, without touching the disk.
kafka_paths() {
  if [[ "$1" == kafka ]]; then
    KAFKA_LOGDIR="$DATA/kafka"; KAFKA_PROPS="$DATA/server.properties"
  else
    KAFKA_LOGDIR="$DATA/$1"; KAFKA_PROPS="$DATA/$1.properties"
  fi
}

# Prepares a node's log directory and renders its properties; called once per start.
render_kafka_props() {
  local comp=$1
  kafka_paths "$comp"
  if [[ "$comp" == kafka ]]; then
    # Tests want an empty broker on every start; dev keeps its topics and offsets across restarts.
    if [[ "$PROFILE" == test ]]; then
      rm -rf "$KAFKA_LOGDIR"
    fi
    mkdir -p "$KAFKA_LOGDIR"
    local escaped_logdir=${KAFKA_LOGDIR//&/\\&}
    sed -e "s|@BROKER_PORT@|$KAFKA_PORT|g" \
        -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
        -e "s|@LOG_DIR@|$escaped_logdir|g" \
        "$KAFKA_DIR/server.properties.tmpl" > "$KAFKA_PROPS"
    return
  fi
  local node voters="" i
  node="$(node_of "$comp")"
  for (( i = 1; i <= KAFKA_NODES; i++ )); do
    voters+="${voters:+,}$i@127.0.0.1:${KAFKA_NODE_CONTROLLER_PORTS[$(( i - 1 ))]}"
  done
  mkdir -p "$KAFKA_LOGDIR"
  local escaped_logdir=${KAFKA_LOGDIR//&/\\&}
  sed -e "s|@NODE_ID@|$node|g" \
      -e "s|@VOTERS@|$voters|g" \
      -e "s|@BROKER_PORT@|$(component_port "$comp")|g" \
      -e "s|@CONTROLLER_PORT@|$(controller_port "$comp")|g" \
      -e "s|@LOG_DIR@|$escaped_logdir|g" \
      "$KAFKA_DIR/cluster.properties.tmpl" > "$KAFKA_PROPS"
}

# Renders the properties of every node about to start and formats the storage of those that have
# none yet, all at once: each format is a JVM start (a few seconds on 2 cores), and a new cluster
# needs three.
format_kafka_storage() {
  local comp
  local -a pids=() comps=()
  for comp in "$@"; do
    render_kafka_props "$comp"
    [[ -f "$KAFKA_LOGDIR/meta.properties" ]] && continue
    kafka_jvm "$comp"
    say "formatting Kafka storage in ${KAFKA_LOGDIR#"$ROOT/"}"
    "${KAFKA_JVM[@]}" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_PROPS" > "$DATA/$comp-format.log" 2>&1 &
    pids+=("$!"); comps+=("$comp")
  done
  local i failed=0
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      say "kafka storage format failed for ${comps[$i]}:"
      tail -n 40 "$DATA/${comps[$i]}-format.log" | sed 's/^/    /' >&2
      failed=1
    fi
  done
  (( failed == 0 )) || exit 1
}

start_kafka() {
  local comp=$1
  kafka_paths "$comp"
  kafka_jvm "$comp"
  say "starting $comp on 127.0.0.1:$(component_port "$comp") (controller $(controller_port "$comp"))"
  spawn_detached "$comp" "${KAFKA_JVM[@]}" kafka.Kafka "$KAFKA_PROPS"
  STARTED+=("$comp")
  WAIT_PIDS+=("$comp:$SPAWNED_PID")
}

start_mongo() {
  local -a args=(--port "$MONGO_PORT")
  local heap=${MONGO_HEAP:-1536m} where="in-memory"
  # MONGO_STORE=memory keeps a dev or cluster stand-in in its heap: the H2 file reopens too slowly
  # for infra.sh's wait once it holds a few hundred MB, which a bench at 1 000 000 deadlines needs.
  local store=${MONGO_STORE:-}
  [[ -z "$store" ]] && { [[ "$PROFILE" == dev || "$PROFILE" == cluster ]] && store=h2 || store=memory; }
  [[ "$store" == h2 || "$store" == memory ]] || die "MONGO_STORE must be h2 or memory, not '$store'"
  if [[ "$store" == h2 ]]; then
    args+=(--h2 "$DATA/mongo.mv")
    where="H2 file ${DATA#"$ROOT/"}/mongo.mv"
  fi
  # The library ignores non-unique indexes (every such query scans the collection under its lock);
  # the launcher answers them from RangeIndex.java as MongoDB would. 0 compares with the library alone.
  if [[ "${MONGO_SECONDARY_INDEXES:-1}" == 0 ]]; then
    args+=(--no-secondary-indexes)
    where="$where, unique indexes only"
  fi
  # The H2 backend keeps the data in its file, but not all of its working set: the long fault run
  # (about 30 000 events with their alerts and deliveries) ran a 512 MB heap out of memory, so the
  # cluster gets the same default heap as the other profiles.
  say "starting mongo-java-server on 127.0.0.1:$MONGO_PORT ($where)"
  # The test profile keeps everything in memory; 20 000 dossiers with their histories and timers
  # (npm run bench) outgrew 512 MB, so the heap is larger and can be set with MONGO_HEAP.
  # Its collector's pauses stop every client at once, which a real mongod never does: with G1's
  # default 200 ms goal its young collections took 300-700 ms on 2 cores (the whole heap of new
  # documents survives each), and alerts due then waited for them. A 50 ms goal keeps the young
  # generation small enough (MONGO_GC_PAUSE_MS); the log (mongo-gc.log) shows the pauses taken.
  # The goal alone does not bound them on a large heap: G1 keeps at least 5 % of the heap young
  # (700-800 MB at the 14-16 GB of the benches at 1 000 000 deadlines or subjects), most of which
  # survives, so young pauses took 400-750 ms. MONGO_GC_YOUNG_MIN_PERCENT lowers that floor
  # (G1NewSizePercent). At 1 % the latency bench's longest pause was 98 ms against 744, but the
  # alerts' p99 did not follow, and under the reporting bench's million subjects the collections
  # came every 250 ms, promoted what was in flight, and the heap filled with garbage that marking
  # could not keep up with (the fill at about 400 subjects/s against 680). So G1's own 5 % stays.
  spawn_detached mongo "${MONGO_JAVA:-java}" "-Xmx$heap" -XX:+ExitOnOutOfMemoryError "-XX:MaxGCPauseMillis=${MONGO_GC_PAUSE_MS:-50}" \
    -XX:+UnlockExperimentalVMOptions "-XX:G1NewSizePercent=${MONGO_GC_YOUNG_MIN_PERCENT:-5}" \
    "-Xlog:gc:file=$DATA/mongo-gc.log:time,uptime:filecount=2,filesize=20m" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.showDateTime=true \
    ${MONGO_JAVA_OPTS:-} -cp "$MONGO_DIR/target/classes:$MONGO_DIR/target/lib/*" MongoLauncher "${args[@]}"
  STARTED+=(mongo)
  WAIT_PIDS+=("mongo:$SPAWNED_PID")
}

start_redis() {
  local dir="$DATA/redis" persistence
  mkdir -p "$dir"
  # noeviction: BullMQ keeps jobs in Redis, and an evicted job key is a silently lost deadline.
  local -a args=(--bind 127.0.0.1 --port "$REDIS_PORT" --daemonize no --logfile "" --dir "$dir"
    --maxmemory-policy noeviction)
  case "$PROFILE" in
    dev)
      args+=(--appendonly yes); persistence="AOF in ${dir#"$ROOT/"}" ;;
    cluster)
      # The AOF alone (no RDB snapshots) is the state: a restart replays it, and a fault test that
      # wants Redis to lose its data says so with FLUSHALL. everysec is the production setting
      # (docker-compose.yml); a kill -9 may lose the last second.
      args+=(--appendonly yes --appendfsync everysec --save ""); persistence="AOF in ${dir#"$ROOT/"}" ;;
    *)
      args+=(--save "" --appendonly no); persistence="no persistence" ;;
  esac
  say "starting redis on 127.0.0.1:$REDIS_PORT ($persistence)"
  spawn_detached redis "$REDIS_BIN" "${args[@]}"
  STARTED+=(redis)
  WAIT_PIDS+=("redis:$SPAWNED_PID")
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

lock_profile() {
  mkdir -p "$DATA"
  # Two concurrent `up` calls (two jest runs, npm start plus a test) would otherwise both start a
  # broker on the same port and overwrite each other's pid file.
  exec 9> "$DATA/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "another infra.sh is still working on profile $PROFILE (lock $DATA/.lock)"
  fi
}

# EXIT trap of `up`: when `up` fails at any point, stop what this invocation started, so a caller
# that gives up (jest, npm start) is not left with half a stack and stale pid files.
rollback_started() {
  local status=$? comp pid
  trap - EXIT
  if (( status != 0 )) && (( ${#STARTED[@]} > 0 )); then
    say "stopping what this run started: ${STARTED[*]}"
    for comp in "${STARTED[@]}"; do
      if pid="$(live_pid "$comp")"; then
        stop_pid "$comp" "$pid"
      fi
      rm -f "$(pid_file "$comp")"
    done
  fi
  exit "$status"
}

has_component() {
  local comp
  for comp in "${COMPONENTS[@]}"; do [[ "$comp" == "$1" ]] && return 0; done
  return 1
}

cmd_up() {
  local print=${1:-print-env}
  local start; start=$(now_ms)
  require_java
  if has_component redis; then require_redis; fi
  lock_profile
  resolve_jars "$KAFKA_DIR" Kafka
  resolve_jars "$MONGO_DIR" mongo-java-server
  compile_mongo_launcher

  declare -gA PLAN=()
  STARTED=(); WAIT_PIDS=()
  trap rollback_started EXIT
  # Bash skips the EXIT trap when a signal kills it; turning the signals into exits keeps the
  # rollback for a caller that gives up (the testkit's timeout, Ctrl-C).
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  local comp
  local -a kafka_to_start=()
  for comp in "${COMPONENTS[@]}"; do
    plan_component "$comp"
    if is_kafka "$comp" && [[ ${PLAN[$comp]} == start ]]; then kafka_to_start+=("$comp"); fi
  done
  if (( ${#kafka_to_start[@]} > 0 )); then format_kafka_storage "${kafka_to_start[@]}"; fi
  # All components start before any wait, so their JVM start-ups overlap (and cluster nodes, which
  # only finish starting once a quorum of them runs, find each other).
  for comp in "${kafka_to_start[@]}"; do start_kafka "$comp"; done
  if [[ ${PLAN[mongo]:-} == start ]]; then start_mongo; fi
  if [[ ${PLAN[redis]:-} == start ]]; then start_redis; fi

  local entry pid
  for entry in "${WAIT_PIDS[@]}"; do
    comp=${entry%%:*}; pid=${entry#*:}
    if ! wait_ready "$comp" "$pid" "$(ready_timeout "$comp")"; then
      print_log_tail "$comp"
      die "$comp failed to start for profile $PROFILE (full log: $(log_file "$comp"))"
    fi
    say "$comp ready on 127.0.0.1:$(component_port "$comp") (pid $pid)"
  done

  trap - EXIT INT TERM HUP
  say "profile $PROFILE ${COMPONENTS[*]} up in $(elapsed_s "$start")s (state in ${DATA#"$ROOT/"}, logs in ${DATA#"$ROOT/"}/*.log)"
  if [[ "$print" == print-env ]]; then print_env; fi
}

# Stops the selected components (`down` and `stop`: SIGTERM, then SIGKILL after STOP_TIMEOUT;
# `kill`: SIGKILL at once) and returns only when their processes are gone and their ports closed.
stop_components() {
  local signal=$1 verb=$2
  if [[ ! -d "$DATA" ]]; then
    say "profile $PROFILE: nothing to stop"
    return
  fi
  lock_profile
  local comp pid stopped=0 start
  start=$(now_ms)
  local -a stopping=()
  for comp in "${COMPONENTS[@]}"; do
    if pid="$(live_pid "$comp")"; then
      say "$verb $comp (pid $pid)"
      stopping+=("$comp")
      if [[ "$signal" == KILL ]]; then
        kill -KILL "$pid" 2>/dev/null || true
        (
          deadline=$(( $(date +%s) + STOP_TIMEOUT ))
          while pid_running "$pid" && (( $(date +%s) < deadline )); do sleep 0.05; done
        ) &
      else
        # In parallel: Kafka's controlled shutdown takes a few seconds and the others need not wait.
        stop_pid "$comp" "$pid" &
      fi
      stopped=$((stopped + 1))
    elif [[ -f "$(pid_file "$comp")" ]]; then
      say "$comp: stale pid file removed (process not running)"
    fi
  done
  wait
  for comp in "${stopping[@]}"; do wait_ports_closed "$comp"; done
  for comp in "${COMPONENTS[@]}"; do
    rm -f "$(pid_file "$comp")"
  done
  say "profile $PROFILE: ${COMPONENTS[*]} down ($stopped process(es) ${verb%ing}ed in $(elapsed_s "$start")s)"
}

cmd_status() {
  local comp pid port all=0
  for comp in "${COMPONENTS[@]}"; do
    port="$(component_port "$comp")"
    if pid="$(live_pid "$comp")"; then
      if port_open "$port"; then
        printf '%-7s running  pid %-8s 127.0.0.1:%s\n' "$comp" "$pid" "$port"
      else
        printf '%-7s starting pid %-8s 127.0.0.1:%s (not answering yet)\n' "$comp" "$pid" "$port"
        all=1
      fi
    elif port_open "$port"; then
      printf '%-7s foreign  127.0.0.1:%s is answering, but not from a process started by infra.sh\n' "$comp" "$port"
      all=1
    else
      printf '%-7s stopped  127.0.0.1:%s\n' "$comp" "$port"
      all=1
    fi
  done
  return "$all"
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd=$1
  shift
  case "$cmd" in
    -h|--help|help) usage ;;
  esac
  local profile=${1:-dev}
  if (( $# > 0 )); then shift; fi
  if [[ "$cmd" == env && $# -gt 0 ]]; then usage; fi
  set_profile "$profile" "$@"
  case "$cmd" in
    up) cmd_up print-env ;;
    start) cmd_up quiet ;;
    down) stop_components TERM stopping ;;
    stop) stop_components TERM stopping ;;
    kill) stop_components KILL killing ;;
    status) cmd_status ;;
    env) print_env ;;
    *) say "unknown command '$cmd'"; usage ;;
  esac
}

main "$@"
