#!/usr/bin/env bash
# End-to-end checks of the casebot command line, run by ctest:
#   cli_test.sh <path to casebot> <source dir>
# Each check prints what it tried; the first failure stops the script with the output seen.
set -uo pipefail
source "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/checks.sh"
casebot=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config="$src/config/demo.toml"
db="$work/cases.db"
failures=0

# sla: what-if answers computed by hand.
out=$("$casebot" sla --severity critical --opened 2026-03-06T17:30:00-05:00 --json)
check "critical Fri 17:30 EST: 30m Fri + 30m Mon after DST" '"initial_response_due":"2026-03-09T09:30:00-04:00"' "$out"
check "critical cadence is daily" '"status_update_cadence":"1 business day"' "$out"
out=$("$casebot" sla --severity normal --opened 2026-10-30T16:00:00-04:00 --json)
check "normal Fri 16:00 EDT: 2h Fri + 2h Mon after DST ends" '"initial_response_due":"2026-11-02T11:00:00-05:00"' "$out"
check "normal cadence is weekly" '"status_update_cadence":"1 business week"' "$out"
out=$("$casebot" sla --severity low --opened 2026-11-25T12:00:00-05:00 --json)
check "low Wed 12:00: 6h Wed + 3h Thu" '"initial_response_due":"2026-11-26T12:00:00-05:00"' "$out"
check "low has no status cadence" '"status_update_cadence":null' "$out"
cat > "$work/holidays.toml" <<'TOML'
[support]
holidays = ["2026-11-26", "2026-11-27"]
TOML
out=$("$casebot" sla --config "$work/holidays.toml" --severity low --opened 2026-11-25T12:00:00-05:00 --json)
check "low over Thanksgiving holidays: 6h Wed + 3h Mon" '"initial_response_due":"2026-11-30T12:00:00-05:00"' "$out"
out=$("$casebot" sla --severity critical --opened 2026-03-07T10:00:00Z)
check "plain sla says when the clock starts" "the clock starts Mon 9 Mar 2026 09:00 EDT" "$out"
status "sla without --opened is a usage error" 2 "$casebot" sla --severity critical
status "sla with a bad severity is a usage error" 2 "$casebot" sla --severity urgent --opened 2026-03-07T10:00:00Z
status "sla with an offset-less instant is a usage error" 2 "$casebot" sla --severity low --opened 2026-03-07T10:00:00

# migrate, then commands from separate processes on one database.
out=$("$casebot" migrate --config "$config" --db "$db")
check "migrate reports the schema version" "schema version" "$out"
out=$("$casebot" cmd --config "$config" --db "$db" --as carol --channel C0ACME --now 2026-03-09T13:00:00Z \
      "new critical error Invoices fail")
check "a customer opens a case" "Opened #1: Invoices fail" "$out"
check "its card is queued for the thread" "queued for slack C0ACME (thread of #1)" "$out"
out=$("$casebot" cmd --config "$config" --db "$db" --as ana --channel C0ACME --now 2026-03-09T13:10:00Z "show 1")
check "another process reads the case back" "Severity: critical" "$out"
status "a customer may not claim" 1 "$casebot" cmd --config "$config" --db "$db" --as carol --channel C0ACME claim\ 1
check "…and is told who may" "Only the support team can use" "$out"
status "gus cannot see acme's case" 1 "$casebot" cmd --config "$config" --db "$db" --as gus \
    --channel 19:globex@thread.tacv2 "show 1"
check "…and learns nothing" "I can't find #1 among the cases you can see." "$out"
status "an agent in globex's Teams channel, which sees every answer, cannot show acme's case" 1 \
    "$casebot" cmd --config "$config" --db "$db" --as raj --channel 19:globex@thread.tacv2 "show 1"
check "…as the server answers there" "I can't find #1" "$out"
status "a command that is not UTF-8 is refused" 2 "$casebot" cmd --config "$config" --db "$db" \
    --as ana --channel C0ACME "$(printf 'note 1 caf\xe9')"
check "…saying why" "not UTF-8" "$out"
status "a refusal that quotes control characters" 1 "$casebot" cmd --config "$config" --db "$db" --as lea \
    --channel C0ACME "$(printf 'assign 1 @\033]0;owned\007\033[2J')"
check "…shows them as escapes" '@\x1b]0;owned\x07\x1b[2J' "$out"
if [[ "$out" == *$'\033'* || "$out" == *$'\007'* ]]; then
    echo "FAIL …and writes none of them to the terminal"; failures=$((failures + 1))
else echo "ok   …and writes none of them to the terminal"; fi
status "outbox on a database that does not exist is refused" 1 "$casebot" outbox --config "$config" \
    --db "$work/missing.db"
check "…saying there is none" "no database at $work/missing.db" "$out"
status "…and so is remind" 1 "$casebot" remind --config "$config" --db "$work/missing.db" \
    --at 2026-03-09T13:45:00Z
if [ -e "$work/missing.db" ]; then echo "FAIL …and neither created it"; failures=$((failures + 1))
else echo "ok   …and neither created it"; fi
echo "not a database" > "$work/notes.txt"
status "a --db that is a text file is refused" 1 "$casebot" outbox --config "$config" --db "$work/notes.txt"
check "…saying it is not a database" "is not an SQLite database" "$out"
status "a --db that is a directory is refused" 1 "$casebot" cmd --config "$config" --db "$work" \
    --as ana --channel C0ACME "help"
