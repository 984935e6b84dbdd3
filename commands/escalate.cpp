#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// escalate <id> <reason>: the leads are told at once.
result<reply> escalate(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::escalate(c, in.who, cmd.text, dc); },
        [&](const case_record& c) { return reply::ok(case_tag(c.id) + " is escalated to the support leads."); });
}

}  // namespace bot::commands
