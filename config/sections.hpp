#pragma once
// Private to config/: one reader per part of the file. Each reads its tables from
// the document, validates them and fails (detail::fail) at the first problem.
#include "config/settings.hpp"
#include "config/toml_reader.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bot::config::detail {

struct program_section {
    bot::program rules;
    std::vector<located<destination>> escalation_targets;  // [escalation] further_targets, for the directory
};

// [support], [support.hours], [severity.*] and [escalation] → the program.
program_section read_program(table_reader& root);

// [team], [[customers]] with their [[customers.channels]], [[channels]], [[people]], [routing].
bot::directory read_directory(table_reader& root, std::vector<located<destination>> escalation_targets);

// An array of "platform:channel" strings, e.g. ["slack:C0AGENTS"].
std::vector<located<destination>> read_destinations(table_reader& table, std::string_view key);

// [server], [slack], [teams], [scheduler], [delivery].
void read_services(table_reader& root, settings& out);

// A secret or id without the blanks around it: none can contain one, and a newline
// left by `echo … > file` would otherwise make every signature check fail with
// nothing to say why.
std::string secret_text(std::string_view text);

// Secrets the file leaves empty, and the environment's overrides (SLACK_API_URL, CASEBOT_DATABASE).
void apply_environment(settings& out, const env_lookup& env);

}  // namespace bot::config::detail
