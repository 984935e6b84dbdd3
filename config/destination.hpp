#pragma once
// Where the team's own reminders and pings go, written in the configuration as
// "platform:channel": "slack:C0AGENTS", "teams:19:abc@thread.tacv2", "cli:agents".
#include "bot/message.hpp"

#include <optional>
#include <string_view>

namespace bot::config {

// The platform is everything before the first colon (slack, teams or cli, any case),
// the channel everything after it (non-empty, no spaces). nullopt for anything else.
std::optional<bot::destination> parse_destination(std::string_view text);

}  // namespace bot::config
