#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {
namespace {
// "<@U123>", "<@U123|ana>", "@ana", "ana" → the configured person.
const person* find_target(std::string_view token, platform where, const directory& people)
{
    if (token.starts_with("<@") && token.ends_with(">")) {
        token = token.substr(2, token.size() - 3);
        token = token.substr(0, token.find('|'));
        return people.person_on(platform::slack, token);
    }
    if (token.starts_with("@"))
        token.remove_prefix(1);
    if (auto const* p = people.find_person(token))
        return p;
    return people.person_on(where, token);
}
}  // namespace

// assign <id> <@user>: a lead gives the case to someone on the team.
result<reply> assign(const command& cmd, const invocation& in, context& ctx)
{
    auto const* target = find_target(cmd.target, in.where, ctx.people);
    if (!target || !is_staff(target->who))
        return reply::refusal(fmt::format("I don't know {} as a member of the support team.", cmd.target));
    actor const assignee{target->id, target->name, target->who, {}, in.where, {}};
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::assign(c, in.who, assignee, dc); },
        [&](const case_record& c) { return reply::ok(fmt::format("{} now has {}.", assignee.name, case_tag(c.id))); });
}

}  // namespace bot::commands
