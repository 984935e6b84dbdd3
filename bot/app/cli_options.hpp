#pragma once
// A small, strict command-line reader: --name value, --name=value, --flag, and
// positional words. Unknown options are errors, never ignored.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bot::app {

struct option_spec {
    std::set<std::string> valued;   // options that take a value, e.g. "config"
    std::set<std::string> flags;    // options that don't, e.g. "json"
};

struct cli_options {
    std::map<std::string, std::string> values;
    std::set<std::string> flags;
    std::vector<std::string> positional;

    std::optional<std::string> get(const std::string& name) const;
    bool has(const std::string& name) const { return flags.contains(name); }
};

// Throws std::invalid_argument with a message naming the offending word.
cli_options parse_cli(const std::vector<std::string>& args, const option_spec& spec);

}  // namespace bot::app
