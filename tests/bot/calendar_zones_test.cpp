// The calendar's openings in zones whose clocks change at awkward moments, checked
// against the definition: each local opening time converted on its own with
// date::choose::earliest (a skipped time maps to the switch, a repeated one to its
// first occurrence). The calendar takes a shortcut on days with one UTC offset; this
// shows the shortcut gives the same instants on every day of three years, switch days
// included, in zones that switch at 00:00, 24:00, 01:00, 02:00 and by half an hour.
#include "bot/calendar.hpp"

#include <date/tz.h>
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {
using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;

struct span {
    bot::wall_time from;
    bot::wall_time to;
    friend bool operator==(const span&, const span&) = default;
};

// Every day the same three openings: across midnight's neighbourhood, the working day,
// and up to 24:00.
bot::weekly_hours awkward_hours()
{
    bot::weekly_hours week;
    for (auto& day : week)
        day = {{minutes{0}, minutes{90}}, {minutes{9 * 60}, minutes{18 * 60}}, {minutes{23 * 60}, minutes{24 * 60}}};
    return week;
}

std::vector<span> by_definition(const date::time_zone* zone, const bot::weekly_hours& week, sys_days first,
                                sys_days last)
{
    std::vector<span> out;
    for (auto d = first; d <= last; d += days{1}) {
        date::local_days const midnight{days{d.time_since_epoch().count()}};
        for (auto const& o : week[date::weekday{midnight}.c_encoding()]) {
            auto const from = date::floor<std::chrono::seconds>(zone->to_sys(midnight + o.from, date::choose::earliest));
            auto const to = date::floor<std::chrono::seconds>(zone->to_sys(midnight + o.to, date::choose::earliest));
            if (from < to)
                out.push_back({from, to});
        }
    }
    return out;
}

std::vector<span> counted(const bot::calendar& c, bot::wall_time from, bot::wall_time to)
{
    std::vector<span> out;
    for (auto const& s : c.explain(from, to))
        if (s.kind == bot::span_kind::counted)
            out.push_back({s.from, s.to});
    return out;
}
}  // namespace

TEST_CASE("every opening of three years matches its local times converted one by one, in zones with odd switches")
{
    // New York: 02:00 both ways. Santiago: 24:00 -> 01:00 in spring, 24:00 -> 23:00 in
    // autumn. Havana: 00:00 -> 01:00 and 01:00 -> 00:00. Beirut: 00:00 both ways.
    // Lord Howe: half an hour at 02:00. Kolkata: no switch at all.
    for (auto const* name : {"America/New_York", "America/Santiago", "America/Havana", "Asia/Beirut",
                             "Australia/Lord_Howe", "Asia/Kolkata"}) {
        CAPTURE(std::string{name});
        auto const* zone = date::locate_zone(name);
        bot::calendar const c{zone, awkward_hours(), {}};
        sys_days const first{date::sys_days{date::year{2025} / 1 / 1}};
        sys_days const last{date::sys_days{date::year{2027} / 12 / 31}};
        // Local dates first..last, plus a day either side so explain() sees them whole.
        auto const expected = by_definition(zone, c.hours(), first - days{1}, last + days{1});
        REQUIRE(expected.size() > 3 * 365 * 3);
        auto const got = counted(c, expected.front().from, expected.back().to);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(got[i].from == expected[i].from);
            CHECK(got[i].to == expected[i].to);
            if (got[i] != expected[i])
                break;  // one mismatch tells the story; thousands would drown it
        }
    }
}
