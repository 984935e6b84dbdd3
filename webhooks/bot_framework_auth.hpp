#pragma once
// Validates the Bearer JWT the Bot Connector sends with every activity
// (protocols.md §2.3): RS256 keys from the OpenID metadata's JWKS, cached and
// refreshed (every 24 h, and on an unknown kid at most hourly), issuer, audience
// = our app id, lifetime with five minutes' tolerance, endorsements that include
// the activity's channelId, and the serviceurl claim equal to the activity's.
// Thread-safe; fetching keys blocks, so call it off the server's threads.
#include "bot/clock.hpp"
#include "webhooks/http_client.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace bot::webhooks {

struct bot_auth_options {
    std::string app_id;                          // the expected audience
    std::string openid_metadata_url = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    std::vector<std::string> issuers{"https://api.botframework.com"};
    std::chrono::seconds clock_tolerance{300};
    std::chrono::hours refresh_every{24};
    std::chrono::minutes unknown_kid_refresh{60};   // at most this often on an unknown kid
};

struct auth_result {
    bool valid = false;
    std::string problem;   // why not, for the log (never echoed to the caller)
};

class bot_framework_auth {
public:
    bot_framework_auth(http_client& client, bot_auth_options options, const bot::clock& clock);
    ~bot_framework_auth();
    bot_framework_auth(const bot_framework_auth&) = delete;
    bot_framework_auth& operator=(const bot_framework_auth&) = delete;

    // `authorization` is the whole header ("Bearer <jwt>"); `channel_id` and
    // `service_url` come from the activity the token arrived with.
    // Details: an empty app_id makes every token invalid; the token's signature is
    // checked before any claim is read; a key with "endorsements" needs a non-empty
    // `channel_id` among them; the serviceurl claim (or serviceUrl) is compared with
    // `service_url` exactly, except that one trailing '/' on either is ignored.
    // Keys are fetched on the first call, when older than refresh_every, and for an
    // unknown kid when no unknown-kid refresh succeeded within unknown_kid_refresh
    // (times from the clock's now()); but never more than one fetch a minute, so
    // an unknown kid right after a fetch does not fetch again, and a failed fetch
    // is retried on the first call a minute or more later. A failed fetch keeps
    // the old keys. One fetch at a time: while one runs, callers whose key is
    // cached use it, the others wait for it. Tokens that fail before the key
    // lookup (no Bearer, malformed, alg, kid) never cause a fetch. Never throws
    // (except std::bad_alloc); `problem` never contains token contents.
    auth_result validate(std::string_view authorization, std::string_view channel_id,
                         std::string_view service_url);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace bot::webhooks
