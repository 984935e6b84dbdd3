#pragma once
// What the bot says on its own: notices decided by the domain, routed by the
// directory into concrete outbound messages, stored in the outbox in the same
// transaction as the change that caused them.
#include "bot/vocabulary.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bot {

// Who a notice is for, before routing picks channels.
enum class audience {
    case_thread,   // the conversation the case lives in (the customer sees it)
    agents,        // the agents' channel(s), if configured
    leads,         // leads: their channel or a direct message each
    escalation,    // the further escalation target, if configured
};

struct notice {
    audience to = audience::case_thread;
    std::string kind;             // case_card, reminder, breach, ping, escalation, update, …
    std::string text;
    bool mention_owner = false;   // mention the assignee, or the agents' group when unclaimed
};

struct mention {
    std::string id;      // platform user or group id
    std::string name;    // display name (Teams renders <at>name</at>)
    bool group = false;  // a user group rather than a person
    friend bool operator==(const mention&, const mention&) = default;
};

struct destination {
    platform where = platform::cli;
    std::string channel;        // channel or conversation id; for a direct message, the user id
    std::string thread;         // thread root; empty = top level
    bool case_thread = false;   // thread is the case's, looked up at delivery (it may not exist yet)
    bool direct = false;        // a direct message to the user in `channel`
    std::string only_for;       // shown only to this user (Slack: an ephemeral message)
    friend bool operator==(const destination&, const destination&) = default;
};

struct outbound_message {
    std::int64_t id = 0;            // outbox row id, once stored
    std::optional<case_id> case_ref;
    std::string kind;
    destination to;
    std::string text;
    std::vector<mention> mentions;
    friend bool operator==(const outbound_message&, const outbound_message&) = default;
};

}  // namespace bot
