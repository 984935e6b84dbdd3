#pragma once
// Private to config/: the shape of Slack's ids. A channel name ("#acme-support"), a
// display name ("@ana") or a workspace address ("acme.slack.com") where an id belongs
// would otherwise be accepted and never match anything Slack sends: the bot would
// ignore the channel or treat the person as a stranger, with nothing in the log.
#include <optional>
#include <string>
#include <string_view>

namespace bot::config::detail {

enum class slack_id_kind {
    channel,      // C… (public, Slack Connect), G… (private), D… (direct message)
    user,         // U…, W… (Enterprise Grid)
    team,         // T… (workspace), E… (Enterprise Grid organisation)
    user_group,   // S…
};

// Nothing when `text` looks like an id of that kind (its letter, then capitals and
// digits); else what is wrong and where in Slack the right value is found.
std::optional<std::string> slack_id_problem(slack_id_kind kind, std::string_view text);

// Nothing when `token` looks like a bot token (xoxb-…); else what it is and where the
// right one is. Never repeats the token: it may be a real secret.
std::optional<std::string> slack_bot_token_problem(std::string_view token);

}  // namespace bot::config::detail
