#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bot {

// Whether `text` is well-formed UTF-8 (RFC 3629): no stray continuation bytes, no
// truncated or overlong sequences, no surrogates, nothing above U+10FFFF. Text that
// is not would make every JSON document it is copied into invalid.
bool valid_utf8(std::string_view text) noexcept;

// The longest start of UTF-8 `text` of at most `max_bytes` bytes that does not cut a
// character in two.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

// `text` itself when it fits in `max_bytes`, else its utf8_prefix followed by "…".
std::string shorten(std::string_view text, std::size_t max_bytes);

}  // namespace bot
