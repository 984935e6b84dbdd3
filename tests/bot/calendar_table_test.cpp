// Hand-computed business-time table: every expected instant below was worked out on paper
// from the real 2026/2027 calendar and the US DST rules, not by running the calendar.
//
// Facts used throughout (America/New_York):
//   EST = UTC-5, EDT = UTC-4. DST 2026 starts Sun 2026-03-08 02:00 EST (= 07:00Z; clocks jump
//   to 03:00 EDT) and ends Sun 2026-11-01 02:00 EDT (= 06:00Z; clocks fall back to 01:00 EST).
//   Support hours 09:00-18:00 local = 14:00Z-23:00Z in EST, 13:00Z-22:00Z in EDT.
//   Weekdays: 2026-01-01 Thu, 2026-02-01 Sun, 2026-03-01 Sun, 2026-07-01 Wed, 2026-09-01 Tue,
//   2026-10-01 Thu, 2026-11-01 Sun, 2026-12-01 Tue, 2027-01-01 Fri. So 2026-03-06 Fri,
//   2026-03-09 Mon, 2026-10-30 Fri, 2026-11-02 Mon, 2026-09-07 Mon (Labor Day), 2026-11-11 Wed,
//   2026-11-26 Thu (Thanksgiving), 2026-12-25 Fri, 2027-01-04 Mon.
//   Default lengths: 1 business day = 9h, 1 business week = 5 days = 45h.
#include "bot/calendar.hpp"

#include "bot/program.hpp"
#include "bot/time_text.hpp"
#include "bot/vocabulary.hpp"
#include "support/test_time.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {
using bot::business_span;
using bot::span_kind;
using bot::test::new_york;
using bot::test::utc;
using std::chrono::seconds;

business_span work_minutes(int m) { return {std::chrono::minutes{m}, 0, 0}; }
business_span work_hours(int h) { return {std::chrono::hours{h}, 0, 0}; }
business_span work_days(int d) { return {std::chrono::minutes{0}, d, 0}; }
business_span work_weeks(int w) { return {std::chrono::minutes{0}, 0, w}; }

std::chrono::sys_days date_of(std::string_view text)
{
    auto const d = bot::parse_date(text);
    if (!d)
        throw std::invalid_argument("not a date: " + std::string{text});
    return *d;
}

bot::opening local_hours(int from_h, int to_h) { return {std::chrono::hours{from_h}, std::chrono::hours{to_h}}; }

// The calendars the tables run on.
enum class cal {
    standard,  // the vendor's program: 09:00-18:00 Mon-Fri, no holidays
    holidays,  // standard plus the holidays below
    lunch,     // 09:00-12:00 and 13:00-18:00 Mon-Fri (1 business day = the longest day = 8h)
    saturday,  // standard plus Saturday 09:00-13:00
    always,    // around the clock: every second counts, 1 day = 24h, 1 week = 168h
};

const bot::calendar& calendar_of(cal which)
{
    // Built as the program builds it.
    static const bot::calendar standard_hours = bot::program::defaults(new_york()).support_hours();
    static const bot::calendar with_holidays{new_york(), standard_hours.hours(),
                                             {
                                                 date_of("2026-09-07"),  // Mon, Labor Day
                                                 date_of("2026-11-11"),  // Wed, a lone midweek holiday
                                                 date_of("2026-11-26"),  // Thu, Thanksgiving …
                                                 date_of("2026-11-27"),  // Fri, … and the day after
                                                 date_of("2026-12-24"),  // Thu, Christmas Eve …
                                                 date_of("2026-12-25"),  // Fri, … and Christmas
                                                 date_of("2026-12-31"),  // Thu, New Year's Eve …
                                                 date_of("2027-01-01"),  // Fri, … and New Year's Day
                                             }};
    static const bot::calendar with_lunch = [] {
        bot::weekly_hours week;
        for (std::size_t d = 1; d <= 5; ++d)
            week[d] = {local_hours(9, 12), local_hours(13, 18)};
        return bot::calendar{new_york(), week, {}};
    }();
    static const bot::calendar with_saturday = [] {
        bot::weekly_hours week = standard_hours.hours();
        week[6] = {local_hours(9, 13)};
        return bot::calendar{new_york(), week, {}};
    }();
    static const bot::calendar all_day = bot::calendar::around_the_clock(new_york());
    switch (which) {
    case cal::standard: return standard_hours;
    case cal::holidays: return with_holidays;
    case cal::lunch: return with_lunch;
    case cal::saturday: return with_saturday;
    case cal::always: return all_day;
    }
    throw std::logic_error("unknown calendar");
}

const char* kind_name(span_kind k)
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

// ---------------------------------------------------------------------------------------------
// add(from, amount)
// ---------------------------------------------------------------------------------------------

struct add_row {
    const char* why;
    cal on;
    const char* from;
    business_span amount;
    const char* expected;  // UTC
};

