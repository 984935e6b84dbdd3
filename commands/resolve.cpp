#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// resolve <id> [note]: the team considers it fixed; the customer confirms or reopens.
result<reply> resolve(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::resolve(c, in.who, cmd.text, dc); },
        [&](const case_record& c) { return reply::ok(case_tag(c.id) + " is resolved."); });
}

}  // namespace bot::commands