check "…saying it is a directory" "is a directory" "$out"
status "an empty --db is a usage error, not a database gone at exit" 2 "$casebot" cmd --config "$config" \
    --db "" --as ana --channel C0ACME "help"
check "…saying so" "--db must not be empty" "$out"
status "a malformed command is refused with its usage" 1 "$casebot" cmd --config "$config" --db "$db" --as ana \
    --channel C0ACME "claim abc"
check "…with the usage line" "Usage: claim <id>" "$out"
status "an unknown user outside customer channels is refused" 2 "$casebot" cmd --config "$config" --db "$db" \
    --as U0STRANGER --channel C0AGENTS "help"

# remind: one pass enqueues the reminder, a second at the same instant nothing.
out=$("$casebot" remind --config "$config" --db "$db" --at 2026-03-09T13:45:00Z)
check "the reminder is enqueued 15 minutes before the deadline" "3 messages enqueued" "$out"
check "…and the case card is refreshed" "card_update → slack C0ACME (thread of #1): [the case card of #1 is refreshed]" "$out"
check "…in the case thread" "reminder → slack C0ACME (thread of #1)" "$out"
out=$("$casebot" remind --config "$config" --db "$db" --at 2026-03-09T13:45:00Z)
check "a second pass at the same instant enqueues nothing" "0 cases, 0 messages enqueued" "$out"
out=$("$casebot" remind --config "$config" --db "$db" --at 2026-03-09T14:00:01Z)
check "the second after the deadline the leads are pinged" "breach → slack C0LEADS" "$out"
status "remind refuses an instant in the future" 2 "$casebot" remind --config "$config" --db "$db" \
    --at 2999-01-01T00:00:00Z
check "…saying why" "in the future" "$out"
status "cmd refuses --now in the future" 2 "$casebot" cmd --config "$config" --db "$db" --as ana \
    --channel C0ACME --now 2999-01-01T00:00:00Z "show 1"
check "…saying why" "in the future" "$out"
out=$("$casebot" outbox --config "$config" --db "$db")
check "the outbox lists what waits" "pending" "$out"
check "…including the breach" "Breach: #1 (critical, Acme)" "$out"

# A message only rate-limited so far has no counted attempt, but says why it waits.
sqlite3 "$db" "UPDATE outbox SET attempts = 0, next_attempt_at = 1773061200, last_error = 'ratelimited' WHERE id = 1"
out=$("$casebot" outbox --config "$config" --db "$db")
check "a message only rate-limited says why it waits" "0 attempts, next 2026-03-09T13:00:00Z: ratelimited" "$out"

# A message the platform refused is listed apart, and --retry sends it again.
sqlite3 "$db" "UPDATE outbox SET state = 'failed', attempts = 20, last_error = 'not_in_channel' WHERE id = 1"
out=$("$casebot" outbox --config "$config" --db "$db")
check "the outbox lists a refused message apart" "Refused by the platform" "$out"
check "…with its error" "20 attempts: not_in_channel" "$out"
status "outbox --retry 1 sends it again" 0 "$casebot" outbox --config "$config" --db "$db" --retry 1
check "…saying so" "1 message will be sent again." "$out"
out=$("$casebot" outbox --config "$config" --db "$db")
check_not "…and it waits again" "Refused by the platform" "$out"
status "outbox --retry of a message that has not failed" 1 "$casebot" outbox --config "$config" --db "$db" --retry 1
check "…says so" "#1 is not a failed message." "$out"
status "outbox --retry of nonsense is a usage error" 2 "$casebot" outbox --config "$config" --db "$db" --retry x

# Bad configuration fails at start with file, line and key.
printf '[support]\ntime_zone = "Mars/Olympus"\n' > "$work/bad.toml"
status "a bad config file stops the command" 1 "$casebot" sla --config "$work/bad.toml" --severity low \
    --opened 2026-03-07T10:00:00Z
check "…naming file, line and key" "bad.toml:2:" "$out"
check "…and what is wrong" "support.time_zone" "$out"
status "a missing config file stops the command" 1 "$casebot" migrate --config "$work/nope.toml" --db "$db"
status "a database in a missing directory stops the command" 1 "$casebot" migrate --config "$config" \
    --db "$work/no/such/dir/cases.db"
check "…saying which directory is missing" "the directory $work/no/such/dir does not exist" "$out"

# --help everywhere; unknown commands and options.
for sub in demo migrate cmd sla remind outbox; do
    status "casebot $sub --help" 0 "$casebot" "$sub" --help
    check "…prints its usage" "Usage: casebot $sub" "$out"
done
status "casebot --help" 0 "$casebot" --help
status "an unknown subcommand" 2 "$casebot" frobnicate
status "an unknown option" 2 "$casebot" outbox --frob

# The demo plays its day.
out=$("$casebot" demo)
check "the demo opens the Friday-evening case over signed HTTP" "#acme-support ↳ thread of #1  casebot:" "$out"
check "…whose card shows Monday's deadline" "Initial response: Mon 9 Mar 2026 09:30 EDT (running)" "$out"
check "…reminds before Monday's deadline" "Reminder: #1 (critical) needs its initial response by Mon 9 Mar 2026 09:30 EDT" "$out"
check "…refuses a customer's claim privately" "Only the support team can use \`claim\`." "$out"
check "…pings the leads when an update is missed" "#support-leads  casebot:" "$out"
check "…with the breach" "Breach: #1 (critical, Acme) missed its status update target" "$out"
check "…and ends closed" "~ State: closed" "$out"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
