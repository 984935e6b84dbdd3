#!/usr/bin/env bash
# Load test of `casebot serve`: freshly signed Slack `/case new` slash commands from
# slack_load (or wrk), against a server on an on-disk SQLite database. For each run it starts a
# server on a fresh database, drives it for DURATION seconds, reads its peak memory,
# stops it (SIGTERM) and checks that every acknowledged case is on disk. Method and
# figures: docs/slack-load.md.
#
# Usage: bench/load/run.sh            (after `bash deploy/setup.sh` on Debian 12)
# Settings (environment):
#   GENERATOR=slack_load  the load generator: slack_load (bench/load/slack_load.cpp, built here with
#                         c++ when missing or older than its source) or wrk (bench/load/case_new.lua);
#                         both send the same signed requests and count the answers the same way
#   CONNECTIONS="16 64"   connections, one configuration each
#   REPEATS=2             runs per configuration; the summary shows each run and the best
#   DURATION=20           seconds of load per run (plus DRAIN seconds to collect the last answers)
#   DRAIN=3               must exceed the server's 2.5 s answer budget
#   THREADS=1             the generator's threads (default 1 for slack_load, 2 for wrk; WRK_THREADS,
#                         its former name, still works)
#   PIN=none              none: server and generator share every CPU; split: server on CPU 0, generator on CPU 1
#   SYNC=normal           SQLite durability, one table each: "normal", "full" or "normal full"
#                         (full needs the config key database_synchronous; see docs/slack-load.md)
#   CONFIG=config/demo.toml  the server's configuration (its customers must include acme's C0ACME)
#   BUILD_DIR=build-load  where casebot is built (Release); CASEBOT=path skips the build
#   PORT=18080            first port to listen on (one per run)
#   KEEP=0                1 keeps each run's directory (database, logs) under $TMPDIR
#   GENERATOR_CHECK=1     0 skips the last run: the same signed requests to casebot's GET-only
#                         /healthz (answered 405 at once), to show what the generator itself can produce
#                         here, and what that HTTP exchange alone costs the server (default 0
#                         with SERVER=bolt; 1 then still measures against casebot)
#   SERVER=casebot        bolt: the same runs against the minimal Slack Bolt for JavaScript app
#                         of bench/load/bolt (Node.js 20 or later; its pinned packages are
#                         installed with npm ci when missing), the comparison the goal is set against
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
connections=${CONNECTIONS:-"16 64"}
repeats=${REPEATS:-2}
duration=${DURATION:-20}
drain=${DRAIN:-3}
generator=${GENERATOR:-slack_load}
# One slack_load thread keeps up with the server and leaves it more CPU; wrk needs two.
default_threads=2
[ "$generator" = slack_load ] && default_threads=1
threads=${THREADS:-${WRK_THREADS:-$default_threads}}
pin=${PIN:-none}
syncs=${SYNC:-normal}
build_dir=${BUILD_DIR:-$root/build-load}
port=${PORT:-18080}
keep=${KEEP:-0}
generator_check=${GENERATOR_CHECK:-1}
base_config=${CONFIG:-$root/config/demo.toml}
server_kind=${SERVER:-casebot}
case $server_kind in casebot|bolt) ;; *) echo "run.sh: SERVER is casebot or bolt, not '$server_kind'" >&2; exit 1 ;; esac
# Bolt answers every Slack request on one path.
command_path=/slack/commands
if [ "$server_kind" = bolt ]; then command_path=/slack/events; generator_check=${GENERATOR_CHECK:-0}; fi

die() { echo "run.sh: $*" >&2; exit 1; }
case $generator in slack_load) tools="c++ sqlite3 openssl" ;; wrk) tools="wrk sqlite3 openssl" ;;
  *) die "GENERATOR is slack_load or wrk, not '$generator'" ;; esac
for tool in $tools; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'bash deploy/setup.sh' first"
done
case $pin in none|split) ;; *) die "PIN is none or split, not '$pin'" ;; esac
for sync in $syncs; do
  case $sync in normal|full) ;; *) die "SYNC is normal, full or both, not '$sync'" ;; esac
done
[ "$pin" = none ] || command -v taskset >/dev/null || die "PIN=split needs taskset (util-linux)"
[ "$threads" -le "${connections%% *}" ] || die "THREADS exceeds the connections"

