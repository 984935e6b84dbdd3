#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// claim <id>: an agent takes the case; the first claim is its initial response.
result<reply> claim(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::claim(c, in.who, dc, !in.pressed); },
        [&](const case_record& c) { return reply::ok("You claimed " + case_tag(c.id) + ": " + c.title); });
}

}  // namespace bot::commands
