#pragma once
// Slack's inbound payloads decoded into plain structs (protocols.md §1.2–§1.4).
// Decoding is strict about what we need and ignores what we don't; a payload
// missing a required field is rejected with a sentence saying which.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace bot::webhooks {

template <class T>
struct decoded {
    std::optional<T> value;
    std::string problem;   // set when value is empty: what is wrong, for a 400 answer

    static decoded ok(T v) { return {std::move(v), {}}; }
    static decoded bad(std::string why) { return {std::nullopt, std::move(why)}; }
};

struct slash_command {
    std::string team_id;
    std::string channel_id;
    std::string user_id;
    std::string command;       // "/case"
    std::string text;
    std::string response_url;
    std::string trigger_id;
    std::string api_app_id;
};
// What a person typed, from the text Slack sends for a message or slash command,
// which carries their &, < and > as &amp;, &lt; and &gt; (Slack's markup stays as is).
std::string slack_plain_text(std::string_view text);

decoded<slash_command> decode_slash_command(std::string_view form_body);

struct url_verification {
    std::string challenge;
};

// One inner event of an event_callback, flattened.
struct slack_event {
    std::string event_id;
    std::string team_id;         // the workspace the event happened in
    std::string api_app_id;
    std::string type;            // message, app_mention, reaction_added, …
    std::string subtype;         // message subtypes (bot_message, message_changed, …); empty for plain posts
    std::string channel;
    std::string user;
    std::string user_team;       // the user's own team (Slack Connect: differs from ours for customers)
    std::string text;
    std::string ts;
    std::string thread_ts;
    std::string bot_id;
    std::string reaction;        // reaction_added
    std::string item_channel;    // reaction_added: the message reacted to
    std::string item_ts;
    std::string item_user;
};

// Events the app does not subscribe to or handle arrive as `other_event` (acknowledged, ignored).
struct other_event {
    std::string type;
};

using events_payload = std::variant<url_verification, slack_event, other_event>;
decoded<events_payload> decode_events(std::string_view json_body);

struct block_action {
    std::string user_id;
    std::string user_team;
    std::string channel_id;
    std::string message_ts;
    std::string thread_ts;       // the thread the pressed message is in, if any
    std::string action_id;
    std::string value;           // a button's value, or a select's selected option value
    std::string response_url;
    std::string trigger_id;
};

struct view_submission {
    std::string user_id;
    std::string user_team;
    std::string callback_id;
    std::string private_metadata;
    std::string view_id;
    // state.values[block_id][action_id] → the value typed or selected
    std::map<std::string, std::string> values;   // keyed by block_id (one input per block)
};

struct other_interaction {
    std::string type;
};

using interaction = std::variant<block_action, view_submission, other_interaction>;
decoded<interaction> decode_interaction(std::string_view form_body);

}  // namespace bot::webhooks
