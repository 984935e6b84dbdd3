#include "bot/calendar.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <stdexcept>

namespace bot {
namespace {
using std::chrono::seconds;
using std::chrono::sys_days;

constexpr std::chrono::minutes whole_day{24 * 60};
// A week with at least one opening always reaches one within a few years of holidays;
// anything longer means the holiday list covers every working day, which config forbids.
constexpr int max_days_searched = 3 * 366;

date::local_days to_local_days(sys_days d)
{
    return date::local_days{date::days{d.time_since_epoch().count()}};
}

sys_days to_sys_days(date::local_days d)
{
    return sys_days{std::chrono::days{d.time_since_epoch().count()}};
}
}  // namespace

calendar::calendar(const date::time_zone* zone, weekly_hours hours, std::set<sys_days> holidays,
                   seconds business_day)
    : zone_(zone), hours_(std::move(hours)), holidays_(std::move(holidays))
{
    if (!zone_)
        throw std::invalid_argument("calendar needs a time zone");
    seconds longest{0};
    for (auto& day : hours_) {
        std::sort(day.begin(), day.end(), [](const opening& a, const opening& b) { return a.from < b.from; });
        seconds length{0};
        for (std::size_t i = 0; i < day.size(); ++i) {
            if (day[i].from < std::chrono::minutes{0} || day[i].to > whole_day || day[i].from >= day[i].to)
                throw std::invalid_argument("an opening must start before it ends, within one day");
            if (i > 0 && day[i].from < day[i - 1].to)
                throw std::invalid_argument("openings within a day must not overlap");
            length += day[i].to - day[i].from;
        }
        if (!day.empty())
            ++workdays_;
        longest = std::max(longest, length);
    }
    if (workdays_ == 0)
        throw std::invalid_argument("support hours must open on at least one weekday");
    day_ = business_day > seconds{0} ? business_day : longest;
}

calendar calendar::around_the_clock(const date::time_zone* zone)
{
    weekly_hours all;
    for (auto& day : all)
        day.push_back({std::chrono::minutes{0}, whole_day});
    calendar c{zone, std::move(all), {}};
    c.always_ = true;
    return c;
}

seconds calendar::length(const business_span& span) const noexcept
{
    return span.minutes + (span.days + span.weeks * workdays_) * day_;
}

sys_days calendar::local_day_of(wall_time t) const
{
    auto const local = zone_->to_local(t);
    return to_sys_days(date::floor<date::days>(local));
}

std::vector<wall_interval> calendar::openings_on(sys_days local_day) const
{
    std::vector<wall_interval> out;
    if (holidays_.contains(local_day))
        return out;
    auto const weekday = date::weekday{to_local_days(local_day)}.c_encoding();
    auto const& day = hours_[weekday];
    if (day.empty())
        return out;
    out.reserve(day.size());
    auto const midnight = to_local_days(local_day);
    // Nearly every day keeps one UTC offset from this midnight to the next: then each
    // opening is that offset away, and one zone lookup serves the day instead of two per
    // opening (every command computes deadlines, so this is on the hot path). The next
    // midnight must map inside the same period too, hence `<`: an opening may end at 24:00.
    // (A unique midnight lies in info.first, so only the period's end needs checking.)
    auto const info = zone_->get_info(midnight);
    auto const start = wall_time{midnight.time_since_epoch()} - info.first.offset;
    if (info.result == date::local_info::unique && start + whole_day < info.first.end) {
        for (auto const& o : day)
            out.push_back({start + o.from, start + o.to});
        return out;
    }
    for (auto const& o : day) {
        // `earliest` maps a local time skipped by a spring-forward switch to the switch
        // itself and a repeated one (autumn) to its first occurrence.
        auto const from = zone_->to_sys(midnight + o.from, date::choose::earliest);
        auto const to = zone_->to_sys(midnight + o.to, date::choose::earliest);
        if (from < to)
            out.push_back({date::floor<seconds>(from), date::floor<seconds>(to)});
    }
    return out;
}

bool calendar::is_open(wall_time t) const
{
    if (always_)
        return true;
    for (auto const& o : openings_on(local_day_of(t)))
        if (o.from <= t && t < o.to)
            return true;
    return false;
}

wall_time calendar::next_opening(wall_time t) const
{
    if (always_)
        return t;
    auto day = local_day_of(t);
    for (int i = 0; i < max_days_searched; ++i, day += std::chrono::days{1})
        for (auto const& o : openings_on(day))
            if (t < o.to)
                return std::max(t, o.from);
    throw std::logic_error("support never opens again: the holiday list covers every working day");
}

wall_time calendar::add(wall_time from, seconds amount) const
{
    if (always_)
        return from + std::max(amount, seconds{0});
    if (amount <= seconds{0})
        return next_opening(from);  // nothing elapsed, but an out-of-hours clock starts at the opening
    auto day = local_day_of(from);
    for (int i = 0; i < max_days_searched; ++i, day += std::chrono::days{1}) {
        for (auto const& o : openings_on(day)) {
            if (o.to <= from)
                continue;
            auto const start = std::max(from, o.from);
            auto const available = o.to - start;
            if (amount <= available)
                return start + amount;
            amount -= available;
        }
    }
    throw std::logic_error("support never opens again: the holiday list covers every working day");
}

seconds calendar::between(wall_time from, wall_time to) const
{
    if (to <= from)
        return seconds{0};
    if (always_)
        return to - from;
    seconds total{0};
    auto const last = local_day_of(to);
    for (auto day = local_day_of(from); day <= last; day += std::chrono::days{1})
        for (auto const& o : openings_on(day)) {
            auto const a = std::max(from, o.from);
            auto const b = std::min(to, o.to);
            if (a < b)
                total += b - a;
        }
    return total;
}

span_kind calendar::classify_gap(wall_time from, wall_time to) const
{
    // A gap is a holiday if it covers a holiday's date, a weekend if it covers a day
    // the week never opens, and otherwise a night (or a break within a day).
    bool weekend = false;
    auto const last = local_day_of(to - seconds{1});
    for (auto day = local_day_of(from); day <= last; day += std::chrono::days{1}) {
        if (holidays_.contains(day))
            return span_kind::holiday;
        if (hours_[date::weekday{to_local_days(day)}.c_encoding()].empty())
            weekend = true;
    }
    return weekend ? span_kind::weekend : span_kind::night;
}

std::vector<calendar_span> calendar::explain(wall_time from, wall_time to,
                                             std::span<const wall_interval> paused) const
{
    std::vector<calendar_span> spans;
    if (to <= from)
        return spans;

    // First the calendar alone: counted openings and the closed gaps between them.
    std::vector<wall_interval> counted;
    if (always_) {
        counted.push_back({from, to});
    } else {
        auto const last = local_day_of(to);
        for (auto day = local_day_of(from); day <= last; day += std::chrono::days{1})
            for (auto const& o : openings_on(day)) {
                auto const a = std::max(from, o.from);
                auto const b = std::min(to, o.to);
                if (a < b)
                    counted.push_back({a, b});
            }
    }
    auto cursor = from;
    for (auto const& c : counted) {
        if (cursor < c.from)
            spans.push_back({cursor, c.from, classify_gap(cursor, c.from)});
        // Then carve the paused intervals out of what the calendar counted.
        auto piece = c.from;
        for (auto const& p : paused) {
            auto const a = std::max(piece, p.from);
            auto const b = std::min(c.to, p.to);
            if (a >= b)
                continue;
            if (piece < a)
                spans.push_back({piece, a, span_kind::counted});
            spans.push_back({a, b, span_kind::paused});
            piece = b;
        }
        if (piece < c.to)
            spans.push_back({piece, c.to, span_kind::counted});
        cursor = c.to;
    }
    if (cursor < to)
        spans.push_back({cursor, to, classify_gap(cursor, to)});
    return spans;
}

namespace {
// The civil time `t` shows in a zone, without date::format's stream and locale
// (it was a tenth of a command's time, and every command formats a deadline).
struct local_fields {
    date::year_month_day day;
    date::weekday weekday;
    date::hh_mm_ss<std::chrono::seconds> time;
    std::chrono::seconds offset;
    std::string abbrev;
};

local_fields fields_of(const date::time_zone* zone, wall_time t)
{
    auto const info = zone->get_info(t);
    auto const local = t + info.offset;
    auto const midnight = date::floor<date::days>(local);
    return {date::year_month_day{midnight}, date::weekday{midnight},
            date::hh_mm_ss<std::chrono::seconds>{local - midnight}, info.offset, info.abbrev};
}

constexpr std::array<std::string_view, 7> weekday_names{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

// "Mon 9 Mar 2025 09:30 EDT" (no leading zero on the day: it reads better).
std::string calendar::local_text(wall_time t) const
{
    auto const f = fields_of(zone_, t);
    return fmt::format("{} {} {} {} {:02}:{:02} {}", weekday_names[f.weekday.c_encoding()],
                       static_cast<unsigned>(f.day.day()), month_names[static_cast<unsigned>(f.day.month()) - 1],
                       static_cast<int>(f.day.year()), f.time.hours().count(), f.time.minutes().count(), f.abbrev);
}

// "2025-03-10T09:30:00-04:00".
std::string calendar::rfc3339(wall_time t) const
{
    auto const f = fields_of(zone_, t);
    auto const offset_minutes = f.offset.count() / 60;
    auto const magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", static_cast<int>(f.day.year()),
                       static_cast<unsigned>(f.day.month()), static_cast<unsigned>(f.day.day()),
                       f.time.hours().count(), f.time.minutes().count(), f.time.seconds().count(),
                       offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

std::string format_duration(seconds d)
{
    bool const negative = d < seconds{0};
    if (negative)
        d = -d;
    auto const h = std::chrono::duration_cast<std::chrono::hours>(d);
    auto const m = std::chrono::duration_cast<std::chrono::minutes>(d - h);
    auto const s = d - h - m;
    std::string out = negative ? "-" : "";
    if (h.count() > 0)
        out += std::to_string(h.count()) + "h";
    if (m.count() > 0)
        out += (h.count() > 0 ? " " : "") + std::to_string(m.count()) + "m";
    if (s.count() > 0 && h.count() == 0)
        out += (m.count() > 0 ? " " : "") + std::to_string(s.count()) + "s";
    if (h.count() == 0 && m.count() == 0 && s.count() == 0)
        out += "0m";
    return out;
}

}  // namespace bot
