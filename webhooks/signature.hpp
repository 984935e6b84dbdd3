#pragma once
// Request signatures: Slack's v0 scheme and Teams outgoing-webhook HMACs
// (protocols.md §1.1, §2.1). MACs are computed over the raw body bytes and
// compared in constant time. Pure apart from OpenSSL's HMAC.
#include "bot/clock.hpp"

#include <string>
#include <string_view>

namespace bot::webhooks {

enum class signature_check {
    valid,
    missing,        // no signature or timestamp header
    malformed,      // not "v0=<64 hex>", or a timestamp that is not a number
    stale,          // the timestamp is more than five minutes from now (either way)
    mismatch,       // the MAC does not match the body
};
std::string_view to_string(signature_check c) noexcept;

// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
std::string slack_signature(std::string_view signing_secret, std::string_view timestamp, std::string_view body);

// Accepts iff |now − timestamp| ≤ 300 s and the signature matches, in constant time.
signature_check verify_slack_signature(std::string_view signing_secret, std::string_view timestamp_header,
                                       std::string_view signature_header, std::string_view body, wall_time now);

// "HMAC " + base64(HMAC-SHA256(base64-decode(security_token), body)).
// Empty when the token is not valid base64.
std::string teams_signature(std::string_view security_token_base64, std::string_view body);

// Checks an "Authorization: HMAC <base64>" header against the body.
signature_check verify_teams_signature(std::string_view security_token_base64, std::string_view authorization,
                                       std::string_view body);

// Equal-length, constant-time comparison (CRYPTO_memcmp); false for different lengths.
bool same_secret(std::string_view a, std::string_view b) noexcept;

}  // namespace bot::webhooks
