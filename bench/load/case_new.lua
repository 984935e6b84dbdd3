-- wrk script: every request is a freshly signed Slack slash command
-- `/case new normal question <distinct title>` from U0CAROL of team T0ACME in
-- channel C0ACME (config/demo.toml), POSTed to /slack/commands.
--
--   SLACK_SIGNING_SECRET=… wrk -t2 -c64 -d23s --timeout 10s -s bench/load/case_new.lua \
--       http://127.0.0.1:PORT -- OUT_DIR RUN_TAG ACTIVE_SECONDS
--
-- Requests go out for ACTIVE_SECONDS (default: all of -d); after that each
-- connection only waits for the answer it is owed and sends nothing more (delay()),
-- so when wrk stops (-d, a few seconds later) no request is left in flight and
-- every case the server committed has had its answer read. Requests per second are
-- counted over ACTIVE_SECONDS; latencies are wrk's, from the first byte written to
-- the last byte read.
--
-- Each thread counts the answers: 200 with "Opened #N" (acknowledged cases; N is
-- appended to OUT_DIR/acked-<thread>.txt so run.sh can look each one up in the
-- database), 200 with the "Working on it…" stand-in (the 2.5 s budget ran out),
-- other 200s, and anything else. done() prints one "LOAD key=value…" line.
--
-- LOAD_PATH=/healthz sends the same signed requests to a path that answers at once
-- (405): run.sh uses it to measure what the generator itself can produce.
local ffi = require("ffi")
ffi.cdef [[
struct load_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct load_timespec *tp);
]]
local monotonic_clock = 1  -- CLOCK_MONOTONIC
local timespec = ffi.new("struct load_timespec")
local function now_seconds()
  ffi.C.clock_gettime(monotonic_clock, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local slack_sign = require("slack_sign")

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

local secret, prefix, headers, acked_file, stop_at, path
local stopped = false
local title_head
built = 0  -- requests built; global: done() reads it with thread:get()
local stamp, stamp_text = -1, ""

local function env_or(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

function init(args)
  secret = os.getenv("SLACK_SIGNING_SECRET")
  if secret == nil or secret == "" then
    error("case_new.lua: SLACK_SIGNING_SECRET is not set")
  end
  local out_dir = args[1] or os.getenv("TMPDIR") or "/tmp"   -- never the source tree
  local tag = args[2] or tostring(os.time())
  stop_at = args[3] and (now_seconds() + tonumber(args[3])) or math.huge
  active = tonumber(args[3] or "0")  -- global: done() reads it
  opened, stand_in, other_ok, refused = 0, 0, 0, 0
  acked_file = assert(io.open(out_dir .. "/acked-" .. tid .. ".txt", "w"))
  acked_file:setvbuf("full", 65536)
  -- Field order is free in a form body; `text` goes last so that only it varies.
  -- response_url points at a closed loopback port: a late answer's follow-up stays local.
  local response_url = env_or("LOAD_RESPONSE_URL", "http://127.0.0.1:9/response/load")
  path = env_or("LOAD_PATH", "/slack/commands")
  prefix = "token=loadtest&team_id=" .. env_or("LOAD_TEAM", "T0ACME") .. "&team_domain=acme"
    .. "&channel_id=" .. env_or("LOAD_CHANNEL", "C0ACME") .. "&channel_name=acme-support"
    .. "&user_id=" .. env_or("LOAD_USER", "U0CAROL") .. "&user_name=carol"
    .. "&command=%2Fcase&api_app_id=A0LOAD&is_enterprise_install=false"
    .. "&response_url=" .. response_url:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
    end)
    .. "&trigger_id=" .. tag .. "." .. tid .. ".load"
    .. "&text="
  -- "new normal question Load <tag> t<thread> <n>": distinct across threads and runs.
  title_head = "new+normal+question+Load+" .. tag .. "+t" .. tid .. "+"
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = "",
    ["X-Slack-Signature"] = "",
  }
end

-- Past ACTIVE_SECONDS: hold the connection idle (its last answer has been read).
function delay()
  if stopped or now_seconds() >= stop_at then
    stopped = true
    return 3600 * 1000
  end
  return 0
end

function request()
  built = built + 1
  local now = os.time()
  if now ~= stamp then
    stamp, stamp_text = now, tostring(now)
    headers["X-Slack-Request-Timestamp"] = stamp_text
  end
  local body = prefix .. title_head .. built
  headers["X-Slack-Signature"] = slack_sign.sign(secret, stamp_text, body)
  return wrk.format("POST", path, headers, body)
end

function response(status, _, body)
  if status ~= 200 then
    refused = refused + 1
    return
  end
  local id = body:match("Opened #(%d+)")
  if id then
    opened = opened + 1
    acked_file:write(id, "\n")
  elseif body:find("Working on it", 1, true) then
    stand_in = stand_in + 1
  else
    other_ok = other_ok + 1
  end
end

function done(summary, latency, _)
  local totals = { opened = 0, stand_in = 0, other_ok = 0, refused = 0, built = 0 }
  for _, t in ipairs(threads) do
    for k in pairs(totals) do totals[k] = totals[k] + (t:get(k) or 0) end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local active_run = threads[1] and threads[1]:get("active") or 0
  if active_run > 0 and active_run < seconds then seconds = active_run end
  io.write(string.format(
    "LOAD requests=%d seconds=%.3f rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d "
      .. "opened=%d stand_in=%d other_ok=%d non_200=%d built=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    totals.opened, totals.stand_in, totals.other_ok, totals.refused, totals.built,
    e.connect, e.read, e.write, e.status, e.timeout))
end
