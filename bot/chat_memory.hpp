#pragma once
// What the chat adapters remember between requests: which platform events were
// handled (so retries change nothing), recent customer messages (so a 🎫 reaction
// can open a case from a message that did not open one), and which team a user
// belongs to (Slack Connect: customers and agents are told apart by team).
#include "bot/clock.hpp"
#include "bot/errc.hpp"
#include "bot/vocabulary.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace bot {

struct seen_message {
    platform where = platform::slack;
    std::string channel;
    std::string ts;       // the platform's message id
    std::string user;
    std::string team;
    std::string text;
    wall_time at{};
};

// Where to reach a Teams channel proactively through the Bot Connector, learned
// from the activities it sent us.
struct conversation_ref {
    std::string service_url;
    std::string conversation_id;   // the channel's conversation (no ;messageid=)
    std::string tenant_id;
    wall_time seen_at{};
};

class chat_memory {
public:
    virtual ~chat_memory() = default;

    // Records an event key; false when it was recorded before (a retry).
    virtual result<bool> record_event(std::string_view key, wall_time at) = 0;
    // Drops event keys recorded before `t` (platforms stop retrying after minutes).
    virtual result<void> forget_events_before(wall_time t) = 0;

    virtual result<void> remember_message(const seen_message& m) = 0;
    virtual result<std::optional<seen_message>> find_message(platform where, std::string_view channel,
                                                             std::string_view ts) = 0;
    virtual result<void> forget_messages_before(wall_time t) = 0;

    virtual result<void> remember_user_team(platform where, std::string_view user, std::string_view team,
                                            wall_time at) = 0;
    // True when remember_user_team(where, user, team, at) is known, from memory alone
    // (no storage touched), to have nothing to do. False means "don't know".
    virtual bool remembers_user_team(platform where, std::string_view user, std::string_view team, wall_time at)
    {
        (void)where, (void)user, (void)team, (void)at;
        return false;
    }
    virtual result<std::optional<std::string>> user_team(platform where, std::string_view user) = 0;

    virtual result<void> remember_conversation(platform where, std::string_view channel, const conversation_ref& ref) = 0;
    virtual result<std::optional<conversation_ref>> find_conversation(platform where, std::string_view channel) = 0;
    // The most recently seen conversation of `tenant`: its service URL is where the bot
    // opens new conversations in that tenant (a direct message to a lead).
    virtual result<std::optional<conversation_ref>> any_conversation_in(platform where, std::string_view tenant) = 0;
};

}  // namespace bot