const add_row add_rows[] = {
    // Plain days, nights and weekends (late Feb / early Mar 2026: EST).
    {"Mon 10:00 EST + 1h inside hours -> Mon 11:00 EST", cal::standard, "2026-03-02T10:00:00-05:00",
     work_hours(1), "2026-03-02T16:00:00Z"},
    {"exact opening: Mon 09:00 EST + 4h -> Mon 13:00 EST", cal::standard, "2026-03-02T09:00:00-05:00",
     work_hours(4), "2026-03-02T18:00:00Z"},
    {"exact closing: Mon 17:00 EST + 1h -> Mon 18:00 EST the same day, not Tue morning", cal::standard,
     "2026-03-02T17:00:00-05:00", work_hours(1), "2026-03-02T23:00:00Z"},
    {"at closing: Mon 18:00 EST is closed, so + 1h -> Tue 09:00 + 1h = Tue 10:00 EST", cal::standard,
     "2026-03-02T18:00:00-05:00", work_hours(1), "2026-03-03T15:00:00Z"},
    {"one second before opening: Mon 08:59:59 EST + 1h counts from 09:00 -> 10:00 EST", cal::standard,
     "2026-03-02T08:59:59-05:00", work_hours(1), "2026-03-02T15:00:00Z"},
    {"night: Tue 02:00 EST + 1h counts from Tue 09:00 -> Tue 10:00 EST", cal::standard,
     "2026-03-03T02:00:00-05:00", work_hours(1), "2026-03-03T15:00:00Z"},
    {"Tue 03:00Z is still Mon 22:00 EST (a night); + 4h -> Tue 13:00 EST", cal::standard, "2026-03-03T03:00:00Z",
     work_hours(4), "2026-03-03T18:00:00Z"},
    {"Fri 17:30 EST + 1h: 30m Fri, weekend skipped, 30m Mon -> Mon 09:30 EST", cal::standard,
     "2026-02-27T17:30:00-05:00", work_hours(1), "2026-03-02T14:30:00Z"},
    {"start on Saturday: Sat 12:00 EST + 1h -> Mon 10:00 EST", cal::standard, "2026-02-28T12:00:00-05:00",
     work_hours(1), "2026-03-02T15:00:00Z"},
    {"start Sunday night: 01:00Z Mon is Sun 20:00 EST; + 4h -> Mon 13:00 EST", cal::standard,
     "2026-03-02T01:00:00Z", work_hours(4), "2026-03-02T18:00:00Z"},
    {"zero inside hours: Mon 10:00 EST + 0 -> Mon 10:00 EST", cal::standard, "2026-03-02T10:00:00-05:00",
     work_minutes(0), "2026-03-02T15:00:00Z"},
    {"zero on a weekend: a start out of hours counts from the next opening, so Sat 12:00 + 0 -> Mon 09:00 EST",
     cal::standard, "2026-02-28T12:00:00-05:00", work_minutes(0), "2026-03-02T14:00:00Z"},
    {"1 business day from opening: Mon 09:00 + 9h -> Mon 18:00 EST (a closing time)", cal::standard,
     "2026-03-02T09:00:00-05:00", work_days(1), "2026-03-02T23:00:00Z"},
    {"1 business day from Mon 13:00: 5h Mon, 4h Tue -> Tue 13:00 EST", cal::standard,
     "2026-03-02T13:00:00-05:00", work_days(1), "2026-03-03T18:00:00Z"},
    {"90 minutes: Mon 17:00 EST: 1h Mon, 30m Tue -> Tue 09:30 EST", cal::standard, "2026-03-02T17:00:00-05:00",
     work_minutes(90), "2026-03-03T14:30:00Z"},

    // Spring forward: Sun 2026-03-08 02:00 EST -> 03:00 EDT.
    {"DST spring: Fri 17:00 EST + 2h: 1h Fri, 1h Mon -> Mon 10:00 EDT = 14:00Z (not 15:00Z)", cal::standard,
     "2026-03-06T17:00:00-05:00", work_hours(2), "2026-03-09T14:00:00Z"},
    {"DST spring, 1 business day: Fri 14:00 EST: 4h Fri, 5h Mon -> Mon 14:00 EDT", cal::standard,
     "2026-03-06T14:00:00-05:00", work_days(1), "2026-03-09T18:00:00Z"},
    {"DST spring, weekly: Wed 12:00 EST + 45h: 6+9+9 to Fri, 9+9 Mon-Tue, 3h Wed -> Wed 12:00 EDT",
     cal::standard, "2026-03-04T12:00:00-05:00", work_weeks(1), "2026-03-11T16:00:00Z"},
    {"DST spring, weekly from Fri 09:00 EST: Fri, Mon, Tue, Wed, Thu 9h each -> Thu 18:00 EDT", cal::standard,
     "2026-03-06T09:00:00-05:00", work_weeks(1), "2026-03-12T22:00:00Z"},
    {"DST spring: Sun 06:30Z = 01:30 EST, before the switch; + 1h -> Mon 10:00 EDT", cal::standard,
     "2026-03-08T06:30:00Z", work_hours(1), "2026-03-09T14:00:00Z"},
    {"DST spring: Tokyo Sun 16:00 = 07:00Z = the switch itself (03:00 EDT Sun); + 4h -> Mon 13:00 EDT",
     cal::standard, "2026-03-08T16:00:00+09:00", work_hours(4), "2026-03-09T17:00:00Z"},
    {"DST spring: Fri 14:30 -08:00 = 22:30Z = Fri 17:30 EST; + 1h: 30m Fri, 30m Mon -> Mon 09:30 EDT",
     cal::standard, "2026-03-06T14:30:00-08:00", work_hours(1), "2026-03-09T13:30:00Z"},

    // Fall back: Sun 2026-11-01 02:00 EDT -> 01:00 EST.
    {"DST fall: Fri 17:00 EDT + 2h: 1h Fri, 1h Mon -> Mon 10:00 EST = 15:00Z (not 14:00Z)", cal::standard,
     "2026-10-30T17:00:00-04:00", work_hours(2), "2026-11-02T15:00:00Z"},
    {"DST fall, 1 business day: Fri 14:00 EDT: 4h Fri, 5h Mon -> Mon 14:00 EST", cal::standard,
     "2026-10-30T14:00:00-04:00", work_days(1), "2026-11-02T19:00:00Z"},
    {"DST fall, weekly: Wed 12:00 EDT + 45h -> next Wed 12:00 EST", cal::standard, "2026-10-28T12:00:00-04:00",
     work_weeks(1), "2026-11-04T17:00:00Z"},
    {"DST fall: first 01:30 (EDT) on Sun + 1h -> Mon 10:00 EST", cal::standard, "2026-11-01T01:30:00-04:00",
     work_hours(1), "2026-11-02T15:00:00Z"},
    {"DST fall: second 01:30 (EST) on Sun + 4h -> Mon 13:00 EST", cal::standard, "2026-11-01T01:30:00-05:00",
     work_hours(4), "2026-11-02T18:00:00Z"},
    {"+05:30 Mon 23:00 = 17:30Z = Mon 12:30 EST (after fall back); + 4h -> Mon 16:30 EST", cal::standard,
     "2026-11-02T23:00:00+05:30", work_hours(4), "2026-11-02T21:30:00Z"},
    {"Saturday hours across fall back: Sat 12:30 EDT + 1h: 30m Sat to 13:00, Sun closed, 30m Mon -> 09:30 EST",
     cal::saturday, "2026-10-31T12:30:00-04:00", work_hours(1), "2026-11-02T14:30:00Z"},

    // Holidays.
    {"Labor Day: Fri 17:00 EDT + 2h: 1h Fri, weekend, Mon holiday, 1h Tue -> Tue 10:00 EDT", cal::holidays,
     "2026-09-04T17:00:00-04:00", work_hours(2), "2026-09-08T14:00:00Z"},
    {"start on Labor Day: Mon 11:00 EDT (holiday) + 4h -> Tue 13:00 EDT", cal::holidays,
     "2026-09-07T11:00:00-04:00", work_hours(4), "2026-09-08T17:00:00Z"},
    {"same start without holidays: Mon 11:00 EDT + 4h -> Mon 15:00 EDT", cal::standard,
     "2026-09-07T11:00:00-04:00", work_hours(4), "2026-09-07T19:00:00Z"},
    {"lone midweek holiday: Tue 17:00 EST + 2h: 1h Tue, Wed holiday, 1h Thu -> Thu 10:00 EST", cal::holidays,
     "2026-11-10T17:00:00-05:00", work_hours(2), "2026-11-12T15:00:00Z"},
    {"Thanksgiving: Wed 16:00 EST + 4h: 2h Wed, Thu+Fri holidays, weekend, 2h Mon -> Mon 11:00 EST",
     cal::holidays, "2026-11-25T16:00:00-05:00", work_hours(4), "2026-11-30T16:00:00Z"},
    {"start at opening time of a holiday: Thanksgiving 09:00 + 1 day -> Mon 09:00-18:00 -> Mon 18:00 EST",
     cal::holidays, "2026-11-26T09:00:00-05:00", work_days(1), "2026-11-30T23:00:00Z"},
    {"Christmas: Wed 17:00 EST + 2h: 1h Wed, Thu 24 + Fri 25 holidays, weekend, 1h Mon -> Mon 28 10:00 EST",
     cal::holidays, "2026-12-23T17:00:00-05:00", work_hours(2), "2026-12-28T15:00:00Z"},
    {"start on Christmas Fri 10:00 + 1 day: weekend, all 9h of Mon 28 -> Mon 18:00 EST", cal::holidays,
     "2026-12-25T10:00:00-05:00", work_days(1), "2026-12-28T23:00:00Z"},
    {"New Year: Wed 30 15:00 EST + 1 day: 3h Wed, Thu 31 + Fri 1 holidays, weekend, 6h Mon -> 15:00 EST",
     cal::holidays, "2026-12-30T15:00:00-05:00", work_days(1), "2027-01-04T20:00:00Z"},
    {"Tokyo 2027-01-01 12:00 = 03:00Z = Thu 31 Dec 22:00 EST (holiday night); + 1h -> Mon 4 Jan 10:00 EST",
     cal::holidays, "2027-01-01T12:00:00+09:00", work_hours(1), "2027-01-04T15:00:00Z"},
    {"1 week across Labor Day: Wed 12:00 EDT: 6 Wed, 9 Thu, 9 Fri, Mon off, 9 Tue, 9 Wed, 3 Thu -> Thu 12:00",
     cal::holidays, "2026-09-02T12:00:00-04:00", work_weeks(1), "2026-09-10T16:00:00Z"},
    {"2 weeks (90h) across Christmas: Mon 14 09:00: 45h to Fri 18, 27h Mon-Wed 21-23, 9h Mon 28, 9h Tue 29",
     cal::holidays, "2026-12-14T09:00:00-05:00", work_weeks(2), "2026-12-29T23:00:00Z"},
    {"1 week across New Year: Mon 28 09:00: Mon-Wed 27h, Thu+Fri off, Mon 4 + Tue 5 18h -> Tue 18:00 EST",
     cal::holidays, "2026-12-28T09:00:00-05:00", work_weeks(1), "2027-01-05T23:00:00Z"},

    // Start instants in foreign offsets.
    {"Tokyo Tue 00:30 = Mon 15:30Z = Mon 10:30 EST (open); + 1h -> Mon 11:30 EST", cal::standard,
     "2026-03-03T00:30:00+09:00", work_hours(1), "2026-03-02T16:30:00Z"},
    {"Tokyo Tue 12:00 = Tue 03:00Z = Mon 22:00 EST (closed); + 1h -> Tue 10:00 EST", cal::standard,
     "2026-03-03T12:00:00+09:00", work_hours(1), "2026-03-03T15:00:00Z"},
    {"+01:00 Wed 15:00 = 14:00Z = Wed 10:00 EDT in July; + 4h -> Wed 14:00 EDT", cal::standard,
     "2026-07-15T15:00:00+01:00", work_hours(4), "2026-07-15T18:00:00Z"},
    {"-08:00 Fri 17:00 = Sat 01:00Z = Fri 20:00 EST (closed); + 1h -> Mon 10:00 EST", cal::standard,
     "2026-02-27T17:00:00-08:00", work_hours(1), "2026-03-02T15:00:00Z"},
    {"+05:30 Wed 19:00 = 13:30Z = Wed 09:30 EDT; + 1 day: 8h30m Wed, 30m Thu -> Thu 09:30 EDT", cal::standard,
     "2026-07-15T19:00:00+05:30", work_days(1), "2026-07-16T13:30:00Z"},

    // A lunch break: two openings a day.
    {"lunch: Mon 11:30 + 1h: 30m to 12:00, lunch skipped, 30m from 13:00 -> 13:30 EST", cal::lunch,
     "2026-03-02T11:30:00-05:00", work_hours(1), "2026-03-02T18:30:00Z"},
    {"lunch: start at 12:00 (closed) + 1h -> 14:00 EST", cal::lunch, "2026-03-02T12:00:00-05:00", work_hours(1),
     "2026-03-02T19:00:00Z"},
    {"lunch: Mon 11:00 + 1h -> exactly 12:00 EST, the end of the morning opening", cal::lunch,
     "2026-03-02T11:00:00-05:00", work_hours(1), "2026-03-02T17:00:00Z"},
    {"lunch: 1 business day = 8h: Mon 09:00: 3h morning, 5h afternoon -> Mon 18:00 EST", cal::lunch,
     "2026-03-02T09:00:00-05:00", work_days(1), "2026-03-02T23:00:00Z"},
    {"lunch across DST: Fri 15:00 EST + 8h: 3h Fri, 3h Mon morning, 2h from 13:00 -> Mon 15:00 EDT",
     cal::lunch, "2026-03-06T15:00:00-05:00", work_days(1), "2026-03-09T19:00:00Z"},

    // Saturday half-day hours.
    {"Saturday: Fri 17:00 + 2h: 1h Fri, 1h Sat from 09:00 -> Sat 10:00 EST", cal::saturday,
     "2026-02-27T17:00:00-05:00", work_hours(2), "2026-02-28T15:00:00Z"},
    {"Saturday: Sat 12:00 + 2h: 1h to Sat 13:00, Sun closed, 1h Mon -> Mon 10:00 EST", cal::saturday,
     "2026-02-28T12:00:00-05:00", work_hours(2), "2026-03-02T15:00:00Z"},
    {"Saturday across DST: Sat 12:30 EST + 1h: 30m Sat, Sun closed, 30m Mon -> Mon 09:30 EDT", cal::saturday,
     "2026-03-07T12:30:00-05:00", work_hours(1), "2026-03-09T13:30:00Z"},

    // Around the clock: plain addition of real seconds.
    {"always: Sun 01:30 EST + 1h = 07:30Z, which reads 03:30 EDT (02:xx never happens)", cal::always,
     "2026-03-08T01:30:00-05:00", work_hours(1), "2026-03-08T07:30:00Z"},
    {"always: first 01:30 EDT + 1h = 06:30Z, which reads 01:30 EST again", cal::always,
     "2026-11-01T01:30:00-04:00", work_hours(1), "2026-11-01T06:30:00Z"},
    {"always: weekends count: Sat 12:00 EST + 4h -> Sat 16:00 EST", cal::always, "2026-02-28T12:00:00-05:00",
     work_hours(4), "2026-02-28T21:00:00Z"},
    {"always: 1 day = 24h: Sat 12:00 EST -> Sun 17:00Z, which reads 13:00 EDT", cal::always,
     "2026-03-07T12:00:00-05:00", work_days(1), "2026-03-08T17:00:00Z"},
    {"always: 1 week = 168h: Mon 10:00 EST -> Mon 15:00Z, which reads 11:00 EDT", cal::always,
     "2026-03-02T10:00:00-05:00", work_weeks(1), "2026-03-09T15:00:00Z"},
    {"always: zero -> the start itself, even at night", cal::always, "2026-03-03T03:00:00Z", work_minutes(0),
     "2026-03-03T03:00:00Z"},
};

