#include "config/sections.hpp"

#include "bot/time_text.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace bot::config::detail {
namespace {
using std::chrono::minutes;
using std::chrono::seconds;

// Indexed as weekly_hours (0 = Sunday); read Monday first so key lists follow the working week.
constexpr std::array<std::string_view, 7> weekday_names{"sunday",   "monday", "tuesday", "wednesday",
                                                        "thursday", "friday", "saturday"};
constexpr std::array<std::size_t, 7> week_order{1, 2, 3, 4, 5, 6, 0};

const date::time_zone* read_zone(table_reader& support)
{
    auto const name = support.string("time_zone").value_or(std::string{default_time_zone});
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        fail(support.where("time_zone"), fmt::format("unknown time zone '{}'; write an IANA name such as "
                                                     "\"America/New_York\" or \"Europe/London\"",
                                                     name));
    }
}

located<opening> read_opening(const located<std::string>& text)
{
    std::string_view const s = text.value;
    auto const dash = s.find('-');
    std::optional<minutes> from;
    std::optional<minutes> to;
    if (dash != std::string_view::npos) {
        from = parse_clock_time(s.substr(0, dash));
        to = parse_clock_time(s.substr(dash + 1));
    }
    if (!from || !to)
        fail(text.where, fmt::format("'{}' is not an opening; write \"HH:MM-HH:MM\", e.g. \"09:00-18:00\"", s));
    if (*from >= *to)
        fail(text.where, fmt::format("'{}' must start before it ends, within one day", s));
    return {opening{*from, *to}, text.where};
}

std::vector<opening> read_day(table_reader& hours, std::string_view day)
{
    auto const texts = hours.strings(day);
    if (!texts)
        return {};
    std::vector<located<opening>> openings;
    for (auto const& text : *texts)
        openings.push_back(read_opening(text));

    // Check overlaps in time order: the later of two overlapping openings gets the error.
    std::vector<std::size_t> order(openings.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return openings[a].value.from < openings[b].value.from; });
    for (std::size_t k = 1; k < order.size(); ++k) {
        auto const& earlier = openings[order[k - 1]];
        auto const& later = openings[order[k]];
        if (later.value.from < earlier.value.to)
            fail(later.where, fmt::format("'{}' overlaps '{}'", (*texts)[order[k]].value, (*texts)[order[k - 1]].value));
    }

    std::vector<opening> out;
    for (auto const& o : openings)
        out.push_back(o.value);
    return out;
}

// [support.hours] replaces the whole week: a day it does not list is closed.
weekly_hours read_week(table_reader& hours)
{
    weekly_hours week;
    for (auto const d : week_order)
        week[d] = read_day(hours, weekday_names[d]);
    hours.finish();
    if (std::all_of(week.begin(), week.end(), [](auto const& day) { return day.empty(); }))
        fail(hours.where(), "support hours must open on at least one weekday");
    return week;
}

std::set<std::chrono::sys_days> read_holidays(table_reader& support)
{
    std::set<std::chrono::sys_days> out;
    auto const items = support.array("holidays");
    if (!items)
        return out;
    for (auto const& item : *items) {
        std::string text;
        std::optional<std::chrono::sys_days> day;
        if (auto const* s = item.value->as_string()) {
            text = s->get();
            day = parse_date(text);
        } else if (auto const* d = item.value->as_date()) {  // an unquoted TOML date: 2026-12-25
            auto const v = d->get();
            text = fmt::format("{:04}-{:02}-{:02}", v.year, v.month, v.day);
            day = std::chrono::sys_days{std::chrono::year{v.year} / std::chrono::month{v.month} / std::chrono::day{v.day}};
        } else {
            fail(item.where, fmt::format("expected a date \"YYYY-MM-DD\", found {}", type_name(item.value->type())));
        }
        if (!day)
            fail(item.where, fmt::format("'{}' is not a date; write \"YYYY-MM-DD\", e.g. \"2026-12-25\"", text));
        if (!out.insert(*day).second)
            fail(item.where, fmt::format("{} is listed twice", text));
    }
    return out;
}

// Zero means "the longest day of the week" (the calendar's own default).
seconds read_business_day(table_reader& support)
{
    auto const span = support.span("business_day", true);
    if (!span)
        return seconds{0};
    if (span->days != 0 || span->weeks != 0 || span->minutes > std::chrono::hours{24})
        fail(support.where("business_day"), "must be hours and minutes up to 24h, e.g. \"9h\" or \"7h30m\"");
    return span->minutes;
}

