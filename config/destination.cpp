#include "config/destination.hpp"

#include <algorithm>
#include <cctype>

namespace bot::config {

std::optional<bot::destination> parse_destination(std::string_view text)
{
    auto const colon = text.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    auto const where = parse_platform(text.substr(0, colon));
    auto const channel = text.substr(colon + 1);
    auto const blank = [](unsigned char c) { return std::isspace(c) != 0; };
    if (!where || channel.empty() || std::any_of(channel.begin(), channel.end(), blank))
        return std::nullopt;
    bot::destination out;
    out.where = *where;
    out.channel = std::string{channel};
    return out;
}

}  // namespace bot::config