TEST_CASE("add() lands on the hand-computed instant for every row")
{
    for (auto const& row : add_rows) {
        std::string const why{row.why}, from{row.from}, expected{row.expected};
        CAPTURE(why);
        CAPTURE(from);
        auto const& c = calendar_of(row.on);
        auto const got = c.add(utc(row.from), c.length(row.amount));
        INFO("got local: ", c.rfc3339(got));
        CHECK(bot::format_utc(got) == expected);
    }
}

TEST_CASE("between() gives back the amount add() used, for every add row")
{
    for (auto const& row : add_rows) {
        std::string const why{row.why};
        CAPTURE(why);
        auto const& c = calendar_of(row.on);
        CHECK(c.between(utc(row.from), utc(row.expected)) == c.length(row.amount));
    }
}

// ---------------------------------------------------------------------------------------------
// between(a, b)
// ---------------------------------------------------------------------------------------------

struct between_row {
    const char* why;
    cal on;
    const char* from;
    const char* to;
    seconds expected;
};

TEST_CASE("between() counts the hand-computed business time for every row")
{
    using std::chrono::hours;
    using std::chrono::minutes;
    const between_row rows[] = {
        {"same day: Mon 10:00-15:30 EST", cal::standard, "2026-03-02T10:00:00-05:00", "2026-03-02T15:30:00-05:00",
         hours{5} + minutes{30}},
        {"across a night: Mon 16:00 -> Tue 10:00 EST: 2h + 1h", cal::standard, "2026-03-02T16:00:00-05:00",
         "2026-03-03T10:00:00-05:00", hours{3}},
        {"inside one night: Mon 18:00 -> Tue 09:00 EST", cal::standard, "2026-03-02T18:00:00-05:00",
         "2026-03-03T09:00:00-05:00", hours{0}},
        {"across a weekend: Fri 17:30 -> Mon 09:30 EST: 30m + 30m", cal::standard, "2026-02-27T17:30:00-05:00",
         "2026-03-02T09:30:00-05:00", hours{1}},
        {"across spring forward: Fri 17:00 EST -> Mon 10:00 EDT: 1h + 1h (64 wall hours)", cal::standard,
         "2026-03-06T17:00:00-05:00", "2026-03-09T10:00:00-04:00", hours{2}},
        {"across spring forward: Fri 14:00 EST -> Mon 14:00 EDT: 4h + 5h", cal::standard,
         "2026-03-06T14:00:00-05:00", "2026-03-09T14:00:00-04:00", hours{9}},
        {"across fall back: Fri 17:00 EDT -> Mon 10:00 EST: 1h + 1h (66 wall hours)", cal::standard,
         "2026-10-30T17:00:00-04:00", "2026-11-02T10:00:00-05:00", hours{2}},
        {"across Labor Day: Fri 17:00 EDT -> Tue 10:00 EDT: 1h Fri, Mon off, 1h Tue", cal::holidays,
         "2026-09-04T17:00:00-04:00", "2026-09-08T10:00:00-04:00", hours{2}},
        {"same span without holidays: 1h Fri + 9h Mon + 1h Tue", cal::standard, "2026-09-04T17:00:00-04:00",
         "2026-09-08T10:00:00-04:00", hours{11}},
        {"across Christmas: Wed 23 09:00 -> Mon 28 18:00 EST: 9h Wed + 9h Mon", cal::holidays,
         "2026-12-23T09:00:00-05:00", "2026-12-28T18:00:00-05:00", hours{18}},
        {"two weeks across Christmas: Mon 14 09:00 -> Tue 29 18:00 EST: 45 + 27 + 18", cal::holidays,
         "2026-12-14T09:00:00-05:00", "2026-12-29T18:00:00-05:00", hours{90}},
        {"a week across spring forward: Mon 09:00 EST -> Mon 09:00 EDT", cal::standard,
         "2026-03-02T09:00:00-05:00", "2026-03-09T09:00:00-04:00", hours{45}},
        {"b == a gives 0", cal::standard, "2026-03-02T10:00:00-05:00", "2026-03-02T10:00:00-05:00", hours{0}},
        {"b < a gives 0", cal::standard, "2026-03-02T15:00:00-05:00", "2026-03-02T10:00:00-05:00", hours{0}},
        {"both on a weekend: Sat 12:00 -> Sun 12:00 EST", cal::standard, "2026-02-28T12:00:00-05:00",
         "2026-03-01T12:00:00-05:00", hours{0}},
        {"both out of hours around a whole day: Mon 20:00 -> Wed 07:00 EST = all of Tue", cal::standard,
         "2026-03-02T20:00:00-05:00", "2026-03-04T07:00:00-05:00", hours{9}},
        {"to at local midnight: Mon 09:00 -> Tue 00:00 EST", cal::standard, "2026-03-02T09:00:00-05:00",
         "2026-03-03T00:00:00-05:00", hours{9}},
        {"foreign offsets: Tokyo Tue 00:30 (Mon 10:30 EST) -> -08:00 Mon 12:00 (Mon 15:00 EST)", cal::standard,
         "2026-03-03T00:30:00+09:00", "2026-03-02T12:00:00-08:00", hours{4} + minutes{30}},
        {"lunch: Mon 11:00 -> 14:00 EST: 1h + 1h, lunch skipped", cal::lunch, "2026-03-02T11:00:00-05:00",
         "2026-03-02T14:00:00-05:00", hours{2}},
        {"Saturday hours: Fri 17:00 -> Mon 10:00 EST: 1h Fri + 4h Sat + 1h Mon", cal::saturday,
         "2026-02-27T17:00:00-05:00", "2026-03-02T10:00:00-05:00", hours{6}},
        {"always: local Sun 2026-03-08 is 23 real hours long", cal::always, "2026-03-08T00:00:00-05:00",
         "2026-03-09T00:00:00-04:00", hours{23}},
        {"always: local Sun 2026-11-01 is 25 real hours long", cal::always, "2026-11-01T00:00:00-04:00",
         "2026-11-02T00:00:00-05:00", hours{25}},
    };
    for (auto const& row : rows) {
        std::string const why{row.why};
        CAPTURE(why);
        CHECK(calendar_of(row.on).between(utc(row.from), utc(row.to)) == row.expected);
    }
}

