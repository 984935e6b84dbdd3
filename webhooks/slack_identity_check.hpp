#pragma once
// At start, `serve` asks Slack whom its bot token belongs to (auth.test) and compares
// the answer with the configuration: a wrong [slack] bot_user or [team] slack_team is
// otherwise silent (the bot does not know its own messages and mentions, or our
// people do not count as agents), and a refused token shows only in `casebot outbox`.
#include "webhooks/slack_api.hpp"

#include <spdlog/common.h>

#include <string>
#include <string_view>
#include <vector>

namespace bot::webhooks {

struct identity_finding {
    spdlog::level::level_enum level;
    std::string text;
};

// What to log: who the token is, then each mismatch with what to set instead.
std::vector<identity_finding> check_slack_identity(slack_api& api, std::string_view bot_user,
                                                   std::string_view our_team);

}  // namespace bot::webhooks
