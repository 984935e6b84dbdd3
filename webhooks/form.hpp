#pragma once
// application/x-www-form-urlencoded bodies (Slack's slash commands and interactions).
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bot::webhooks {

using form_fields = std::map<std::string, std::string, std::less<>>;

// Decoded names and values ('+' is a space); nullopt for malformed percent-encoding
// or a name or value that does not decode to UTF-8 or holds a NUL (%00).
// A repeated name keeps its first value.
std::optional<form_fields> parse_form(std::string_view body);

// The value of `name`, or empty.
std::string_view field(const form_fields& f, std::string_view name);

// Percent-encodes for a form body or query string (tests, clients).
std::string form_encode(std::string_view text);

}  // namespace bot::webhooks
