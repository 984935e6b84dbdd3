#pragma once
// Microsoft Teams activities (Bot Framework schema; outgoing webhooks send the
// same shape) decoded into a plain struct (protocols.md §2.1, §2.3).
#include "webhooks/slack_payloads.hpp"   // decoded<T>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace bot::webhooks {

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
    std::string reply_to_id;
    boost::json::object value;     // Action.Submit data from a card button
};

decoded<teams_activity_in> decode_teams_activity(std::string_view json_body);

// Drops <at>…</at> mentions and other markup, turns &nbsp; and friends into text,
// and trims: what the person typed after the bot's name.
std::string strip_teams_markup(std::string_view text);

}  // namespace bot::webhooks
