#pragma once
// Delivers outbox messages to Slack: case cards with Block Kit, card refreshes
// with chat.update, ephemeral answers with chat.postEphemeral, the rest with
// chat.postMessage; says which refusals are worth retrying; and finds a post whose
// answer was lost.
#include "bot/clock.hpp"
#include "webhooks/delivery_worker.hpp"
#include "webhooks/desk.hpp"

namespace bot::webhooks {

class slack_api;

class slack_sender final : public message_sender {
public:
    slack_sender(slack_api& api, const desk_state& desk, const bot::clock& clock);
    // chat.postMessage carries metadata naming the outbox row, for find_earlier().
    send_outcome send(const outbound_message& m, const case_record* c, wall_time queued_at) override;
    // Looks for the message's metadata among what was posted around the attempt
    // (conversations.history, or .replies in a thread); a direct message in the app's
    // conversation with the person (conversations.open). In one of the vendor's own
    // channels ([routing]) that the bot posts to without being a member
    // (chat:write.public), it joins first. Card refreshes and ephemeral messages are
    // not looked up, and a message in a channel the bot can neither read nor join is
    // not found: those are sent again.
    earlier_attempt find_earlier(const outbound_message& m, wall_time queued_at, wall_time attempted_at) override;

private:
    slack_api& api_;
    const desk_state& desk_;
    const bot::clock& clock_;
};

}  // namespace bot::webhooks
