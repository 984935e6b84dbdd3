#pragma once
// Delivers outbox messages to Slack: case cards with Block Kit, card refreshes
// with chat.update, ephemeral answers with chat.postEphemeral, the rest with
// chat.postMessage; and says which refusals are worth retrying.
#include "bot/clock.hpp"
#include "webhooks/delivery_worker.hpp"
#include "webhooks/desk.hpp"

namespace bot::webhooks {

class slack_api;

class slack_sender final : public message_sender {
public:
    slack_sender(slack_api& api, const desk_state& desk, const bot::clock& clock);
    send_outcome send(const outbound_message& m, const case_record* c) override;

private:
    slack_api& api_;
    const desk_state& desk_;
    const bot::clock& clock_;
};

}  // namespace bot::webhooks
