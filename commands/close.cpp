#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// close <id>: staff close any case; a customer confirms a resolved one.
result<reply> close(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id, [&](const case_record& c, const domain_context& dc) { return bot::close(c, in.who, dc); },
        [&](const case_record& c) { return reply::ok(case_tag(c.id) + " is closed."); });
}

}  // namespace bot::commands
