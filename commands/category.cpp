#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {

// category <id> <category>: reclassify; out-of-scope categories stop the clocks.
result<reply> category(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::change_category(c, in.who, *cmd.kind, dc); },
        [&](const case_record& c) {
            return reply::ok(fmt::format("{} is now {} ({}).", case_tag(c.id), to_string(c.kind), to_string(c.state)));
        });
}

}  // namespace bot::commands
