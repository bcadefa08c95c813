#!/usr/bin/env bash
# Local Kafka (KRaft), MongoDB-compatible server (mongo-java-server) and Redis without Docker.
#
#   infra.sh up     [dev|test]   start (or reuse) the three processes, then print the env lines
#   infra.sh down   [dev|test]   stop exactly the processes recorded in the pid files
#   infra.sh status [dev|test]   show what runs; exit 0 only when all three answer
#   infra.sh env    [dev|test]   print KAFKA_BROKERS / MONGO_URL / REDIS_URL for the profile
#
# The profile defaults to dev. Progress goes to stderr; stdout carries only the KEY=value lines, so
# `eval "$(infra/local/infra.sh up test)"` and programmatic callers can parse it.
#
# Profiles use disjoint non-standard ports so a dev stack (npm start), a test stack (jest) and a
# system Redis/Kafka/MongoDB can all run on one machine at the same time.
#
# Environment:
#   INFRA_NO_APT=1              never try to apt-get install redis-server
#   INFRA_COMPONENTS="kafka"    manage only these components (default: kafka mongo redis)
#
# Requirements: bash, JDK 17+ (java, javac), Maven 3 (first run, or after a pom changes), redis-server.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_DIR="$ROOT/infra/kafka"
MONGO_DIR="$ROOT/infra/mongo"

# A fixed cluster id (generated once with `StorageTool random-uuid`) saves a JVM start per `up`.
KAFKA_CLUSTER_ID="wryx77xPTei6zBx_C0Y14Q"
KAFKA_READY_TIMEOUT=90
MONGO_READY_TIMEOUT=60
REDIS_READY_TIMEOUT=30
STOP_TIMEOUT=30

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: infra.sh up|down|status|env [dev|test|outage]
  up      start Kafka, MongoDB (mongo-java-server) and Redis for the profile, or reuse running ones
  down    stop the processes this script started for the profile
  status  show the state of each process (exit 0 when all answer)
  env     print KAFKA_BROKERS, MONGO_URL and REDIS_URL for the profile
EOF
  exit 2
}

# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------

set_profile() {
  PROFILE="$1"
  case "$PROFILE" in
    dev)
      KAFKA_PORT=19092; KAFKA_CONTROLLER_PORT=19093; MONGO_PORT=27117; REDIS_PORT=16379 ;;
    test)
      KAFKA_PORT=29092; KAFKA_CONTROLLER_PORT=29093; MONGO_PORT=27217; REDIS_PORT=26379 ;;
    outage)
      # A broker that one test stops and restarts (with INFRA_COMPONENTS=kafka) to prove that
      # nothing accepted is lost, without disturbing the shared test broker.
      KAFKA_PORT=39092; KAFKA_CONTROLLER_PORT=39093; MONGO_PORT=37217; REDIS_PORT=36379 ;;
    *)
      say "unknown profile '$PROFILE' (expected dev, test or outage)"; usage ;;
  esac
  DATA="$ROOT/.data/$PROFILE"
  read -r -a COMPONENTS <<< "${INFRA_COMPONENTS:-kafka mongo redis}"
  local comp
  for comp in "${COMPONENTS[@]}"; do
    [[ "$comp" == kafka || "$comp" == mongo || "$comp" == redis ]] || die "INFRA_COMPONENTS: unknown component '$comp' (kafka, mongo, redis)"
  done
}

print_env() {
  printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$KAFKA_PORT"
  printf 'MONGO_URL=mongodb://127.0.0.1:%s/tthc\n' "$MONGO_PORT"
  printf 'REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"
}

component_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    mongo) echo "$MONGO_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
  esac
}

# Text that must appear in /proc/<pid>/cmdline. Pid files outlive reboots and crashes; without this
# check a recycled pid could make `up` trust, or `down` kill, an unrelated process.
component_signature() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    mongo) echo "MongoLauncher" ;;
    redis) echo "redis-server" ;;
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

# Prints the pid recorded for a component when that process is alive and is really ours.
live_pid() {
  local comp=$1 file pid
  file="$(pid_file "$comp")"
  [[ -f "$file" ]] || return 1
  pid="$(tr -dc '0-9' < "$file")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
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
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$comp (pid $pid) exited during startup"
      return 1
    fi
    if port_open "$port" && component_ready "$comp" "$port"; then
      return 0
    fi
    if (( $(date +%s) >= deadline )); then
      say "$comp did not become ready on 127.0.0.1:$port within ${timeout}s"
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
    kafka) grep -q 'Kafka Server started' "$(log_file kafka)" 2>/dev/null ;;
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
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      say "$comp (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
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
  if [[ -f "$classes/MongoLauncher.class" && "$classes/MongoLauncher.class" -nt "$MONGO_DIR/MongoLauncher.java" ]]; then
    return
  fi
  mkdir -p "$classes"
  javac -nowarn -d "$classes" -cp "$MONGO_DIR/target/lib/*" "$MONGO_DIR/MongoLauncher.java" >&2 \
    || die "could not compile infra/mongo/MongoLauncher.java"
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
  if [[ "$comp" == kafka ]] && port_open "$KAFKA_CONTROLLER_PORT"; then
    die "Kafka controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT (profile $PROFILE) is already in use by another process."
  fi
  PLAN[$comp]="start"
}

