#pragma once

#include <string_view>

namespace bot {

// Whether `text` is well-formed UTF-8 (RFC 3629): no stray continuation bytes, no
// truncated or overlong sequences, no surrogates, nothing above U+10FFFF. Text that
// is not would make every JSON document it is copied into invalid.
bool valid_utf8(std::string_view text) noexcept;

}  // namespace bot