calendar read_calendar(table_reader& root, const calendar& fallback)
{
    auto support = root.table("support");
    if (!support)
        return fallback;
    auto const* zone = read_zone(*support);
    auto const business_day = read_business_day(*support);
    auto holidays = read_holidays(*support);
    auto hours_table = support->table("hours");
    auto week = hours_table ? read_week(*hours_table) : fallback.hours();
    support->finish();
    try {
        return calendar{zone, std::move(week), std::move(holidays), business_day};
    } catch (const std::invalid_argument& e) {  // validated above; kept so nothing escapes
        fail(support->where(), e.what());
    }
}

severity_policy read_severity(table_reader& t, severity_policy p, const calendar& support_hours)
{
    if (auto const s = t.span("initial_response", true))
        p.initial_response = *s;
    if (auto const text = t.string("status_update")) {
        if (*text == "none")
            p.status_update.reset();
        else if (!parse_business_span(*text))
            fail(t.where("status_update"), fmt::format("'{}' is not a business span; write e.g. \"1d\" (business "
                                                       "days), \"1w\" (business weeks), \"4h\" or \"none\"",
                                                       *text));
        else
            p.status_update = to_span({*text, t.where("status_update")}, true);
    }
    if (auto const b = t.boolean("around_the_clock"))
        p.around_the_clock = *b;

    auto const lead = t.span("reminder_lead", false);
    auto const fraction = t.number("reminder_fraction");
    if (lead && fraction)
        fail(t.where("reminder_fraction"),
             "reminder_lead and reminder_fraction are mutually exclusive; set one of them");
    if (lead) {
        p.reminder_lead = *lead;
        p.reminder_fraction = 0.0;
    }
    if (fraction) {
        if (!(*fraction > 0.0 && *fraction < 1.0))
            fail(t.where("reminder_fraction"),
                 fmt::format("{} is out of range; must be between 0 and 1, e.g. 0.25 (remind when a quarter "
                             "of the window is left)",
                             *fraction));
        p.reminder_fraction = *fraction;
        p.reminder_lead = {};
    }
    if (p.reminder_fraction == 0.0) {
        // A lead as long as a window would fall when its clock starts: no reminder at all.
        // The lead may be the default one, left as it was while a window shrank.
        auto const cal = p.around_the_clock ? calendar::around_the_clock(support_hours.zone()) : support_hours;
        auto const length = cal.length(p.reminder_lead);
        auto const what = lead ? format_duration(length)
                               : fmt::format("the reminder lead this severity keeps by default, {},",
                                             format_duration(length));
        auto check = [&](const business_span& window, std::string_view which) {
            if (length > std::chrono::seconds{0} && length >= cal.length(window))
                fail(t.where("reminder_lead"),
                     fmt::format("{} is not shorter than the {} window ({}): no reminder could come before its "
                                 "deadline; set a shorter reminder_lead",
                                 what, which, format_duration(cal.length(window))));
        };
        check(p.initial_response, "initial response");
        if (p.status_update)
            check(*p.status_update, "status update");
    }
    if (auto s = t.string("level_of_effort"))
        p.level_of_effort = std::move(*s);
    if (auto s = t.string("typical_resolution"))
        p.typical_resolution = std::move(*s);
    t.finish();
    return p;
}

escalation_policy read_escalation(table_reader& t, escalation_policy p, std::vector<located<destination>>& targets)
{
    if (auto const steps = t.strings("repeat")) {
        if (steps->empty())
            fail(t.where("repeat"), "must list at least one span; the last one repeats until someone acts");
        p.repeat.clear();
        for (auto const& step : *steps)
            p.repeat.push_back(to_span(step, true));
    }
    if (auto const after = t.span("further_after", true))
        p.further_after = *after;
    targets = read_destinations(t, "further_targets");
    if (p.further_after && targets.empty())
        fail(t.where("further_after"), "further_after needs further_targets: where the further escalation goes");
    t.finish();
    return p;
}
}  // namespace

program_section read_program(table_reader& root)
{
    // The Support Program fills whatever the file leaves out.
    auto const fallback = default_program();
    auto support_hours = read_calendar(root, fallback.support_hours());

    std::array<severity_policy, 3> severities{fallback.policy(severity::critical), fallback.policy(severity::normal),
                                              fallback.policy(severity::low)};
    if (auto table = root.table("severity")) {
        for (auto const s : all_severities)
            if (auto t = table->table(to_string(s)))
                severities[static_cast<std::size_t>(s)] =
                    read_severity(*t, severities[static_cast<std::size_t>(s)], support_hours);
        table->finish();
    }

    std::vector<located<destination>> targets;
    auto ladder = fallback.escalation();
    if (auto table = root.table("escalation"))
        ladder = read_escalation(*table, std::move(ladder), targets);

    return program_section{program{std::move(support_hours), severities, std::move(ladder)}, std::move(targets)};
}

}  // namespace bot::config::detail