// ---------------------------------------------------------------------------------------------
// next_opening and is_open
// ---------------------------------------------------------------------------------------------

struct next_opening_row {
    const char* why;
    cal on;
    const char* at;
    const char* expected;  // UTC
};

TEST_CASE("next_opening() finds the hand-computed opening for every row")
{
    const next_opening_row rows[] = {
        {"open: Mon 10:00 EST is itself", cal::standard, "2026-03-02T10:00:00-05:00", "2026-03-02T15:00:00Z"},
        {"exact opening: Mon 09:00 EST is itself", cal::standard, "2026-03-02T09:00:00-05:00",
         "2026-03-02T14:00:00Z"},
        {"last open second: Mon 17:59:59 EST is itself", cal::standard, "2026-03-02T17:59:59-05:00",
         "2026-03-02T22:59:59Z"},
        {"one second early: Mon 08:59:59 -> Mon 09:00 EST", cal::standard, "2026-03-02T08:59:59-05:00",
         "2026-03-02T14:00:00Z"},
        {"exact closing: Mon 18:00 -> Tue 09:00 EST", cal::standard, "2026-03-02T18:00:00-05:00",
         "2026-03-03T14:00:00Z"},
        {"weekend: Sat 12:00 -> Mon 09:00 EST", cal::standard, "2026-02-28T12:00:00-05:00", "2026-03-02T14:00:00Z"},
        {"Fri 18:00 EST before spring forward -> Mon 09:00 EDT = 13:00Z", cal::standard, "2026-03-06T18:00:00-05:00",
         "2026-03-09T13:00:00Z"},
        {"Sat 12:00 EDT before fall back -> Mon 09:00 EST = 14:00Z", cal::standard, "2026-10-31T12:00:00-04:00",
         "2026-11-02T14:00:00Z"},
        {"the repeated hour: Sun 01:30 EDT -> Mon 09:00 EST", cal::standard, "2026-11-01T01:30:00-04:00",
         "2026-11-02T14:00:00Z"},
        {"Tokyo Mon 22:00 = 13:00Z = Mon 09:00 EDT is itself", cal::standard, "2026-03-09T22:00:00+09:00",
         "2026-03-09T13:00:00Z"},
        {"Christmas Eve Thu 10:00 (holiday), Fri holiday, weekend -> Mon 28 09:00 EST", cal::holidays,
         "2026-12-24T10:00:00-05:00", "2026-12-28T14:00:00Z"},
        {"New Year's Eve Thu 18:00, Fri holiday, weekend -> Mon 4 Jan 09:00 EST", cal::holidays,
         "2026-12-31T18:00:00-05:00", "2027-01-04T14:00:00Z"},
        {"Labor Day Mon 08:00 EDT -> Tue 09:00 EDT", cal::holidays, "2026-09-07T08:00:00-04:00",
         "2026-09-08T13:00:00Z"},
        {"lunch: Mon 12:30 -> Mon 13:00 EST", cal::lunch, "2026-03-02T12:30:00-05:00", "2026-03-02T18:00:00Z"},
        {"Saturday hours: Fri 18:00 -> Sat 09:00 EST", cal::saturday, "2026-02-27T18:00:00-05:00",
         "2026-02-28T14:00:00Z"},
        {"Saturday hours: Sat 13:00 (closing) -> Mon 09:00 EST", cal::saturday, "2026-02-28T13:00:00-05:00",
         "2026-03-02T14:00:00Z"},
        {"always: the spring-forward instant is itself", cal::always, "2026-03-08T07:00:00Z",
         "2026-03-08T07:00:00Z"},
    };
    for (auto const& row : rows) {
        std::string const why{row.why}, expected{row.expected};
        CAPTURE(why);
        CHECK(bot::format_utc(calendar_of(row.on).next_opening(utc(row.at))) == expected);
    }
}

