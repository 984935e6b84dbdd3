#pragma once
// Slack's Web API over http_client (protocols.md §1.5): POST {base}{method} with a
// bearer token and a JSON body, and response_url posts (§1.2, no token). Every call
// answers with a slack_call that says whether Slack accepted it (`ok`, never only
// the HTTP status: Slack answers HTTP 200 with ok:false) and whether trying again
// later makes sense. Nothing here logs, and the token never appears in an error.
// Thread-safe as far as http_client is: calls may come from several threads.
#include "webhooks/http_client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bot::webhooks {

struct slack_call {
    int http_status = 0;                        // 0: no HTTP answer (transport_failed)
    bool ok = false;                            // HTTP 2xx and {"ok":true}
    std::string error;                          // Slack's "error", "http_<status>", or a transport error text
    boost::json::object body;                   // the parsed answer; empty when it was not a JSON object
    std::optional<std::chrono::seconds> retry_after;   // from Retry-After on HTTP 429
    bool transport_failed = false;

    // Worth trying again later: HTTP 429 and 5xx, transport failures, and ok:false
    // errors Slack documents as transient (ratelimited, internal_error, fatal_error,
    // service_unavailable, request_timeout). invalid_auth, channel_not_found, … are not.
    bool retryable() const;
};

// A Web API call that looks something up: the call, and the value when it was found.
template <class T>
struct slack_lookup {
    slack_call call;
    std::optional<T> value;   // empty when the call failed or nothing matched
};

class slack_api {
public:
    // `base_url` ends in "/api/" (e.g. https://slack.com/api/ or http://127.0.0.1:PORT/api/);
    // a missing trailing slash is added.
    slack_api(http_client& client, std::string base_url, std::string bot_token);

    // POST {base}{method} with `args` as the JSON body.
    slack_call call(std::string_view method, const boost::json::object& args);

    // POST {base}{method} with `args` form-encoded. Slack's read methods
    // (conversations.history, users.info) take their arguments this way, not as JSON.
    slack_call call_form(std::string_view method, const std::map<std::string, std::string>& args);

    // POST a JSON message to a response_url (absolute; no token is sent). Slack may
    // answer with a JSON envelope or with plain text; a 2xx answer counts as ok.
    slack_call post_json(std::string_view absolute_url, const boost::json::object& body);

    // chat.postMessage; the new message's ts is body["ts"]. `text` is sent even with
    // blocks (it is the notification and fallback text). Empty blocks, thread_ts and
    // metadata ({"event_type":…,"event_payload":{…}}, for apps, not shown to people) are omitted.
    slack_call post_message(std::string_view channel, std::string_view text, const boost::json::array& blocks = {},
                            std::string_view thread_ts = {}, const boost::json::object& metadata = {});
    // chat.update of a message this app posted: it becomes `text` and `blocks`. The blocks
    // go out even when empty, which clears them (Slack keeps the old ones otherwise).
    slack_call update_message(std::string_view channel, std::string_view ts, std::string_view text,
                              const boost::json::array& blocks = {});
    // chat.postEphemeral: only `user` sees it.
    slack_call post_ephemeral(std::string_view channel, std::string_view user, std::string_view text,
                              const boost::json::array& blocks = {}, std::string_view thread_ts = {});
    // views.open with a trigger_id from an interaction (valid for 3 s, single use).
    slack_call open_view(std::string_view trigger_id, const boost::json::object& view);

    // conversations.history (latest=ts, inclusive, limit=1): the message posted at
    // exactly `ts` in `channel`, if any. Thread replies are not in a channel's history.
    slack_lookup<boost::json::object> message_at(std::string_view channel, std::string_view ts);
    // The ts of a message posted in `channel` from `oldest` to `latest` (Slack ts) whose
    // metadata has `event_type` and an event_payload holding every member of `payload`
    // (numbers compare by value): among the thread's replies (conversations.replies)
    // when `thread_ts` is set, else among the channel's messages (conversations.history),
    // with include_all_metadata, page by page. `value` is empty when none matched;
    // `complete` says whether every message of the span was seen (false past
    // `max_messages`, when a call failed, or when Slack's paging went wrong).
    struct metadata_search {
        slack_call call;                   // the last call made
        std::optional<std::string> value;  // the matching message's ts
        bool complete = false;
    };
    metadata_search find_by_metadata(std::string_view channel, std::string_view thread_ts, std::string_view oldest,
                                     std::string_view latest, std::string_view event_type,
                                     const boost::json::object& payload, std::size_t max_messages = 2000);
    // conversations.open with `users` = one user id (im:write): the id (D…) of the
    // app's direct-message conversation with that person, opened if it was not yet.
    // chat.postMessage to a user id posts there. Without the scope Slack answers
    // missing_scope; `value` is empty whenever no id came back.
    slack_lookup<std::string> direct_conversation(std::string_view user);
    // conversations.join (channels:join): the bot becomes a member of a public channel
    // (ok, with a warning, if it already was). A private channel answers
    // method_not_supported_for_channel_type, an archived one is_archived.
    slack_call join_channel(std::string_view channel);
    // users.info: the user's team_id (differs from ours for Slack Connect guests).
    slack_lookup<std::string> user_team(std::string_view user);
    // auth.test: whom the token belongs to (no scope needed).
    struct identity {
        std::string user_id;         // the bot's user id (U…)
        std::string user;            // its name
        std::string team_id;         // the workspace it is installed in (T…)
        std::string team;
        std::string enterprise_id;   // an Enterprise Grid organisation (E…), else ""
    };
    slack_lookup<identity> who_am_i();

    const std::string& base_url() const noexcept { return base_url_; }

private:
    slack_call send(std::string_view url, std::string_view content_type, std::string_view body, bool with_token,
                    bool envelope_required);

    http_client& client_;
    std::string base_url_;
    std::string token_;
};

}  // namespace bot::webhooks
