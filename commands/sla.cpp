#include "bot/describe.hpp"
#include "commands/handlers.hpp"

#include <date/date.h>
#include <fmt/format.h>

namespace bot::commands {
namespace {
constexpr int upcoming_holidays = 5;
}

// sla: what the Support Program promises, and whether support is open now.
result<reply> sla(const command&, const invocation&, context& ctx)
{
    auto const& rules = ctx.rules;
    auto const& cal = rules.support_hours();
    auto const now = ctx.clock.now();
    std::string text = fmt::format("The {} Support Program. Support hours: {}.", ctx.vendor, hours_text(cal));
    text += cal.is_open(now) ? " Support is open now."
                             : fmt::format(" Support is closed now; it opens {}.", cal.local_text(cal.next_opening(now)));
    std::vector<std::string> next_holidays;
    auto const today = std::chrono::floor<std::chrono::days>(now);
    for (auto const& day : cal.holidays())
        if (day >= today - std::chrono::days{1} && next_holidays.size() < upcoming_holidays)
            next_holidays.push_back(date::format("%a %d %b %Y", date::sys_days{date::days{day.time_since_epoch().count()}}));
    if (!next_holidays.empty()) {
        text += " Holidays ahead:";
        for (auto const& h : next_holidays)
            text += " " + h + ";";
        text.back() = '.';
    }
    auto r = reply::info(std::move(text));
    for (auto s : all_severities) {
        auto const& p = rules.policy(s);
        auto const basis = p.around_the_clock ? " (around the clock)" : "";
        r.text += fmt::format("\n{}: initial response within {}{}; status updates {}. {} Typical resolution: {}",
                              to_string(s), span_text(p.initial_response), basis,
                              p.status_update ? "every " + span_text(*p.status_update) : std::string{"as reasonable"},
                              p.level_of_effort, p.typical_resolution);
        r.fields.push_back({std::string{to_string(s)},
                            fmt::format("initial response {}{}; updates {}", span_text(p.initial_response), basis,
                                        p.status_update ? "every " + span_text(*p.status_update)
                                                        : std::string{"as reasonable"})});
    }
    r.text += "\nCovered: software errors (technical support) and questions about using the software (end-user "
              "support). Not covered: change requests, work orders, CRM maintenance.";
    return r;
}

}  // namespace bot::commands
