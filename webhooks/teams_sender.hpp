#pragma once
// Delivers outbox messages to Teams channels: through the Bot Connector when
// the bot has been in the channel (its conversation reference is known) —
// replies in the case's thread, cards with buttons, card edits — and otherwise
// through the channel's Workflows URL (new posts only; no threads, no edits).
// Direct messages (breach pings to leads) go to the bot's one-to-one chat with
// the person, opened through the Bot Connector the first time.
#include "bot/chat_memory.hpp"
#include "bot/clock.hpp"
#include "webhooks/delivery_worker.hpp"
#include "webhooks/desk.hpp"

#include <optional>
#include <string>
#include <utility>

namespace bot::webhooks {

class http_client;
class teams_connector;

class teams_sender final : public message_sender {
public:
    // `connector` may be null (no Bot Framework app configured): Workflows only.
    teams_sender(teams_connector* connector, http_client& client, bot::chat_memory& memory, const desk_state& desk,
                 const bot::clock& clock);
    send_outcome send(const outbound_message& m, const case_record* c, wall_time queued_at) override;

private:
    // The bot's one-to-one chat with `user` in `tenant`, opened and remembered; or, with
    // no reference, the outcome that says why it could not be.
    std::pair<send_outcome, std::optional<conversation_ref>> open_chat(const std::string& user,
                                                                       const std::string& tenant);

    teams_connector* connector_;
    http_client& client_;
    bot::chat_memory& memory_;
    const desk_state& desk_;
    const bot::clock& clock_;
};

}  // namespace bot::webhooks
