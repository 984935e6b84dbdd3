#!/usr/bin/env bash
# `casebot serve` as a process, run by ctest:
#   serve_test.sh <path to casebot> <source dir>
# Starts the server on a free loopback port with a temporary database, talks signed Slack
# HTTP to it with curl (signatures from openssl), reloads its configuration with SIGHUP,
# stops it with SIGTERM and reads the database back from another process. Slack's Web API
# is a closed loopback port, so nothing leaves the machine. Every wait is a bounded poll.
set -uo pipefail
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/checks.sh"
casebot=$(realpath "$1")   # absolute: the script works in its temp dir
src=$(realpath "$2")
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
failures=0

give_up() {  # give_up <why>: what follows needs what just failed
    echo "FAIL $1"; echo "     server log:"; sed 's/^/     /' "$work/serve.log" 2>/dev/null
    exit 1
}
for tool in curl openssl; do
    command -v "$tool" >/dev/null || give_up "$tool is not installed (deploy/setup.sh)"
done

secret="serve-test-signing-secret"
export SLACK_SIGNING_SECRET=$secret
export SLACK_BOT_TOKEN="xoxb-serve-test"
export SLACK_API_URL="http://127.0.0.1:1/"   # closed: deliveries fail and wait in the outbox
export CASEBOT_LOG_LEVEL=info
(exec 3<>/dev/tcp/127.0.0.1/1) 2>/dev/null && give_up "127.0.0.1:1 accepts connections; the test needs it closed"
config="$work/casebot.toml"
cp "$src/config/demo.toml" "$config"
db="$work/cases.db"

