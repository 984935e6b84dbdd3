#pragma once
// Posting to Microsoft Teams: the Bot Connector API with a client-credentials
// token (cached until it expires; protocols.md §2.3) and Workflows webhook URLs
// (§2.2). Every call answers with a teams_call that says whether it was accepted
// and whether trying again later makes sense. Nothing here logs; secrets never
// appear in an error. Thread-safe.
#include "bot/clock.hpp"
#include "webhooks/http_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bot::webhooks {

struct teams_call {
    int http_status = 0;                        // 0: no HTTP answer
    bool ok = false;                            // HTTP 2xx
    std::string error;                          // the service's error code/message, "http_<status>", or transport text
    boost::json::object body;                   // parsed answer (empty when not a JSON object)
    std::optional<std::chrono::seconds> retry_after;   // HTTP 429 / 503 Retry-After
    bool transport_failed = false;

    // 429, 5xx, 401 after a token refresh failed to help? no: 429, 5xx and transport failures.
    bool retryable() const;
};

struct connector_options {
    std::string app_id;
    std::string app_password;
    // Empty: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
    std::string token_url;
    std::string tenant = "botframework.com";
    std::string scope = "https://api.botframework.com/.default";
};

class teams_connector {
public:
    teams_connector(http_client& client, connector_options options, const bot::clock& clock);
    ~teams_connector();
    teams_connector(const teams_connector&) = delete;
    teams_connector& operator=(const teams_connector&) = delete;

    // POST {service_url}v3/conversations/{conversation_id}/activities: a new message
    // (in a channel: a new thread). The new activity's id is body["id"].
    teams_call send(std::string_view service_url, std::string_view conversation_id, const boost::json::object& activity);
    // POST …/activities/{reply_to}: a reply in the thread of `reply_to`.
    teams_call reply(std::string_view service_url, std::string_view conversation_id, std::string_view reply_to,
                     const boost::json::object& activity);
    // PUT …/activities/{activity_id}: replaces a message the bot posted (a card).
    teams_call update(std::string_view service_url, std::string_view conversation_id, std::string_view activity_id,
                      const boost::json::object& activity);
    // POST {service_url}v3/conversations: the bot's one-to-one chat with `user` (29:… or
    // an Entra object id) in `tenant_id`, opened if need be; its id is body["id"].
    teams_call open_personal_chat(std::string_view service_url, std::string_view tenant_id, std::string_view user);

    // The token, fetched or from the cache (refreshed five minutes before it expires);
    // empty with the reason in `error` when the token endpoint refused.
    std::string token(std::string& error);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// POST a Workflows webhook payload ({"type":"message","attachments":[…]}): any 2xx is accepted.
teams_call post_workflow(http_client& client, std::string_view workflows_url, const boost::json::object& payload);

}  // namespace bot::webhooks
