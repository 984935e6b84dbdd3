#include "webhooks/slack_identity_check.hpp"

#include <fmt/format.h>

namespace bot::webhooks {

std::vector<identity_finding> check_slack_identity(slack_api& api, std::string_view bot_user,
                                                   std::string_view our_team)
{
    using spdlog::level::level_enum;
    std::vector<identity_finding> out;
    auto const asked = api.who_am_i();
    if (!asked.value) {
        if (asked.call.retryable())
            out.push_back({level_enum::warn,
                           fmt::format("slack: could not check the bot token (auth.test: {}); messages wait in the "
                                       "outbox until Slack answers",
                                       asked.call.error)});
        else
            out.push_back({level_enum::err,
                           fmt::format("slack: Slack refuses the bot token (auth.test: {}), so nothing can be "
                                       "posted: copy the Bot User OAuth Token (xoxb-…) from the app's Install App "
                                       "page into SLACK_BOT_TOKEN or [slack] bot_token and restart",
                                       asked.call.error)});
        return out;
    }
    auto const& me = *asked.value;
    out.push_back({level_enum::info, fmt::format("slack: the bot token is {} ({}) in {} ({})", me.user, me.user_id,
                                                 me.team, me.team_id)});
    if (bot_user.empty())
        out.push_back({level_enum::warn,
                       fmt::format("slack: [slack] bot_user is not set: set bot_user = \"{}\" so that casebot knows "
                                   "its own messages and mentions of it",
                                   me.user_id)});
    else if (bot_user != me.user_id)
        out.push_back({level_enum::warn,
                       fmt::format("slack: [slack] bot_user is \"{}\" but the token is the bot {}: casebot does not "
                                   "know its own messages and mentions of it; set bot_user = \"{}\"",
                                   bot_user, me.user_id, me.user_id)});
    if (!our_team.empty() && our_team != me.team_id && our_team != me.enterprise_id)
        out.push_back({level_enum::warn,
                       fmt::format("slack: [team] slack_team is \"{}\" but the app is installed in {} ({}): if that "
                                   "is your workspace, set slack_team = \"{}\", or your people there do not count "
                                   "as agents",
                                   our_team, me.team, me.team_id, me.team_id)});
    return out;
}

}  // namespace bot::webhooks
