#pragma once
// Business time: support hours in one IANA time zone, per weekday, minus holidays.
// Pure: no clock, no I/O. All arithmetic happens in the zone, so daylight-saving
// switches move the UTC instants of opening and closing, never the local hours.
#include "bot/clock.hpp"

#include <array>
#include <chrono>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace bot {

// One opening within a local day: [from, to) in minutes after local midnight.
struct opening {
    std::chrono::minutes from{0};
    std::chrono::minutes to{0};
    friend bool operator==(const opening&, const opening&) = default;
};

// Openings per weekday, indexed 0 = Sunday … 6 = Saturday (as C's tm_wday).
using weekly_hours = std::array<std::vector<opening>, 7>;

// A length of business time as a contract states it: hours and minutes, business
// days (one workday's length) and business weeks (one working week's days).
struct business_span {
    std::chrono::minutes minutes{0};
    int days = 0;
    int weeks = 0;
    friend bool operator==(const business_span&, const business_span&) = default;
};

// What a stretch of wall time was, for explaining a deadline.
enum class span_kind { counted, night, weekend, holiday, paused };

struct calendar_span {
    wall_time from;
    wall_time to;
    span_kind kind = span_kind::counted;
};

// A wall-time interval during which a clock stood still (a case waiting on the customer).
struct wall_interval {
    wall_time from;
    wall_time to;
};

class calendar {
public:
    // Support hours in `zone` (must outlive the calendar; date/tz zones live forever).
    // `holidays` are local dates with no support at all. `business_day` is the length of
    // one business day; zero means the longest day of the week. Throws
    // std::invalid_argument when the week has no openings or an opening is malformed.
    calendar(const date::time_zone* zone, weekly_hours hours, std::set<std::chrono::sys_days> holidays,
             std::chrono::seconds business_day = std::chrono::seconds{0});

    // A clock that counts every second: 24-hour days, 7-day weeks, no holidays.
    static calendar around_the_clock(const date::time_zone* zone);

    bool always_open() const noexcept { return always_; }
    const date::time_zone* zone() const noexcept { return zone_; }
    const weekly_hours& hours() const noexcept { return hours_; }
    const std::set<std::chrono::sys_days>& holidays() const noexcept { return holidays_; }

    std::chrono::seconds day_length() const noexcept { return day_; }
    int workdays_per_week() const noexcept { return workdays_; }
    std::chrono::seconds length(const business_span& span) const noexcept;

    bool is_open(wall_time t) const;
    bool is_holiday(std::chrono::sys_days local_day) const { return holidays_.contains(local_day); }

    // `t` itself when support is open at `t`, else the start of the next opening.
    wall_time next_opening(wall_time t) const;

    // The instant at which `amount` of business time has passed since `from`. A start
    // out of hours counts from the next opening; a result may be exactly a closing time.
    wall_time add(wall_time from, std::chrono::seconds amount) const;

    // Business time within [from, to); zero when to <= from.
    std::chrono::seconds between(wall_time from, wall_time to) const;

    // [from, to) cut into counted business time and the closed stretches skipped
    // (nights, weekends, holidays), with `paused` intervals carved out of what counted.
    std::vector<calendar_span> explain(wall_time from, wall_time to,
                                       std::span<const wall_interval> paused = {}) const;

    // "Mon 9 Mar 2026 10:00 EDT"
    std::string local_text(wall_time t) const;
    // "2026-03-09T10:00:00-04:00"
    std::string rfc3339(wall_time t) const;

private:
    // The openings of one local day as UTC intervals, empty on holidays and closed days.
    std::vector<wall_interval> openings_on(std::chrono::sys_days local_day) const;
    std::chrono::sys_days local_day_of(wall_time t) const;
    span_kind classify_gap(wall_time from, wall_time to) const;

    const date::time_zone* zone_;
    weekly_hours hours_;
    std::set<std::chrono::sys_days> holidays_;
    std::chrono::seconds day_{0};
    int workdays_ = 0;
    bool always_ = false;
};

// "1h", "4h 30m", "45m", "0m"; business lengths read best in hours and minutes.
std::string format_duration(std::chrono::seconds d);

}  // namespace bot
