#pragma once
// Microsoft Teams activities (Bot Framework schema; outgoing webhooks send the
// same shape) decoded into a plain struct (protocols.md §2.1, §2.3).
#include "webhooks/slack_payloads.hpp"   // decoded<T>

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bot::webhooks {

// One <at>…</at> of a message's text, as its `entities` describe it.
struct teams_mention {
    std::string tag;    // as it appears in the text: "<at>Raj Patel</at>"
    std::string id;     // mentioned.id: "29:…" for a person, "28:…" for a bot
    std::string aad;    // mentioned.aadObjectId, when Teams gives it
    std::string name;   // mentioned.name
};

struct teams_activity_in {
    std::string type;              // message, conversationUpdate, invoke, …
    std::string id;                // this activity's id
    std::string service_url;
    std::string channel_id;        // "msteams"
    std::string from_id;           // "29:…"
    std::string from_aad;          // Entra object id
    std::string from_name;
    std::string conversation_id;   // "19:…@thread.tacv2;messageid=…" in a channel thread
    std::string tenant_id;
    std::string team_id;
    std::string channel;           // the Teams channel id (channelData.channel.id), or the conversation's base
    std::string thread_root;       // the thread's first message: ;messageid=…, else replyToId, else id
    std::string text;              // as sent, mentions included
    std::vector<teams_mention> mentions;   // entities of type "mention", in order
    std::string recipient_id;      // the bot (Bot Framework activities)
    std::string reply_to_id;
    boost::json::object value;     // Action.Submit data from a card button
};

decoded<teams_activity_in> decode_teams_activity(std::string_view json_body);

// What a mention stands for in the text of a command: nullopt drops it (the bot's own
// name), else the words written in its place (a person: "@raj").
using mention_words = std::function<std::optional<std::string>(const teams_mention&)>;

// Drops <at>…</at> mentions and other markup, turns &nbsp; and friends into text,
// and trims: what the person typed after the bot's name. A mention found among
// `mentions` (by its tag, else by its name) is written as `words` says.
std::string strip_teams_markup(std::string_view text, std::span<const teams_mention> mentions = {},
                               const mention_words& words = {});

}  // namespace bot::webhooks
