#pragma once
// A local stand-in for Microsoft's side of Teams, for the demo and the tests:
// the Bot Framework token endpoint, the Bot Connector API (activities, and opening
// a one-to-one chat), Workflows webhook URLs,
// and an OpenID metadata document with a JWKS of its own keys, so tokens minted
// here validate like the Bot Connector's. Records everything; failures can be
// injected. Thread-safe.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bot::webhooks {

struct teams_activity {
    std::string kind;              // "send", "reply", "update", "workflow"
    std::string conversation_id;   // for connector calls; the workflow's name for "workflow"
    std::string activity_id;       // the id the stand-in gave it (send/reply) or the one updated
    std::string reply_to;          // for replies
    boost::json::object body;      // the activity or workflow payload as received
    int revisions = 0;
    // An update (PUT) changes the earlier record in place: its body is replaced, `kind`
    // becomes "update", `revisions` counts the updates, id and reply_to stay.
};

class teams_standin {
public:
    // `app_id`/`app_password`: the client credentials the token endpoint accepts.
    teams_standin(std::string app_id, std::string app_password, unsigned short port = 0);
    ~teams_standin();
    teams_standin(const teams_standin&) = delete;
    teams_standin& operator=(const teams_standin&) = delete;

    void start();
    void stop();

    std::string service_url() const;            // "http://127.0.0.1:PORT/" (connector API root)
    std::string token_url() const;              // "http://127.0.0.1:PORT/botframework/token"
    std::string openid_metadata_url() const;    // "http://127.0.0.1:PORT/openid/.well-known/openidconfiguration"
    std::string workflows_url(const std::string& name) const;   // "http://127.0.0.1:PORT/workflows/<name>?sig=…"

    // A Bot Connector token as Microsoft would send it with an activity: signed with
    // the stand-in's key `kid` (published in its JWKS with endorsements ["msteams"]),
    // iss https://api.botframework.com, aud `audience`, valid from now for an hour,
    // serviceurl `service_url`. `edit` may change any claim before signing.
    // "Now" is the real system time (nbf = now - 1 s, iat = now, exp = now + 1 h), not
    // a bot::clock: a test whose validator runs on a manual clock must set that clock
    // near the real time, or shift nbf/exp with `edit`. `kid` may also be one returned
    // by add_key_without_msteams(); any other kid throws std::invalid_argument.
    // Keys are generated on first use (RSA 2048: a tenth of a second or more) and shared
    // by all stand-ins in the process: the same kid names the same key in every one.
    std::string mint_token(const std::string& audience, const std::string& service_url,
                           const std::function<void(boost::json::object& claims)>& edit = {},
                           const std::string& kid = "standin-key-1") const;
    // A token signed by a key the JWKS does not publish.
    std::string mint_token_with_unknown_key(const std::string& audience, const std::string& service_url) const;
    // Publishes a second key whose endorsements do not include "msteams".
    std::string add_key_without_msteams();   // returns its kid

    // The next `count` calls to `what` ("send", "reply", "update", "open_chat", "token", "workflow")
    // answer `http_status` (429 with Retry-After when given).
    // Also "openid" and "keys" (the metadata document and the JWKS). Bodies look like the
    // service's: {"error":"<code>"} from the token endpoint ("invalid_client" for 400/401,
    // "temporarily_unavailable" otherwise), {"error":{"code":…,"message":…}} elsewhere, with
    // codes by status: 400 BadArgument, 401 Unauthorized, 403 BotNotInConversationRoster,
    // 404 NotFound, 429 TooManyRequests, 500 InternalServerError, 503 ServiceUnavailable.
    // Injections queue up in order; calls(what) counts every request, failed or not.
    void fail_next(const std::string& what, int http_status, std::optional<int> retry_after_seconds = std::nullopt,
                   int count = 1);
    std::size_t calls(const std::string& what) const;

    std::vector<teams_activity> activities() const;
    // The POST /v3/conversations requests that opened a one-to-one chat (a request for
    // a chat that exists answers its id again and is not listed); calls("open_chat") counts all.
    std::vector<boost::json::object> opened_chats() const;
    bool wait_for(const std::function<bool(const std::vector<teams_activity>&)>& predicate,
                  std::chrono::milliseconds timeout) const;
    // Forgets activities, counters and pending failures (not tokens, keys or workflow sigs).
    void clear();

    // Forgets every token issued so far: connector calls bearing one get 401 Unauthorized
    // (as when Microsoft stops accepting a token early).
    void revoke_tokens();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace bot::webhooks
