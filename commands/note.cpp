#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

namespace bot::commands {

// note <id> <text>: add details. From a customer it resumes a case waiting on them;
// from an agent it is a reply to the customer (the response, or a status update).
result<reply> note(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::reply(c, in.who, cmd.text, dc); },
        [&](const case_record& c) { return reply::ok("Added to " + case_tag(c.id) + "."); });
}

}  // namespace bot::commands