start_kafka() {
  local logdir="$DATA/kafka" props="$DATA/server.properties"
  local -a jvm=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_DIR/target/lib/*")

  # Tests want an empty broker on every start; dev keeps its topics and offsets across restarts.
  if [[ "$PROFILE" == test ]]; then
    rm -rf "$logdir"
  fi
  mkdir -p "$logdir"
  local escaped_logdir=${logdir//&/\\&}
  sed -e "s|@BROKER_PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@LOG_DIR@|$escaped_logdir|g" \
      "$KAFKA_DIR/server.properties.tmpl" > "$props"

  if [[ ! -f "$logdir/meta.properties" ]]; then
    say "formatting Kafka storage in ${logdir#"$ROOT/"}"
    if ! "${jvm[@]}" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$props" > "$DATA/kafka-format.log" 2>&1; then
      say "kafka storage format failed:"
      tail -n 40 "$DATA/kafka-format.log" | sed 's/^/    /' >&2
      exit 1
    fi
  fi

  say "starting kafka on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  spawn_detached kafka "${jvm[@]}" kafka.Kafka "$props"
  STARTED+=(kafka)
  WAIT_PIDS+=("kafka:$SPAWNED_PID")
}

start_mongo() {
  local -a args=(--port "$MONGO_PORT")
  if [[ "$PROFILE" == dev ]]; then
    args+=(--h2 "$DATA/mongo.mv")
  fi
  say "starting mongo-java-server on 127.0.0.1:$MONGO_PORT ($([[ "$PROFILE" == dev ]] && echo "H2 file .data/dev/mongo.mv" || echo "in-memory"))"
  # The test profile keeps everything in memory; 20 000 dossiers with their histories and timers
  # (npm run bench) outgrew 512 MB, so the heap is larger and can be set with MONGO_HEAP.
  spawn_detached mongo java "-Xmx${MONGO_HEAP:-1536m}" -XX:+ExitOnOutOfMemoryError \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$MONGO_DIR/target/classes:$MONGO_DIR/target/lib/*" MongoLauncher "${args[@]}"
  STARTED+=(mongo)
  WAIT_PIDS+=("mongo:$SPAWNED_PID")
}

start_redis() {
  local dir="$DATA/redis"
  mkdir -p "$dir"
  # noeviction: BullMQ keeps jobs in Redis, and an evicted job key is a silently lost deadline.
  local -a args=(--bind 127.0.0.1 --port "$REDIS_PORT" --daemonize no --logfile "" --dir "$dir"
    --maxmemory-policy noeviction)
  if [[ "$PROFILE" == dev ]]; then
    args+=(--appendonly yes)
  else
    args+=(--save "" --appendonly no)
  fi
  say "starting redis on 127.0.0.1:$REDIS_PORT ($([[ "$PROFILE" == dev ]] && echo "AOF in .data/dev/redis" || echo "no persistence"))"
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

cmd_up() {
  local start; start=$(now_ms)
  require_java
  require_redis
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
  for comp in "${COMPONENTS[@]}"; do
    plan_component "$comp"
  done
  # All components start before any wait, so their JVM start-ups overlap.
  if [[ ${PLAN[kafka]:-} == start ]]; then start_kafka; fi
  if [[ ${PLAN[mongo]:-} == start ]]; then start_mongo; fi
  if [[ ${PLAN[redis]:-} == start ]]; then start_redis; fi

  local entry pid timeout
  for entry in "${WAIT_PIDS[@]}"; do
    comp=${entry%%:*}; pid=${entry#*:}
    case "$comp" in
      kafka) timeout=$KAFKA_READY_TIMEOUT ;;
      mongo) timeout=$MONGO_READY_TIMEOUT ;;
      *) timeout=$REDIS_READY_TIMEOUT ;;
    esac
    if ! wait_ready "$comp" "$pid" "$timeout"; then
      print_log_tail "$comp"
      die "$comp failed to start for profile $PROFILE (full log: $(log_file "$comp"))"
    fi
    say "$comp ready on 127.0.0.1:$(component_port "$comp") (pid $pid)"
  done

  trap - EXIT INT TERM HUP
  say "profile $PROFILE up in $(elapsed_s "$start")s (state in ${DATA#"$ROOT/"}, logs in ${DATA#"$ROOT/"}/*.log)"
  print_env
}

cmd_down() {
  if [[ ! -d "$DATA" ]]; then
    say "profile $PROFILE: nothing to stop"
    return
  fi
  lock_profile
  local comp pid stopped=0
  for comp in "${COMPONENTS[@]}"; do
    if pid="$(live_pid "$comp")"; then
      say "stopping $comp (pid $pid)"
      # In parallel: Kafka's controlled shutdown takes a few seconds and the others need not wait.
      stop_pid "$comp" "$pid" &
      stopped=$((stopped + 1))
    elif [[ -f "$(pid_file "$comp")" ]]; then
      say "$comp: stale pid file removed (process not running)"
    fi
  done
  wait
  for comp in "${COMPONENTS[@]}"; do
    rm -f "$(pid_file "$comp")"
  done
  say "profile $PROFILE down ($stopped process(es) stopped)"
}

cmd_status() {
  local comp pid port all=0
  for comp in "${COMPONENTS[@]}"; do
    port="$(component_port "$comp")"
    if pid="$(live_pid "$comp")"; then
      if port_open "$port"; then
        printf '%-6s running  pid %-8s 127.0.0.1:%s\n' "$comp" "$pid" "$port"
      else
        printf '%-6s starting pid %-8s 127.0.0.1:%s (not answering yet)\n' "$comp" "$pid" "$port"
        all=1
      fi
    elif port_open "$port"; then
      printf '%-6s foreign  127.0.0.1:%s is answering, but not from a process started by infra.sh\n' "$comp" "$port"
      all=1
    else
      printf '%-6s stopped  127.0.0.1:%s\n' "$comp" "$port"
      all=1
    fi
  done
  return "$all"
}

main() {
  [[ $# -ge 1 && $# -le 2 ]] || usage
  local cmd=$1
  set_profile "${2:-dev}"
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) print_env ;;
    -h|--help|help) usage ;;
    *) say "unknown command '$cmd'"; usage ;;
  esac
}

main "$@"