# slack <path> <form body> [extra curl args…]: POSTs a request signed as Slack signs it
# (v0 = HMAC-SHA256 of "v0:<timestamp>:<body>"); sets $code and $body_out.
slack() {
    local path=$1 body=$2; shift 2
    local ts sig
    ts=$(date +%s)
    sig="v0=$(printf 'v0:%s:%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"
    unsigned "$path" "$body" -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" "$@"
}
unsigned() {  # unsigned <path> <form body> [extra curl args…]
    local path=$1 body=$2; shift 2
    body_out=$(curl -s --max-time 10 -o - -w '\n%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "$body" "$@" "http://127.0.0.1:$port$path")
    code=${body_out##*$'\n'}
    body_out=${body_out%$'\n'*}
}
case_command() {  # case_command <team> <channel> <user> <text, already form-encoded>
    echo "team_id=$1&channel_id=$2&user_id=$3&command=%2Fcase&text=$4&response_url=&trigger_id=serve-test"
}

# Usage errors before anything starts.
status "serve --listen without a port is a usage error" 2 "$casebot" serve --listen nonsense
check "…saying what --listen wants" "--listen wants HOST:PORT, got 'nonsense'" "$out"
check "…and pointing at the usage" "casebot serve --help" "$out"
status "serve --listen with a port out of range is a usage error" 2 "$casebot" serve --listen 127.0.0.1:70000
status "an unknown CASEBOT_LOG_LEVEL is a usage error, not a silent log" 2 env CASEBOT_LOG_LEVEL=verbose \
    "$casebot" serve --config "$config" --listen 127.0.0.1:0 --db "$work/level.db"
check "…naming the levels" "CASEBOT_LOG_LEVEL must be trace, debug, info, warn, error, critical or off" "$out"
status "serve --help" 0 "$casebot" serve --help
check "…prints its usage" "Usage: casebot serve" "$out"

# Start: port 0 lets the kernel pick a free port; the log says which.
"$casebot" serve --config "$config" --listen 127.0.0.1:0 --db "$db" >"$work/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/.*casebot listening on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$work/serve.log" | head -n1)
    if [ -n "$port" ] && [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]
    then break; fi
    kill -0 "$pid" 2>/dev/null || give_up "serve exited at start"
    sleep 0.1
done
[ -n "$port" ] || give_up "serve did not say where it listens within 5 s"
health=$(curl -s --max-time 5 "http://127.0.0.1:$port/healthz")
check "GET /healthz answers" '"status"' "$health"
echo "     (listening on 127.0.0.1:$port)"

# A signed /case new from a customer in acme's channel opens case #1.
slack /slack/commands "$(case_command T0ACME C0ACME U0CAROL 'new%20critical%20error%20Invoices%20fail')"
check "a signed /case new is answered 200" "200" "$code"
check "…opening the case" "Opened #1: Invoices fail" "$body_out"
unsigned /slack/commands "$(case_command T0ACME C0ACME U0CAROL 'new%20critical%20error%20Unsigned')"
check "an unsigned /case new is refused 401" "401" "$code"
unsigned /slack/commands "$(case_command T0ACME C0ACME U0CAROL 'new%20critical%20error%20Forged')" \
    -H "X-Slack-Request-Timestamp: $(date +%s)" -H "X-Slack-Signature: v0=0000000000000000000000000000000000000000000000000000000000000000"
check "a /case new with a wrong signature is refused 401" "401" "$code"

# A second server on the same address fails at once, naming it.
status "a second serve on the same port fails" 1 timeout 20 "$casebot" serve --config "$config" \
    --listen "127.0.0.1:$port" --db "$work/second.db"
check "…naming the address it cannot bind" "127.0.0.1:$port" "$out"
check "…and why" "cannot bind" "$out"
kill -0 "$pid" 2>/dev/null || give_up "the first server died when the second one tried its port"

# A second server on the same database is refused: its delivery worker would post
# every message a second time.
status "a second serve on the same database is refused" 1 timeout 20 "$casebot" serve --config "$config" \
    --listen 127.0.0.1:0 --db "$db"
check "…saying another one runs there" "another casebot serve is running on $db" "$out"
kill -0 "$pid" 2>/dev/null || give_up "the first server died when a second one tried its database"

# SIGHUP: a customer added to the file is known only after the reload.
new_customer=$(case_command T0INITECH C0INITECH U0PETER 'new%20normal%20question%20TPS%20reports')
slack /slack/commands "$new_customer"
check "a user of an unknown channel is refused" "I can't tell who you are here" "$body_out"
cat >>"$config" <<'TOML'

[[customers]]
id = "initech"
name = "Initech"
slack_teams = ["T0INITECH"]

[[customers.channels]]
platform = "slack"
id = "C0INITECH"

[delivery]
first_retry = "7s"
TOML
slack /slack/commands "$new_customer"
check "…still after the file changed, without a reload" "I can't tell who you are here" "$body_out"
kill -HUP "$pid"
for _ in $(seq 50); do
    slack /slack/commands "$new_customer"
    [[ "$body_out" == *"Opened #"* ]] && break
    sleep 0.1
done
check "after SIGHUP the new channel's user opens a case" "Opened #2: TPS reports" "$body_out"
check "…and the log says what was reloaded" "configuration reloaded: 3 customers" "$(cat "$work/serve.log")"
check "…and what waits for a restart" "the reload does not apply [delivery]" "$(cat "$work/serve.log")"
check "the refused /case before it was logged for the operator" \
    "slack: /case from U0PETER of team T0INITECH in channel C0INITECH refused" "$(cat "$work/serve.log")"
check "the token could not be checked with Slack closed, which is a warning" \
    "warning casebot: slack: could not check the bot token (auth.test:" "$(cat "$work/serve.log")"
kill -0 "$pid" 2>/dev/null || give_up "serve exited on SIGHUP"

# SIGTERM: a graceful stop with status 0 within a few seconds.
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then give_up "serve still runs 5 s after SIGTERM"; fi
wait "$pid"; rc=$?
pid=""
if [ "$rc" -eq 0 ]; then echo "ok   serve exits 0 on SIGTERM"; else
    echo "FAIL serve exited $rc on SIGTERM"; failures=$((failures + 1)); fi
log=$(cat "$work/serve.log")
check "…logging the signal" "signal 15: stopping" "$log"
check "…and that it stopped" "casebot stopped after" "$log"
check_not "…and logged no error (Slack being unreachable is a warning)" " error " "$log"
check_not "…nor anything critical" " critical " "$log"

# Nothing lost: another process reads both cases back.
out=$("$casebot" cmd --config "$config" --db "$db" --as ana --channel C0ACME "show 1" 2>&1)
check "a new process still shows case #1" "Invoices fail" "$out"
check "…as it was opened" "Severity: critical" "$out"
out=$("$casebot" cmd --config "$config" --db "$db" --as ana --channel C0INITECH "show 2" 2>&1)
check "…and the case opened after the reload" "TPS reports" "$out"
out=$("$casebot" outbox --config "$config" --db "$db" 2>&1)
check "its case card still waits in the outbox for Slack" "case_card" "$out"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
