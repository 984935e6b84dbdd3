#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {

// update <id> <text>: a status update for the customer; the status clock starts again.
result<reply> update(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::post_update(c, in.who, cmd.text, dc); },
        [&](const case_record& c) {
            auto const& cal = ctx.rules.calendar_for(c.level);
            return reply::ok(fmt::format("Update posted on {}.{}", case_tag(c.id),
                                         c.status.due ? " Next one due " + cal.local_text(*c.status.due) + "." : ""));
        });
}

}  // namespace bot::commands
