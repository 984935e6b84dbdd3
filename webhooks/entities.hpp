#pragma once
// Text that a platform sends with some characters written as HTML entities (Slack's
// &amp; &lt; &gt;, Teams' HTML), read back as the person typed it.
#include <span>
#include <string>
#include <string_view>

namespace bot::webhooks {

struct entity {
    std::string_view written;   // "&lt;"
    std::string_view means;     // "<"
};

// `text` with each of `known` replaced by what it means, in one pass: "&amp;lt;" is the
// text "&lt;", not "<". Anything else, an unknown entity included, stays as it is.
std::string decode_entities(std::string_view text, std::span<const entity> known);

}  // namespace bot::webhooks
