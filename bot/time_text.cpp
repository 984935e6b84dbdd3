#include "bot/time_text.hpp"

#include <date/date.h>

#include <cctype>
#include <charconv>

namespace bot {
namespace {
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `width` digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width)
{
    if (pos + width > text.size())
        return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool valid_date(int y, int m, int d)
{
    return date::year_month_day{date::year{y}, date::month{static_cast<unsigned>(m)},
                                date::day{static_cast<unsigned>(d)}}
        .ok();
}

std::optional<std::int64_t> leading_number(std::string_view& text)
{
    std::int64_t value = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data() || value < 0)
        return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return value;
}

void skip_spaces(std::string_view& text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
}
}  // namespace

std::optional<wall_time> parse_rfc3339(std::string_view t)
{
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[13] != ':' || t[16] != ':')
        return std::nullopt;
    if (t[10] != 'T' && t[10] != 't' && t[10] != ' ')
        return std::nullopt;
    auto const y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
    auto const h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
    if (!y || !mo || !d || !h || !mi || !s || !valid_date(*y, *mo, *d) || *h > 23 || *mi > 59 || *s > 60)
        return std::nullopt;
    std::size_t pos = 19;
    if (pos < t.size() && t[pos] == '.') {
        ++pos;
        std::size_t const start = pos;
        while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos])))
            ++pos;
        if (pos == start)
            return std::nullopt;
    }
    seconds offset{0};
    if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
        ++pos;
    } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
        auto const oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
        if (!oh || !om || pos + 3 >= t.size() || t[pos + 3] != ':' || *oh > 23 || *om > 59)
            return std::nullopt;
        offset = std::chrono::hours{*oh} + minutes{*om};
        if (t[pos] == '-')
            offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != t.size())
        return std::nullopt;
    auto const day = date::sys_days{date::year{*y} / *mo / *d};
    auto const local = std::chrono::sys_seconds{std::chrono::seconds{day.time_since_epoch()}} +
                       std::chrono::hours{*h} + minutes{*mi} + seconds{std::min(*s, 59)};
    return local - offset;
}

std::string format_utc(wall_time t)
{
    return date::format("%Y-%m-%dT%H:%M:%SZ", t);
}

std::optional<business_span> parse_business_span(std::string_view text)
{
    business_span out;
    skip_spaces(text);
    if (text.empty())
        return std::nullopt;
    while (!text.empty()) {
        auto const n = leading_number(text);
        if (!n || text.empty() || *n > 100000)
            return std::nullopt;
        char const unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
        text.remove_prefix(1);
        switch (unit) {
        case 'm': out.minutes += minutes{*n}; break;
        case 'h': out.minutes += std::chrono::hours{*n}; break;
        case 'd': out.days += static_cast<int>(*n); break;
        case 'w': out.weeks += static_cast<int>(*n); break;
        default: return std::nullopt;
        }
        skip_spaces(text);
    }
    return out;
}

std::optional<seconds> parse_wall_duration(std::string_view text)
{
    seconds total{0};
    skip_spaces(text);
    if (text.empty())
        return std::nullopt;
    while (!text.empty()) {
        auto const n = leading_number(text);
        if (!n || text.empty() || *n > 10'000'000)
            return std::nullopt;
        char const unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
        text.remove_prefix(1);
        switch (unit) {
        case 's': total += seconds{*n}; break;
        case 'm': total += minutes{*n}; break;
        case 'h': total += std::chrono::hours{*n}; break;
        default: return std::nullopt;
        }
        skip_spaces(text);
    }
    return total;
}

std::optional<std::chrono::sys_days> parse_date(std::string_view t)
{
    if (t.size() != 10 || t[4] != '-' || t[7] != '-')
        return std::nullopt;
    auto const y = digits(t, 0, 4), m = digits(t, 5, 2), d = digits(t, 8, 2);
    if (!y || !m || !d || !valid_date(*y, *m, *d))
        return std::nullopt;
    auto const day = date::sys_days{date::year{*y} / *m / *d};
    return std::chrono::sys_days{std::chrono::days{day.time_since_epoch().count()}};
}

std::optional<minutes> parse_clock_time(std::string_view t)
{
    if (t.size() != 5 || t[2] != ':')
        return std::nullopt;
    auto const h = digits(t, 0, 2), m = digits(t, 3, 2);
    if (!h || !m || *m > 59 || *h > 24 || (*h == 24 && *m != 0))
        return std::nullopt;
    return std::chrono::hours{*h} + minutes{*m};
}

}  // namespace bot
