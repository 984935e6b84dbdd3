#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// info <id> <question>: ask the customer; the case waits on them and its status clock pauses.
result<reply> info(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::request_info(c, in.who, cmd.text, dc); },
        [&](const case_record& c) {
            return reply::ok("Asked the customer on " + case_tag(c.id) + "; it waits on them, status clock paused.");
        });
}

}  // namespace bot::commands
