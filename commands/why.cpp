#include "bot/describe.hpp"
#include "bot/sla.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

#include <map>

namespace bot::commands {
namespace {
constexpr std::size_t max_listed = 10;

std::string_view kind_name(span_kind k)
{
    switch (k) {
    case span_kind::counted: return "counted";
    case span_kind::night: return "night";
    case span_kind::weekend: return "weekend";
    case span_kind::holiday: return "holiday";
    case span_kind::paused: return "paused";
    }
    return "?";
}

// Wall intervals during which the case waited on the customer, from its history.
std::vector<wall_interval> paused_intervals(const std::vector<case_event>& history, wall_time since)
{
    std::vector<wall_interval> out;
    bool pausing = false;
    wall_time start{};
    for (auto const& e : history) {
        if (e.what == "paused") {
            pausing = true;
            start = e.at;
        } else if (e.what == "resumed" && pausing) {
            if (e.at > since)
                out.push_back({std::max(start, since), e.at});
            pausing = false;
        }
    }
    return out;
}

std::string explain_clock(const case_record& c, sla_kind k, const std::vector<case_event>& history,
                          const context& ctx)
{
    auto const& rules = ctx.rules;
    auto const& cal = rules.calendar_for(c.level);
    auto const& clk = k == sla_kind::initial_response ? c.initial : c.status;
    auto const now = ctx.clock.now();
    auto const name = k == sla_kind::initial_response ? "Initial response" : "Status update";
    auto const& policy = rules.policy(c.level);
    auto const span = k == sla_kind::initial_response ? policy.initial_response : *policy.status_update;
    auto const basis = policy.around_the_clock ? "counted around the clock" : "of support time";

    std::string out = fmt::format("{}: {} {} for {} cases, from {}.", name, span_text(span), basis,
                                  to_string(c.level), cal.local_text(*clk.anchor));
    if (!policy.around_the_clock)
        out += fmt::format(" Support hours: {}.", hours_text(cal));

    wall_time end;
    if (k == sla_kind::status_update && c.state == case_state::waiting && c.paused_at) {
        end = std::max(*c.paused_at, *clk.anchor);
        out += fmt::format("\nPaused since {} (waiting on the customer); {} left when it resumes.",
                           cal.local_text(*c.paused_at), format_duration(remaining_when_paused(c, rules)));
    } else if (clk.due) {
        end = *clk.due;
        auto const state = deadline_text(c, k, now, rules);
        out += state.starts_with("met") ? fmt::format("\nDue {}; {}.", cal.local_text(end), state)
                                        : fmt::format("\nDue {}.", state);
    } else {
        return out;
    }

    // Only the status clock stands still while the case waits on the customer.
    auto const paused = k == sla_kind::status_update ? paused_intervals(history, *clk.anchor)
                                                     : std::vector<wall_interval>{};
    auto const spans = cal.explain(*clk.anchor, end, paused);
    std::chrono::seconds counted{0};
    std::map<span_kind, std::pair<int, std::chrono::seconds>> skipped;
    for (auto const& s : spans) {
        if (s.kind == span_kind::counted)
            counted += s.to - s.from;
        else {
            ++skipped[s.kind].first;
            skipped[s.kind].second += s.to - s.from;
        }
    }
    out += fmt::format("\nCounted {} of business time", format_duration(counted));
    std::vector<std::string> parts;
    for (auto const& [kind, tally] : skipped)
        parts.push_back(fmt::format("{} {}{}{} ({})", tally.first, kind_name(kind),
                                    kind == span_kind::paused ? " span" : "", tally.first == 1 ? "" : "s",
                                    format_duration(tally.second)));
    if (!parts.empty()) {
        out += "; skipped ";
        for (std::size_t i = 0; i < parts.size(); ++i)
            out += (i == 0 ? "" : ", ") + parts[i];
    }
    out += ":";
    for (std::size_t i = 0; i < spans.size() && i < max_listed; ++i)
        out += fmt::format("\n  {} {} → {} ({})", kind_name(spans[i].kind), cal.local_text(spans[i].from),
                           cal.local_text(spans[i].to), format_duration(spans[i].to - spans[i].from));
    if (spans.size() > max_listed)
        out += fmt::format("\n  … and {} more", spans.size() - max_listed);
    return out;
}
}  // namespace

// why <id>: the arithmetic behind each deadline: hours counted and what was skipped.
result<reply> why(const command& cmd, const invocation& in, context& ctx)
{
    auto found = visible_case(in, ctx, *cmd.id);
    if (!found)
        return found.error();
    if (!*found)
        return not_found(*cmd.id);
    auto const& c = **found;
    if (!is_covered(c.kind))
        return reply::info(fmt::format("{} is a {}: not covered by the Support Program, so it has no deadlines.",
                                       case_tag(c.id), to_string(c.kind)));
    auto history = ctx.cases.history(c.id);
    if (!history)
        return history.error();

    std::string text = fmt::format("Why {} is due when it is ({}, {}):", case_tag(c.id), to_string(c.level),
                                   to_string(c.state));
    if (c.initial.anchor)
        text += "\n" + explain_clock(c, sla_kind::initial_response, *history, ctx);
    if (c.status.anchor && ctx.rules.policy(c.level).status_update &&
        (c.state == case_state::responded || c.state == case_state::waiting))
        text += "\n" + explain_clock(c, sla_kind::status_update, *history, ctx);
    else if (!ctx.rules.policy(c.level).status_update)
        text += fmt::format("\nStatus updates: none scheduled for {} cases (as reasonable).", to_string(c.level));
    auto r = reply::info(std::move(text));
    r.case_ref = c.id;
    return r;
}

}  // namespace bot::commands
