#include "bot/sla.hpp"

#include <algorithm>

namespace bot {
namespace {
using std::chrono::seconds;

const sla_clock& clock_of(const case_record& c, sla_kind k) noexcept
{
    return k == sla_kind::initial_response ? c.initial : c.status;
}
}  // namespace

std::string_view to_string(clock_status s) noexcept
{
    switch (s) {
    case clock_status::off: return "off";
    case clock_status::running: return "running";
    case clock_status::due_soon: return "due soon";
    case clock_status::breached: return "breached";
    case clock_status::met: return "met";
    case clock_status::paused: return "paused";
    }
    return "?";
}

bool is_running(const case_record& c, sla_kind k, const program& p) noexcept
{
    if (!is_covered(c.kind))
        return false;
    if (k == sla_kind::initial_response)
        return c.state == case_state::open && c.initial.anchor.has_value();
    return c.state == case_state::responded && c.status.anchor.has_value() && p.update_window(c.level).has_value();
}

seconds window_of(const case_record& c, sla_kind k, const program& p) noexcept
{
    if (k == sla_kind::initial_response)
        return p.initial_window(c.level);
    return p.update_window(c.level).value_or(seconds{0});
}

wall_time missed_at(const calendar& cal, wall_time due)
{
    return cal.next_opening(due);
}

wall_time breach_at(const calendar& cal, wall_time due)
{
    return missed_at(cal, due) + seconds{1};
}

bool is_late(const calendar& cal, wall_time due, wall_time at)
{
    return at > missed_at(cal, due);
}

void refresh_deadlines(case_record& c, const program& p)
{
    auto const& cal = p.calendar_for(c.level);
    // Once given, the initial response's deadline is history: a later change of severity
    // or of the support hours does not make that response late or on time after the fact.
    if (!c.responded_at) {
        c.initial.due.reset();
        if (is_covered(c.kind) && c.initial.anchor)
            c.initial.due = cal.add(*c.initial.anchor, p.initial_window(c.level));
    }

    c.status.due.reset();
    if (is_running(c, sla_kind::status_update, p))
        c.status.due = cal.add(*c.status.anchor, *p.update_window(c.level) + c.paused_business);

    c.next_alarm_at.reset();
    for (auto k : {sla_kind::initial_response, sla_kind::status_update})
        if (auto a = next_alarm(c, k, p))
            c.next_alarm_at = c.next_alarm_at ? std::min(*c.next_alarm_at, a->at) : a->at;
}

std::optional<alarm> next_alarm(const case_record& c, sla_kind k, const program& p)
{
    if (!is_running(c, k, p))
        return std::nullopt;
    auto const& clk = clock_of(c, k);
    auto const& cal = p.calendar_for(c.level);
    auto const window = window_of(c, k, p);
    auto const extra = k == sla_kind::status_update ? c.paused_business : seconds{0};
    auto const due = cal.add(*clk.anchor, window + extra);

    if (!clk.reminded) {
        if (auto const lead = p.reminder_lead(c.level, window); lead > seconds{0})
            return alarm{k, alarm_kind::reminder, cal.add(*clk.anchor, window + extra - lead)};
    }
    if (!clk.breached)
        return alarm{k, alarm_kind::breach, breach_at(cal, due)};

    std::optional<alarm> next;
    if (!p.escalation().repeat.empty())
        next = alarm{k, alarm_kind::ping, cal.add(due, p.ping_offset(c.level, clk.pings + 1))};
    if (auto const& further = p.escalation().further_after; further && !clk.escalated) {
        auto const at = cal.add(due, cal.length(*further));
        if (!next || at < next->at)
            next = alarm{k, alarm_kind::escalate, at};
    }
    return next;
}

clock_status status_of(const case_record& c, sla_kind k, wall_time now, const program& p)
{
    if (!is_covered(c.kind))
        return clock_status::off;
    auto const& clk = clock_of(c, k);
    if (k == sla_kind::initial_response) {
        if (c.responded_at)
            return clock_status::met;
        if (!is_running(c, k, p))
            return clock_status::off;
    } else {
        if (!p.update_window(c.level) || !clk.anchor)
            return clock_status::off;
        if (c.state == case_state::waiting)
            return clock_status::paused;
        if (!is_running(c, k, p))
            return clock_status::off;
    }
    if (clk.breached || (clk.due && is_late(p.calendar_for(c.level), *clk.due, now)))
        return clock_status::breached;
    auto const window = window_of(c, k, p);
    auto const lead = p.reminder_lead(c.level, window);
    if (clk.due && lead > seconds{0} && p.calendar_for(c.level).between(now, *clk.due) <= lead)
        return clock_status::due_soon;
    return clock_status::running;
}

seconds remaining_when_paused(const case_record& c, const program& p)
{
    if (!c.paused_at || !c.status.anchor)
        return seconds{0};
    auto const window = window_of(c, sla_kind::status_update, p) + c.paused_business;
    auto const used = p.calendar_for(c.level).between(*c.status.anchor, *c.paused_at);
    return std::max(seconds{0}, window - used);
}

}  // namespace bot
