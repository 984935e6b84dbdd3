#pragma once
// Shared by the config tests: parse TOML text as "test.toml" with a fixed environment.
#include "config/settings.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <string_view>

namespace bot::config::test {

// An environment made of the given variables only.
inline env_lookup fake_env(std::map<std::string, std::string, std::less<>> vars)
{
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        if (auto it = vars.find(name); it != vars.end())
            return it->second;
        return std::nullopt;
    };
}

inline settings parse_ok(std::string_view toml, const env_lookup& env = no_env())
{
    auto parsed = parse_settings(toml, "test.toml", env);
    if (!parsed)
        FAIL(parsed.error().what());
    return std::move(*parsed);
}

inline config_error parse_error(std::string_view toml, const env_lookup& env = no_env())
{
    auto parsed = parse_settings(toml, "test.toml", env);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().file == "test.toml");
    return parsed.error();
}

}  // namespace bot::config::test
