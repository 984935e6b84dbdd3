-- Slack v0 request signing for wrk's LuaJIT (protocols.md §1.1):
--   X-Slack-Signature = "v0=" .. hex(HMAC-SHA256(secret, "v0:" .. timestamp .. ":" .. body))
-- LuaJIT has no HMAC, but wrk links OpenSSL's libcrypto, so the FFI calls its
-- one-shot HMAC(); that costs a few microseconds per request and keeps the
-- generator from becoming the bottleneck. Checked against Slack's published
-- example vector when the module loads (an error stops wrk before it sends).
local ffi = require("ffi")
local bit = require("bit")

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md, unsigned int *md_len);
]]

-- wrk links libcrypto, so its symbols are usually visible through ffi.C already.
local crypto = ffi.C
if not pcall(function() return crypto.HMAC end) then
  crypto = ffi.load("libcrypto.so.3")
end

local sha256 = crypto.EVP_sha256()
local digest = ffi.new("unsigned char[32]")
local digest_len = ffi.new("unsigned int[1]")
local hex_of = {}
for i = 0, 255 do hex_of[i] = bit.tohex(i, 2) end
local hex_parts = {}

local M = {}

-- "v0=<64 lowercase hex>" for this secret, timestamp (a string, sent verbatim) and raw body.
function M.sign(secret, timestamp, body)
  local basestring = "v0:" .. timestamp .. ":" .. body
  if crypto.HMAC(sha256, secret, #secret, basestring, #basestring, digest, digest_len) == nil
      or digest_len[0] ~= 32 then
    error("slack_sign: HMAC failed")
  end
  for i = 0, 31 do hex_parts[i + 1] = hex_of[digest[i]] end
  return "v0=" .. table.concat(hex_parts)
end

-- Slack's example from "Verifying requests from Slack" (also protocols.md §1.1).
function M.self_test()
  local secret = "8f742231b10e8888abcd99yyyzzz85a5"
  local body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    .. "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    .. "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    .. "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
  local want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
  local got = M.sign(secret, "1531420618", body)
  if got ~= want then
    error("slack_sign: self-test failed: got " .. got .. ", want " .. want)
  end
end

M.self_test()
return M
