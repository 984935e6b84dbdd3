#include "support/test_time.hpp"

#include "bot/time_text.hpp"

#include <date/tz.h>

#include <stdexcept>
#include <string>

namespace bot::test {

wall_time utc(std::string_view rfc3339)
{
    auto t = bot::parse_rfc3339(rfc3339);
    if (!t)
        throw std::invalid_argument("not an RFC 3339 instant: " + std::string{rfc3339});
    return *t;
}

const date::time_zone* new_york()
{
    static const date::time_zone* zone = date::locate_zone("America/New_York");
    return zone;
}

}  // namespace bot::test
