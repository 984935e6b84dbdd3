#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// ack <id> [text]: acknowledge receipt; counts as the initial response.
result<reply> ack(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::acknowledge(c, in.who, cmd.text, dc); },
        [&](const case_record& c) { return reply::ok("You acknowledged " + case_tag(c.id) + "."); });
}

}  // namespace bot::commands
