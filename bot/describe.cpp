#include "bot/describe.hpp"

#include <date/tz.h>
#include <fmt/format.h>

namespace bot {
namespace {
std::string clock_text(std::chrono::minutes m)
{
    return fmt::format("{:02}:{:02}", m.count() / 60, m.count() % 60);
}

std::string openings_text(const std::vector<opening>& day)
{
    std::string out;
    for (auto const& o : day) {
        if (!out.empty())
            out += ", ";
        out += clock_text(o.from) + "–" + clock_text(o.to);
    }
    return out;
}

constexpr std::array<std::string_view, 7> weekday_names{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
}  // namespace

std::string hours_text(const calendar& cal)
{
    if (cal.always_open())
        return "around the clock";
    // Group consecutive weekdays (Mon first) that share the same openings.
    std::string out;
    constexpr std::array<std::size_t, 7> order{1, 2, 3, 4, 5, 6, 0};
    for (std::size_t i = 0; i < order.size();) {
        auto const& day = cal.hours()[order[i]];
        std::size_t j = i;
        while (j + 1 < order.size() && cal.hours()[order[j + 1]] == day)
            ++j;
        if (!day.empty()) {
            if (!out.empty())
                out += "; ";
            out += std::string{weekday_names[order[i]]};
            if (j > i)
                out += "–" + std::string{weekday_names[order[j]]};
            out += " " + openings_text(day);
        }
        i = j + 1;
    }
    return out + " " + cal.zone()->name();
}

std::string case_tag(case_id id)
{
    return fmt::format("#{}", id);
}

std::string span_text(const business_span& s)
{
    std::string out;
    auto add = [&](std::string part) {
        if (!out.empty())
            out += " ";
        out += part;
    };
    if (s.weeks > 0)
        add(fmt::format("{} business week{}", s.weeks, s.weeks == 1 ? "" : "s"));
    if (s.days > 0)
        add(fmt::format("{} business day{}", s.days, s.days == 1 ? "" : "s"));
    if (s.minutes.count() > 0)
        add(format_duration(s.minutes));
    return out.empty() ? "0m" : out;
}

std::string deadline_text(const case_record& c, sla_kind k, wall_time now, const program& p)
{
    auto const& cal = p.calendar_for(c.level);
    auto const status = status_of(c, k, now, p);
    auto const& clk = k == sla_kind::initial_response ? c.initial : c.status;
    switch (status) {
    case clock_status::off:
        if (!is_covered(c.kind))
            return "none (not covered by the Support Program)";
        if (k == sla_kind::status_update && !p.update_window(c.level))
            return "none (as reasonable)";
        if (is_finished(c.state))
            return "none (case " + std::string{to_string(c.state)} + ")";
        return "starts with the initial response";
    case clock_status::met:
        return fmt::format("met {}{}", cal.local_text(*c.responded_at),
                           clk.breached || (clk.due && is_late(cal, *clk.due, *c.responded_at)) ? " (late)" : "");
    case clock_status::paused:
        return fmt::format("paused while waiting on the customer ({} left)",
                           format_duration(remaining_when_paused(c, p)));
    case clock_status::breached: {
        auto const late = cal.between(*clk.due, now);
        if (late <= std::chrono::seconds{0})
            return fmt::format("{} (breached)", cal.local_text(*clk.due));
        return fmt::format("{} (breached, {} late)", cal.local_text(*clk.due), format_duration(late));
    }
    case clock_status::due_soon:
    case clock_status::running:
        // Past a deadline at closing time, before support reopens: not late yet.
        if (*clk.due <= now && missed_at(cal, *clk.due) > *clk.due)
            return fmt::format("{} (late once support reopens, {})", cal.local_text(*clk.due),
                               cal.local_text(missed_at(cal, *clk.due)));
        return fmt::format("{} ({})", cal.local_text(*clk.due), to_string(status));
    }
    return "?";
}

std::string coverage_text(category c, std::string_view vendor)
{
    std::string_view what;
    switch (c) {
    case category::change_request:
        what = "Change requests (changes to how the software behaves) are not covered by the Support Program. "
               "You can send it as a suggestion: {0} prioritises new features and modifications as it "
               "determines. A managed services contract with {0} can also be used, as you direct, to modify "
               "the software.";
        break;
    case category::work_order:
        what = "Work orders (re-training, data load or migration, new integrations and other custom projects) "
               "are not covered by the Support Program. They are separate paid engagements with {0}, or can be "
               "included in a managed services contract.";
        break;
    case category::crm_maintenance:
        what = "CRM maintenance (new environments, security roles, bulk delete and data-maintenance jobs, other "
               "CRM administration) is not covered by the Support Program. A managed services contract with {0} "
               "can cover it.";
        break;
    case category::error:
    case category::question:
        return "";
    }
    return fmt::format(fmt::runtime(what), vendor) +
           " The program covers software errors (technical support) and questions about using the software "
           "(end-user support).";
}

std::string closed_note(const calendar& cal, wall_time now)
{
    if (cal.is_open(now))
        return "";
    return fmt::format("Support is closed now ({}); the clock starts when it opens, {}.", hours_text(cal),
                       cal.local_text(cal.next_opening(now)));
}

}  // namespace bot
