#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// reopen <id> [reason]: a resolved or closed case comes back to the team.
result<reply> reopen(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::reopen(c, in.who, cmd.text, dc); },
        [&](const case_record& c) { return reply::ok(case_tag(c.id) + " is open again."); });
}

}  // namespace bot::commands
