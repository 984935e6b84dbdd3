#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {

// severity <id> <level> <reason>: staff change it; a customer asking for Critical
// files a request a lead decides on.
result<reply> severity(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) {
            return bot::change_severity(c, in.who, *cmd.level, cmd.text, dc);
        },
        [&](const case_record& c) {
            if (c.pending_request && c.level != *cmd.level)
                return reply::ok(fmt::format("Your request for {} to become {} is with the support leads.",
                                             case_tag(c.id), to_string(*cmd.level)));
            return reply::ok(fmt::format("{} is now {}.", case_tag(c.id), to_string(c.level)));
        });
}

// approve <id>: a lead grants a customer's request for Critical.
result<reply> approve(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) { return bot::decide_request(c, in.who, true, {}, dc); },
        [&](const case_record& c) {
            return reply::ok(fmt::format("Approved: {} is now {}.", case_tag(c.id), to_string(c.level)));
        });
}

// decline <id> <reason>: a lead declines it; the customer is told why.
result<reply> decline(const command& cmd, const invocation& in, context& ctx)
{
    return change_case(
        in, ctx, *cmd.id,
        [&](const case_record& c, const domain_context& dc) {
            return bot::decide_request(c, in.who, false, cmd.text, dc);
        },
        [&](const case_record& c) { return reply::ok("Declined the request on " + case_tag(c.id) + "."); });
}

}  // namespace bot::commands
