#include "bot/describe.hpp"
#include "commands/case_command.hpp"
#include "commands/case_view.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {
namespace {
constexpr std::size_t history_lines = 8;
}

// show <id>: the case card and its most recent history.
result<reply> show(const command& cmd, const invocation& in, context& ctx)
{
    auto found = visible_case(in, ctx, *cmd.id);
    if (!found)
        return found.error();
    if (!*found)
        return not_found(*cmd.id);
    auto const& c = **found;
    auto events = ctx.cases.history(c.id);
    if (!events)
        return events.error();

    auto const now = ctx.clock.now();
    auto const& cal = ctx.rules.support_hours();
    std::string text = fmt::format("{} · {}", case_tag(c.id), c.title);
    if (!c.description.empty() && c.description != c.title)
        text += "\n" + c.description;
    text += "\nHistory:";
    auto const first = events->size() > history_lines ? events->size() - history_lines : 0;
    for (auto i = first; i < events->size(); ++i) {
        auto const& e = (*events)[i];
        text += fmt::format("\n  {} · {} · {}{}", cal.local_text(e.at), ctx.people.display_name(e.actor), e.what,
                            e.detail.empty() ? "" : ": " + e.detail);
    }
    auto r = reply::info(std::move(text));
    r.fields = case_fields(c, now, ctx.rules, ctx.people);
    r.case_ref = c.id;
    return r;
}

}  // namespace bot::commands
