#include "config/slack_ids.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bot::config::detail {
namespace {

struct id_shape {
    std::string_view letters;   // the first letter of every id of the kind
    std::string_view noun;
    std::string_view example;
    std::string_view where_found;
};

id_shape shape_of(slack_id_kind kind)
{
    switch (kind) {
    case slack_id_kind::channel:
        return {"CGD", "channel id", "C0123ABCD",
                "in Slack, open the channel's details: the id is at the bottom of the About tab"};
    case slack_id_kind::user:
        return {"UW", "member id", "U0123ABCD", "in Slack, open the person's profile, then ⋮ → Copy member ID"};
    case slack_id_kind::team:
        return {"TE", "team id", "T0123ABCD",
                "`auth.test` with the bot's token gives your own (team_id); `users.info` of one of a "
                "customer's people gives theirs (user.team_id)"};
    case slack_id_kind::user_group:
        return {"S", "user group id", "S0123ABCD",
                "in Slack's web client it ends the address of the group's page; `usergroups.list` gives it too"};
    }
    return {"", "id", "", ""};
}

// What the text looks like instead, when that is recognisable.
std::string_view mistaken_for(std::string_view text)
{
    if (text.starts_with('#'))
        return "a channel name";
    if (text.starts_with('@'))
        return "a name";
    if (text.starts_with("<") || text.starts_with("http"))
        return "a link";
    if (text.find(".slack.com") != std::string_view::npos)
        return "a workspace address";
    return "";
}

}  // namespace

std::optional<std::string> slack_id_problem(slack_id_kind kind, std::string_view text)
{
    auto const shape = shape_of(kind);
    auto const capital_or_digit = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    if (text.size() >= 2 && shape.letters.find(text.front()) != std::string_view::npos &&
        std::all_of(text.begin(), text.end(), capital_or_digit))
        return std::nullopt;
    auto const instead = mistaken_for(text);
    auto const what = instead.empty() ? fmt::format("'{}' is not a Slack {}", text, shape.noun)
                                      : fmt::format("'{}' is {}, not a Slack {}", text, instead, shape.noun);
    return fmt::format("{}; a {} looks like {} ({})", what, shape.noun, shape.example, shape.where_found);
}

std::optional<std::string> slack_bot_token_problem(std::string_view token)
{
    if (token.starts_with("xoxb-") && token.size() > 5)
        return std::nullopt;
    std::string_view kind = "not a Slack bot token";
    if (token.starts_with("xoxp-"))
        kind = "a user token (xoxp-…), not the bot's";
    else if (token.starts_with("xapp-"))
        kind = "an app-level token (xapp-…), not the bot's";
    else if (token.starts_with("xoxe"))
        kind = "a configuration or refresh token, not the bot's";
    return fmt::format("the bot token is {}: it starts with xoxb- (the app's Install App page → Bot User "
                       "OAuth Token)",
                       kind);
}

}  // namespace bot::config::detail
