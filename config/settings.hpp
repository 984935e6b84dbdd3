#pragma once
// Everything casebot reads from its TOML file (and, for secrets, the environment).
// With no file the defaults are the vendor's Support Program (design.md §2).
#include "bot/directory.hpp"
#include "bot/program.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bot::config {

struct server_settings {
    std::string listen = "127.0.0.1:8080";       // HOST:PORT
    std::string tls_certificate;                 // PEM file; TLS is on when both are set
    std::string tls_private_key;                 // PEM file
    std::size_t body_limit = 256 * 1024;         // bytes; larger requests get 413
    std::chrono::seconds read_timeout{10};       // headers and body must arrive within this
    std::chrono::seconds idle_timeout{60};       // keep-alive connections close after this
    int threads = 2;                             // network I/O threads
    // Threads that run commands. Most of a command's time is spent waiting for its
    // transaction; many of them let one transaction carry many commands (group commit).
    int workers = 32;
};

struct slack_settings {
    std::string signing_secret;                  // env SLACK_SIGNING_SECRET
    std::string bot_token;                       // env SLACK_BOT_TOKEN
    std::string api_url = "https://slack.com/api/";  // env SLACK_API_URL
    std::string bot_user;                        // our bot's user id (to ignore our own messages)
};

struct teams_settings {
    std::string webhook_secret;                  // env TEAMS_WEBHOOK_SECRET (base64, as Teams shows it)
    std::string app_id;                          // env TEAMS_APP_ID
    std::string app_password;                    // env TEAMS_APP_PASSWORD
    std::string tenant = "botframework.com";     // token tenant
    std::string openid_metadata_url = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    std::string token_url;                       // empty: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
};

struct scheduler_settings {
    std::chrono::seconds tick{30};               // how often `serve` runs a scheduler pass at most
    std::size_t batch = 500;                     // cases per transaction in a pass
};

struct delivery_settings {
    std::chrono::seconds first_retry{5};         // backoff starts here and doubles
    std::chrono::seconds max_retry{15 * 60};     // and stops growing here
    int max_attempts = 20;                       // see delivery_options::max_attempts
    int parallel_channels = 4;                   // see delivery_options::parallel_channels
};

// The support zone when [support] time_zone is not set.
inline constexpr std::string_view default_time_zone = "America/New_York";

// The vendor's Support Program in America/New_York (looks the zone up once; throws
// std::runtime_error when the system has no time-zone database).
bot::program default_program();

// What a committed change survives (SQLite's synchronous setting, in WAL mode).
enum class database_durability {
    normal,  // survives a crash of casebot; a power loss may drop the last commits
    full,    // survives a power loss too: the log is synced at every (group) commit
};

struct settings {
    std::string vendor = "TekStack";             // named in answers about coverage
    std::string database = "casebot.db";         // SQLite file
    database_durability database_synchronous = database_durability::normal;
    bot::program rules = default_program();
    bot::directory people;
    server_settings server;
    slack_settings slack;
    teams_settings teams;
    scheduler_settings scheduler;
    delivery_settings delivery;
};

// Where a value in a configuration file went wrong: "casebot.toml:12:3: severity.low.initial_response: …".
struct config_error {
    std::string file;
    int line = 0;        // 1-based; 0 when the problem has no single place
    int column = 0;
    std::string key;     // dotted key path, e.g. "severity.low.initial_response"
    std::string message;
    // "file:line:column: key: message"; the place and key are left out when unknown.
    std::string what() const;
};

// Lets result<settings, config_error>::value() throw: a std::runtime_error carrying what().
[[noreturn]] void throw_exception_from_error(const config_error& e, const boost::source_location& loc);

// Reads an environment variable; injected so tests never touch the real environment.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;
env_lookup process_env();
env_lookup no_env();

// The vendor's Support Program with no customers, people or channels.
settings default_settings();

// Parses TOML text; `source` names it in errors. Unknown keys are errors (a typo
// must not silently fall back to a default). Secrets missing from the file come
// from `env`; SLACK_API_URL and CASEBOT_DATABASE in `env` override the file when set.
// Never throws: every problem (TOML syntax included) is the first config_error found.
// The schema, with every key's default and format, is config/casebot.example.toml.
boost::system::result<settings, config_error> parse_settings(std::string_view toml, std::string_view source,
                                                             const env_lookup& env);

// Reads and parses a file; a missing or unreadable file is an error naming it.
boost::system::result<settings, config_error> load_settings(const std::string& path, const env_lookup& env);

}  // namespace bot::config