# ---- build (incremental; Release, without tests and benchmarks)
if [ "$server_kind" = bolt ]; then
  command -v node >/dev/null && command -v npm >/dev/null || die "SERVER=bolt needs Node.js and npm"
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" -ge 20 ] || die "SERVER=bolt needs Node.js 20 or later (better-sqlite3 12), not $(node --version)"
  bolt_ready() { (cd "$here/bolt" && node -e 'require("@slack/bolt"); require("better-sqlite3")' 2>/dev/null); }
  if ! bolt_ready; then
    echo "installing the Bolt app's packages (npm ci)…"
    (cd "$here/bolt" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed in $here/bolt"
    bolt_ready || die "the Bolt app's packages do not load after npm ci (see $here/bolt)"
  fi
fi
if [ "$server_kind" = bolt ] && [ "$generator_check" != 1 ]; then
  casebot=
elif [ -n "${CASEBOT:-}" ]; then
  casebot=$CASEBOT
else
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    # GCC 12 -O3 raises a false -Wrestrict in std::string (GCC bug 105329): keep it a warning.
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBOT_TESTS=OFF -DBOT_BENCH=OFF \
      -DCMAKE_CXX_FLAGS=-Wno-error=restrict >/dev/null
  fi
  echo "building casebot in $build_dir (cmake --build -j2)…"
  cmake --build "$build_dir" -j2 --target casebot >/dev/null
  casebot=$build_dir/casebot
fi
[ -z "$casebot" ] || [ -x "$casebot" ] || die "no casebot binary at $casebot"
if [ "$generator" = slack_load ]; then
  slack_load=$build_dir/slack_load
  if [ ! -x "$slack_load" ] || [ "$here/slack_load.cpp" -nt "$slack_load" ]; then
    echo "building the load generator $slack_load…"
    mkdir -p "$build_dir"
    c++ -std=c++20 -O2 -Wall -Wextra -o "$slack_load" "$here/slack_load.cpp" -lcrypto -pthread ||
      die "slack_load did not build (it needs a C++20 compiler and libssl-dev: bash deploy/setup.sh)"
  fi
fi

# Runs the generator: $1 path, $2 connections, $3 seconds of load, $4 seconds to collect the
# last answers, $5 output directory, $6 run tag, $7 port. The secret is in SLACK_SIGNING_SECRET.
generate() {
  local path=$1 conns=$2 seconds=$3 drain_seconds=$4 out=$5 tag=$6 target_port=$7
  if [ "$generator" = wrk ]; then
    LOAD_PATH=$path "${generator_cpu[@]}" wrk -t"$threads" -c"$conns" -d"$((seconds + drain_seconds))s" \
      --timeout 10s -s "$here/case_new.lua" "http://127.0.0.1:$target_port" -- "$out" "$tag" "$seconds"
  else
    "${generator_cpu[@]}" "$slack_load" --target "127.0.0.1:$target_port" --path "$path" --connections "$conns" \
      --threads "$threads" --duration "$seconds" --drain "$drain_seconds" --timeout 10 --out "$out" --tag "$tag"
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/casebot-load.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A closed loopback port for the Slack Web API: the delivery worker's posts are
# refused at once and the messages wait in the outbox with a retry scheduled.
closed_port=9
server_cpu=() generator_cpu=()
if [ "$pin" = split ]; then server_cpu=(taskset -c 0) generator_cpu=(taskset -c 1); fi

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime
# Sets variable $1 to the CPU seconds used so far by this shell's waited-for children (the generator).
# `times` must run in this shell: in $(…) it would report a subshell's children.
children_cpu_to() {
  times >"$work/times.txt"
  printf -v "$1" '%s' "$(awk 'NR == 2 { gsub(/[ms]/, " "); print ($1 * 60 + $2) + ($3 * 60 + $4) }' "$work/times.txt")"
}

results=$work/results.txt
: > "$results"

# Starts casebot serve (or, with $5 = bolt, the Bolt app) on a fresh database in $1,
# listening on port $2, with config $3 (Bolt: the durability, normal or full) and
# signing secret $4; sets server_pid once it listens.
start_server() {
  local dir=$1 listen_port=$2 config=$3 secret=$4 kind=${5:-casebot}
  if [ "$kind" = bolt ]; then
    SLACK_SIGNING_SECRET=$secret "${server_cpu[@]}" node "$here/bolt/app.js" "$listen_port" "$dir/cases.db" \
      "$config" >"$dir/server.log" 2>&1 &
  else
    SLACK_SIGNING_SECRET=$secret SLACK_BOT_TOKEN=xoxb-load-test \
      SLACK_API_URL=http://127.0.0.1:$closed_port/api/ CASEBOT_LOG_LEVEL=${CASEBOT_LOG_LEVEL:-info} \
      "${server_cpu[@]}" "$casebot" serve --config "$config" --db "$dir/cases.db" \
      --listen "127.0.0.1:$listen_port" >"$dir/server.log" 2>&1 &
  fi
  server_pid=$!
  local i
  for i in $(seq 100); do
    grep -q "$kind listening" "$dir/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; server_pid=; die "the server did not start"; }
    sleep 0.1
  done
  die "the server did not start within 10 s"
}

# SIGTERM, and a clean exit within the server's shutdown grace.
stop_server() {
  local dir=$1 status=0
  kill -TERM "$server_pid"
  wait "$server_pid" || status=$?
  server_pid=
  [ "$status" -eq 0 ] || die "the server exited with $status after SIGTERM (see $dir/server.log)"
}

# One run: $1 connections, $2 run number, $3 durability. Appends a line to $results.
run_once() {
  local conns=$1 n=$2 sync=$3
  local dir=$work/$sync-c$conns-r$n
  mkdir -p "$dir"
  # The configuration as it is, or with synchronous=FULL (a top-level key must come first).
  local config=$base_config
  if [ "$server_kind" = bolt ]; then
    config=$sync
  elif [ "$sync" = full ]; then
    config=$dir/demo-full.toml
    { echo 'database_synchronous = "full"'; cat "$base_config"; } >"$config"
  fi
  local secret
  secret=$(openssl rand -hex 16)
  local this_port=$port
  port=$((port + 1))

  start_server "$dir" "$this_port" "$config" "$secret" "$server_kind"

  local server_before generator_before
  server_before=$(cpu_ticks "$server_pid")
  children_cpu_to generator_before
  # Signed right here, with the current time: within Slack's 5-minute window.
  SLACK_SIGNING_SECRET=$secret generate "$command_path" "$conns" "$duration" "$drain" "$dir" "c$conns-r$n-$$" \
    "$this_port" >"$dir/generator.txt" 2>&1 || { cat "$dir/generator.txt" >&2; die "$generator failed"; }
  local generator_after server_after
  children_cpu_to generator_after
  server_after=$(cpu_ticks "$server_pid")
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")   # kB

  stop_server "$dir"

  local line
  line=$(grep '^LOAD ' "$dir/generator.txt") || { cat "$dir/generator.txt" >&2; die "no LOAD line from $generator"; }
  local -A m=()
  local kv
  for kv in ${line#LOAD }; do m[${kv%%=*}]=${kv#*=}; done

  # Every acknowledged case on disk: count them, and look each one up.
  cat "$dir"/acked-*.txt > "$dir/acked.txt"
  local on_disk missing dup_titles dup_acked
  on_disk=$(sqlite3 "$dir/cases.db" "SELECT count(*) FROM cases")
  dup_titles=$(sqlite3 "$dir/cases.db" "SELECT count(*) - count(DISTINCT title) FROM cases")
  dup_acked=$(sort "$dir/acked.txt" | uniq -d | wc -l)
  missing=$(sqlite3 "$dir/check.db" "CREATE TABLE acked (id INTEGER);" ".import --csv $dir/acked.txt acked" \
    "ATTACH '$dir/cases.db' AS c;" "SELECT count(*) FROM acked WHERE id NOT IN (SELECT id FROM c.cases);")

  # A run that measured nothing, or lost a connection or an answer, fails too.
  local errors=$((m[err_timeout] + m[err_read] + m[err_write] + m[err_connect]))
  local verdict=ok
  if [ "${m[opened]}" -ne "$on_disk" ] || [ "$missing" -ne 0 ] || [ "$dup_acked" -ne 0 ] ||
     [ "$dup_titles" -ne 0 ] || [ "${m[non_200]}" -ne 0 ] || [ "${m[other_ok]}" -ne 0 ] ||
     [ "${m[requests]}" -eq 0 ] || [ "$errors" -ne 0 ]; then
    verdict=FAIL
  fi
  local server_pct generator_pct
  # Over the DURATION seconds of load (the drain after it costs next to nothing).
  server_pct=$(awk -v t="$((server_after - server_before))" -v hz="$ticks" -v s="$duration" \
    'BEGIN { printf "%.0f", 100 * t / hz / s }')
  generator_pct=$(awk -v a="$generator_before" -v b="$generator_after" -v s="$duration" 'BEGIN { printf "%.0f", 100 * (b - a) / s }')
  printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$sync" "$conns" "$n" "${m[rps]}" "${m[p50_us]}" "${m[p99_us]}" \
    "$hwm" "${m[opened]}" "$on_disk" "$missing" "${m[stand_in]}" "$errors" \
    "$server_pct" "$generator_pct" "$verdict" >> "$results"
  printf '  %-6s c=%-3s run %s: %6s req/s  p50 %5.2f ms  p99 %6.2f ms  peak RSS %4d MB  acked %s, on disk %s, missing %s  [%s]\n' \
    "$sync" "$conns" "$n" "${m[rps]}" "$(awk -v u="${m[p50_us]}" 'BEGIN{print u/1000}')" \
    "$(awk -v u="${m[p99_us]}" 'BEGIN{print u/1000}')" "$((hwm / 1024))" "${m[opened]}" "$on_disk" "$missing" "$verdict"
  [ "$keep" = 1 ] || rm -f "$dir/cases.db" "$dir/cases.db-wal" "$dir/cases.db-shm" "$dir/check.db" "$dir"/acked*.txt
}

cat <<EOF
casebot load test: signed /case new over POST $command_path
  machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)
  load:    ${duration}s per run (+${drain}s drain), $generator with $threads threads, connections: $connections, $repeats run(s) each, pinning: $pin
  server:  $(if [ "$server_kind" = bolt ]; then echo "node $here/bolt/app.js (Slack Bolt for JavaScript)"; else echo "$casebot serve --config $base_config"; fi), a fresh database per run in $work (WAL)
  load average before: $(cut -d' ' -f1-3 /proc/loadavg)
EOF
for sync in $syncs; do
  for conns in $connections; do
    for n in $(seq "$repeats"); do
      run_once "$conns" "$n" "$sync"
    done
  done
done

# What the generator can produce on this machine: the same signed requests, built the
# same way, to a path the server answers at once (POST /healthz: 405).
generator_line=
if [ "$generator_check" = 1 ]; then
  conns=${connections##* }
  dir=$work/generator
  mkdir -p "$dir"
  secret=$(openssl rand -hex 16)
  start_server "$dir" "$port" "$base_config" "$secret"
  gen_server_before=$(cpu_ticks "$server_pid")
  children_cpu_to gen_before
  seconds=$((duration < 10 ? duration : 10))
  SLACK_SIGNING_SECRET=$secret generate /healthz "$conns" "$seconds" 1 "$dir" "gen-$$" "$port" >"$dir/generator.txt" 2>&1 ||
    { cat "$dir/generator.txt" >&2; die "$generator failed"; }
  children_cpu_to gen_after
  gen_server_after=$(cpu_ticks "$server_pid")
  stop_server "$dir"
  gen_rps=$(grep '^LOAD ' "$dir/generator.txt" | tr ' ' '\n' | awk -F= '$1 == "rps" {print $2}')
  gen_pct=$(awk -v a="$gen_before" -v b="$gen_after" -v s="$seconds" 'BEGIN { printf "%.0f", 100 * (b - a) / s }')
  gen_server_pct=$(awk -v t="$((gen_server_after - gen_server_before))" -v hz="$ticks" -v s="$seconds" \
    'BEGIN { printf "%.0f", 100 * t / hz / s }')
  generator_line="generator check: $gen_rps signed requests/s to casebot's POST /healthz (405) at c=$conns, $generator using $gen_pct% of a CPU, the server $gen_server_pct%"
  echo "  $generator_line"
fi

for sync in $syncs; do
  echo
  echo "synchronous=${sync^^}: best of $repeats run(s) per configuration, by requests/s"
  echo
  echo "| connections | requests/s | p50 | p99 | peak RSS | server CPU | generator CPU | acknowledged / on disk |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
  for conns in $connections; do
    awk -v s="$sync" -v c="$conns" '$1 == s && $2 == c' "$results" | sort -k4,4nr | head -1 |
      awk '{ printf "| %s | %s | %.2f ms | %.2f ms | %d MB | %s%% | %s%% | %s / %s (%s missing) |\n",
                    $2, $4, $5 / 1000, $6 / 1000, $7 / 1024, $13, $14, $8, $9, $10 }'
  done
done
echo
echo "CPU: percent of one CPU used over the run (server, load generator); $(nproc) CPUs in all;"
if [ "$pin" = split ]; then echo "server pinned to CPU 0, the generator to CPU 1."; else echo "server and generator share every CPU (not pinned)."; fi
[ -z "$generator_line" ] || echo "$generator_line"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -q ' FAIL$' "$results"; then
  echo "FAILED: a run answered nothing, or something other than 'Opened #N', lost a connection or an answer," >&2
  echo "or its acknowledged cases and the cases on disk differ" >&2
  echo "(sync conns run rps p50 p99 hwm acked on_disk missing stand_in errors cpu cpu):" >&2
  grep ' FAIL$' "$results" >&2
  exit 1
fi
