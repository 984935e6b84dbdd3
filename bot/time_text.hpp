#pragma once
// Reading and writing instants and durations as text. Pure and strict: anything
// not exactly in the format is nullopt, never a guess.
#include "bot/calendar.hpp"
#include "bot/clock.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace bot {

// "2026-03-06T17:30:00Z", "2026-03-06T17:30:00-05:00", "2026-03-06T17:30:00.250+01:00"
// (fractions are dropped). A lower-case 't'/'z' and a space for 'T' are accepted (RFC 3339 §5.6).
std::optional<wall_time> parse_rfc3339(std::string_view text);

// "2026-03-06T22:30:00Z"
std::string format_utc(wall_time t);

// Business lengths: "1h", "45m", "1h30m", "1d" (business days), "1w" (business weeks),
// combinations such as "1d 4h". Whitespace between parts is allowed.
std::optional<business_span> parse_business_span(std::string_view text);

// Wall-clock lengths for timeouts and ticks: "30s", "5m", "2h", "500ms" is not accepted.
std::optional<std::chrono::seconds> parse_wall_duration(std::string_view text);

// A local date "2026-12-25".
std::optional<std::chrono::sys_days> parse_date(std::string_view text);

// "09:00" → 540 minutes; "24:00" is allowed as the end of a day.
std::optional<std::chrono::minutes> parse_clock_time(std::string_view text);

}  // namespace bot
