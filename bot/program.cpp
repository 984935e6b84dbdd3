#include "bot/program.hpp"

#include <cmath>

namespace bot {
namespace {
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

business_span hours_span(int h) { return {hours{h}, 0, 0}; }
}  // namespace

program::program(calendar support_hours, std::array<severity_policy, 3> severities, escalation_policy escalation)
    : support_(std::move(support_hours)),
      always_(calendar::around_the_clock(support_.zone())),
      severities_(std::move(severities)),
      escalation_(std::move(escalation))
{
}

program program::defaults(const date::time_zone* zone)
{
    weekly_hours week;
    for (int d = 1; d <= 5; ++d)  // Monday … Friday
        week[static_cast<std::size_t>(d)].push_back({hours{9}, hours{18}});
    calendar support{zone, week, {}};

    severity_policy critical;
    critical.initial_response = hours_span(1);
    critical.status_update = business_span{minutes{0}, 1, 0};
    critical.reminder_lead = {minutes{15}, 0, 0};
    critical.level_of_effort = "Continuous best efforts within the normal workday.";
    critical.typical_resolution = "A patch released as soon as possible.";

    severity_policy normal;
    normal.initial_response = hours_span(4);
    normal.status_update = business_span{minutes{0}, 0, 1};
    normal.reminder_lead = hours_span(1);
    normal.level_of_effort = "Commercially reasonable efforts, during normal business hours.";
    normal.typical_resolution = "A fix released on the normal release cycle.";

    severity_policy low;
    low.initial_response = business_span{minutes{0}, 1, 0};
    low.reminder_lead = hours_span(2);
    low.level_of_effort = "Commercially reasonable efforts, during normal business hours.";
    low.typical_resolution = "A fix scheduled at the vendor's discretion.";

    escalation_policy escalation;
    escalation.repeat = {hours_span(1), hours_span(4), business_span{minutes{0}, 1, 0}};

    return program{std::move(support), {critical, normal, low}, std::move(escalation)};
}

const calendar& program::calendar_for(severity s) const noexcept
{
    return policy(s).around_the_clock ? always_ : support_;
}

seconds program::initial_window(severity s) const noexcept
{
    return calendar_for(s).length(policy(s).initial_response);
}

std::optional<seconds> program::update_window(severity s) const noexcept
{
    auto const& cadence = policy(s).status_update;
    if (!cadence)
        return std::nullopt;
    return calendar_for(s).length(*cadence);
}

seconds program::reminder_lead(severity s, seconds window) const noexcept
{
    auto const& p = policy(s);
    seconds lead = p.reminder_fraction > 0.0
                       ? seconds{static_cast<std::int64_t>(std::llround(static_cast<double>(window.count()) *
                                                                        p.reminder_fraction))}
                       : calendar_for(s).length(p.reminder_lead);
    // A lead as long as the window would remind at the moment the clock starts.
    return lead > seconds{0} && lead < window ? lead : seconds{0};
}

seconds program::ping_offset(severity s, int n) const noexcept
{
    auto const& ladder = escalation_.repeat;
    if (ladder.empty() || n <= 0)
        return seconds{0};
    auto const& cal = calendar_for(s);
    seconds total{0};
    for (int i = 0; i < n; ++i)
        total += cal.length(ladder[std::min(static_cast<std::size_t>(i), ladder.size() - 1)]);
    return total;
}

}  // namespace bot