struct is_open_row {
    const char* why;
    cal on;
    const char* at;
    bool expected;
};

TEST_CASE("is_open() agrees with the local opening hours for every row")
{
    const is_open_row rows[] = {
        {"EST Mon 08:59:59", cal::standard, "2026-03-02T08:59:59-05:00", false},
        {"EST Mon 09:00", cal::standard, "2026-03-02T09:00:00-05:00", true},
        {"EST Mon 17:59:59", cal::standard, "2026-03-02T17:59:59-05:00", true},
        {"EST Mon 18:00", cal::standard, "2026-03-02T18:00:00-05:00", false},
        {"EDT Mon 08:59:59 = 12:59:59Z", cal::standard, "2026-03-09T12:59:59Z", false},
        {"EDT Mon 09:00 = 13:00Z", cal::standard, "2026-03-09T13:00:00Z", true},
        {"EDT Mon 17:59:59 = 21:59:59Z", cal::standard, "2026-03-09T21:59:59Z", true},
        {"EDT Mon 18:00 = 22:00Z", cal::standard, "2026-03-09T22:00:00Z", false},
        {"13:30Z after spring forward is 09:30 EDT: open", cal::standard, "2026-03-09T13:30:00Z", true},
        {"13:30Z after fall back is 08:30 EST: closed", cal::standard, "2026-11-02T13:30:00Z", false},
        {"Saturday noon", cal::standard, "2026-02-28T12:00:00-05:00", false},
        {"Sunday 03:30 EDT, just after the switch", cal::standard, "2026-03-08T03:30:00-04:00", false},
        {"Christmas noon without holidays", cal::standard, "2026-12-25T12:00:00-05:00", true},
        {"Christmas noon with holidays", cal::holidays, "2026-12-25T12:00:00-05:00", false},
        {"the Monday after Christmas", cal::holidays, "2026-12-28T12:00:00-05:00", true},
        {"lunch: 11:59:59", cal::lunch, "2026-03-02T11:59:59-05:00", true},
        {"lunch: 12:00", cal::lunch, "2026-03-02T12:00:00-05:00", false},
        {"lunch: 12:59:59", cal::lunch, "2026-03-02T12:59:59-05:00", false},
        {"lunch: 13:00", cal::lunch, "2026-03-02T13:00:00-05:00", true},
        {"Saturday hours: Sat 09:00", cal::saturday, "2026-02-28T09:00:00-05:00", true},
        {"Saturday hours: Sat 12:59:59", cal::saturday, "2026-02-28T12:59:59-05:00", true},
        {"Saturday hours: Sat 13:00", cal::saturday, "2026-02-28T13:00:00-05:00", false},
        {"Saturday hours: Sunday stays closed", cal::saturday, "2026-03-01T10:00:00-05:00", false},
        {"always: Sunday night", cal::always, "2026-03-08T07:00:00Z", true},
    };
    for (auto const& row : rows) {
        std::string const why{row.why};
        CAPTURE(why);
        CHECK(calendar_of(row.on).is_open(utc(row.at)) == row.expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Lengths of the contract's spans
// ---------------------------------------------------------------------------------------------

TEST_CASE("business spans have the contract's lengths")
{
    using std::chrono::hours;
    auto const& standard = calendar_of(cal::standard);
    CHECK(standard.length(work_hours(1)) == hours{1});
    CHECK(standard.length(work_hours(4)) == hours{4});
    CHECK(standard.length(work_days(1)) == hours{9});
    CHECK(standard.length(work_weeks(1)) == hours{45});
    CHECK(standard.length(work_weeks(2)) == hours{90});
    CHECK(calendar_of(cal::lunch).length(work_days(1)) == hours{8});
    CHECK(calendar_of(cal::always).length(work_days(1)) == hours{24});
    CHECK(calendar_of(cal::always).length(work_weeks(1)) == hours{168});

    auto const program = bot::program::defaults(new_york());
    CHECK(program.initial_window(bot::severity::critical) == hours{1});
    CHECK(program.initial_window(bot::severity::normal) == hours{4});
    CHECK(program.initial_window(bot::severity::low) == hours{9});
    CHECK(program.update_window(bot::severity::critical) == seconds{hours{9}});
    CHECK(program.update_window(bot::severity::normal) == seconds{hours{45}});
    CHECK_FALSE(program.update_window(bot::severity::low).has_value());
}

// ---------------------------------------------------------------------------------------------
// explain(from, to, paused)
// ---------------------------------------------------------------------------------------------

struct piece {
    const char* from;  // UTC
    const char* to;    // UTC
    span_kind kind;
};

std::string describe(const std::vector<bot::calendar_span>& spans)
{
    std::string out;
    for (auto const& s : spans)
        out += bot::format_utc(s.from) + ".." + bot::format_utc(s.to) + " " + kind_name(s.kind) + "\n";
    return out;
}

std::string describe(std::span<const piece> pieces)
{
    std::string out;
    for (auto const& p : pieces)
        out += bot::format_utc(utc(p.from)) + ".." + bot::format_utc(utc(p.to)) + " " + kind_name(p.kind) + "\n";
    return out;
}

TEST_CASE("explain() cuts a span into counted time and classified gaps")
{
    using enum span_kind;

    SUBCASE("Friday evening to Monday: counted, weekend, counted") {
        // Fri 17:00-18:00 EST counted; Fri 18:00 EST .. Mon 09:00 EST weekend; Mon 09:00-10:00 counted.
        const piece expected[] = {
            {"2026-02-27T22:00:00Z", "2026-02-27T23:00:00Z", counted},
            {"2026-02-27T23:00:00Z", "2026-03-02T14:00:00Z", weekend},
            {"2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-02-27T17:00:00-05:00"),
                                                             utc("2026-03-02T10:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("Friday evening to Monday across spring forward: the gap ends at 09:00 EDT = 13:00Z") {
        const piece expected[] = {
            {"2026-03-06T22:00:00Z", "2026-03-06T23:00:00Z", counted},
            {"2026-03-06T23:00:00Z", "2026-03-09T13:00:00Z", weekend},
            {"2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-03-06T17:00:00-05:00"),
                                                             utc("2026-03-09T10:00:00-04:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a start on Saturday begins with the weekend gap") {
        const piece expected[] = {
            {"2026-02-28T17:00:00Z", "2026-03-02T14:00:00Z", weekend},
            {"2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-02-28T12:00:00-05:00"),
                                                             utc("2026-03-02T10:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a weekday night is a night") {
        // Mon 17:00-18:00 EST counted; Mon 18:00 .. Tue 09:00 night; Tue 09:00-10:00 counted.
        const piece expected[] = {
            {"2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z", counted},
            {"2026-03-02T23:00:00Z", "2026-03-03T14:00:00Z", night},
            {"2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-03-02T17:00:00-05:00"),
                                                             utc("2026-03-03T10:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a gap containing a lone midweek holiday is a holiday") {
        // Tue 10 Nov 17:00-18:00 EST counted; Tue 18:00 .. Thu 09:00 (Wed 11 off) holiday; Thu 09:00-10:00.
        const piece expected[] = {
            {"2026-11-10T22:00:00Z", "2026-11-10T23:00:00Z", counted},
            {"2026-11-10T23:00:00Z", "2026-11-12T14:00:00Z", holiday},
            {"2026-11-12T14:00:00Z", "2026-11-12T15:00:00Z", counted},
        };
        auto const got = calendar_of(cal::holidays).explain(utc("2026-11-10T17:00:00-05:00"),
                                                             utc("2026-11-12T10:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a gap holding both a weekend and Labor Day is a holiday") {
        // Fri 4 Sep 17:00-18:00 EDT counted; Fri 18:00 .. Tue 09:00 EDT holiday; Tue 09:00-10:00 EDT counted.
        const piece expected[] = {
            {"2026-09-04T21:00:00Z", "2026-09-04T22:00:00Z", counted},
            {"2026-09-04T22:00:00Z", "2026-09-08T13:00:00Z", holiday},
            {"2026-09-08T13:00:00Z", "2026-09-08T14:00:00Z", counted},
        };
        auto const got = calendar_of(cal::holidays).explain(utc("2026-09-04T17:00:00-04:00"),
                                                             utc("2026-09-08T10:00:00-04:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a paused hour is carved out of counted time") {
        // Mon 09:00-18:00 EST, paused 11:00-12:00 EST.
        const bot::wall_interval pauses[] = {{utc("2026-03-02T11:00:00-05:00"), utc("2026-03-02T12:00:00-05:00")}};
        const piece expected[] = {
            {"2026-03-02T14:00:00Z", "2026-03-02T16:00:00Z", counted},
            {"2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z", span_kind::paused},
            {"2026-03-02T17:00:00Z", "2026-03-02T23:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-03-02T09:00:00-05:00"),
                                                             utc("2026-03-02T18:00:00-05:00"), pauses);
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a pause over a night leaves the night a night") {
        // Mon 16:00 EST .. Tue 11:00 EST, paused Mon 17:00 .. Tue 10:00 EST.
        const bot::wall_interval pauses[] = {{utc("2026-03-02T17:00:00-05:00"), utc("2026-03-03T10:00:00-05:00")}};
        const piece expected[] = {
            {"2026-03-02T21:00:00Z", "2026-03-02T22:00:00Z", counted},
            {"2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z", span_kind::paused},
            {"2026-03-02T23:00:00Z", "2026-03-03T14:00:00Z", night},
            {"2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z", span_kind::paused},
            {"2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z", counted},
        };
        auto const got = calendar_of(cal::standard).explain(utc("2026-03-02T16:00:00-05:00"),
                                                             utc("2026-03-03T11:00:00-05:00"), pauses);
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("a lunch break is a gap within the day (a night)") {
        const piece expected[] = {
            {"2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z", counted},
            {"2026-03-02T17:00:00Z", "2026-03-02T18:00:00Z", night},
            {"2026-03-02T18:00:00Z", "2026-03-02T19:00:00Z", counted},
        };
        auto const got = calendar_of(cal::lunch).explain(utc("2026-03-02T11:00:00-05:00"),
                                                          utc("2026-03-02T14:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("with Saturday hours, Friday night is a night and only Sunday makes a weekend") {
        // Fri 17-18 counted; Fri 18 .. Sat 09 night; Sat 09-13 counted; Sat 13 .. Mon 09 weekend; Mon 09-10.
        const piece expected[] = {
            {"2026-02-27T22:00:00Z", "2026-02-27T23:00:00Z", counted},
            {"2026-02-27T23:00:00Z", "2026-02-28T14:00:00Z", night},
            {"2026-02-28T14:00:00Z", "2026-02-28T18:00:00Z", counted},
            {"2026-02-28T18:00:00Z", "2026-03-02T14:00:00Z", weekend},
            {"2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", counted},
        };
        auto const got = calendar_of(cal::saturday).explain(utc("2026-02-27T17:00:00-05:00"),
                                                             utc("2026-03-02T10:00:00-05:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("around the clock everything counts") {
        const piece expected[] = {{"2026-03-07T22:00:00Z", "2026-03-09T14:00:00Z", counted}};
        auto const got = calendar_of(cal::always).explain(utc("2026-03-07T17:00:00-05:00"),
                                                           utc("2026-03-09T10:00:00-04:00"));
        CHECK(describe(got) == describe(expected));
    }
    SUBCASE("an empty or reversed span explains nothing") {
        auto const& c = calendar_of(cal::standard);
        CHECK(c.explain(utc("2026-03-02T10:00:00-05:00"), utc("2026-03-02T10:00:00-05:00")).empty());
        CHECK(c.explain(utc("2026-03-02T11:00:00-05:00"), utc("2026-03-02T10:00:00-05:00")).empty());
    }
}

// ---------------------------------------------------------------------------------------------
// local_text and rfc3339
// ---------------------------------------------------------------------------------------------

struct text_row {
    const char* at;
    const char* local;
    const char* rfc3339;
};

TEST_CASE("instants are shown in New York time with the offset of the day")
{
    const text_row rows[] = {
        // 22:00Z in March before the switch: EST, -5h.
        {"2026-03-06T22:00:00Z", "Fri 6 Mar 2026 17:00 EST", "2026-03-06T17:00:00-05:00"},
        // 14:00Z the Monday after the switch: EDT, -4h.
        {"2026-03-09T14:00:00Z", "Mon 9 Mar 2026 10:00 EDT", "2026-03-09T10:00:00-04:00"},
        // The Friday before fall back is still EDT; two-digit day.
        {"2026-10-30T21:00:00Z", "Fri 30 Oct 2026 17:00 EDT", "2026-10-30T17:00:00-04:00"},
        // The repeated hour: 05:30Z is the first 01:30 (EDT), 06:30Z the second (EST).
        {"2026-11-01T05:30:00Z", "Sun 1 Nov 2026 01:30 EDT", "2026-11-01T01:30:00-04:00"},
        {"2026-11-01T06:30:00Z", "Sun 1 Nov 2026 01:30 EST", "2026-11-01T01:30:00-05:00"},
        // Tokyo Christmas 17:00 = 08:00Z = 03:00 EST the same date.
        {"2026-12-25T17:00:00+09:00", "Fri 25 Dec 2026 03:00 EST", "2026-12-25T03:00:00-05:00"},
        // Seconds survive in rfc3339; local_text shows minutes only.
        {"2026-03-02T22:59:59Z", "Mon 2 Mar 2026 17:59 EST", "2026-03-02T17:59:59-05:00"},
    };
    auto const& c = calendar_of(cal::standard);
    for (auto const& row : rows) {
        std::string const at{row.at}, local{row.local}, offset_text{row.rfc3339};
        CAPTURE(at);
        CHECK(c.local_text(utc(row.at)) == local);
        CHECK(c.rfc3339(utc(row.at)) == offset_text);
        CHECK(utc(row.rfc3339) == utc(row.at));  // the text names the same instant
    }
}

}  // namespace
