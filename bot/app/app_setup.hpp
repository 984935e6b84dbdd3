#pragma once
// What every subcommand does first: read the configuration, open the database.
// Failures throw startup_error with a message for the operator.
#include "bot/app/cli_options.hpp"
#include "config/settings.hpp"
#include "store/sqlite_store.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace bot::app {

struct startup_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --config and --db, taken by every subcommand that reads settings.
inline const std::set<std::string> common_valued{"config", "db"};

// The file named by --config (or $CASEBOT_CONFIG), else the built-in defaults; --db overrides the database.
config::settings load_settings_for(const cli_options& opts);

// Why SQLite may have failed to open the database at `path`, when the cause is the
// usual one: " (the directory … does not exist …)", " (… may not write in …)", else "".
std::string directory_hint(const std::string& path);

// Why a database at `path` may have failed to open or be written: " (… is a directory)",
// " (… is not an SQLite database)", " (this process may not write …)", else
// directory_hint(path). SQLite itself only says that it failed.
std::string database_hint(const std::string& path);

// What a subcommand does with the database, and so what it may change of it.
enum class store_use {
    // serve: creates it, and its configuration is the one customers, channels and
    // people are kept from (sync_directory).
    serve,
    // cmd: creates it, and adds the customers of its configuration, which the cases it
    // opens need, without removing any: a running server's may differ.
    commands,
    // outbox, remind: an existing database only, whose directory tables stay as they are.
    existing,
};

// Opens (and migrates) the database for `use`. `clock` stamps messages that belong to
// no case change; it must outlive the store.
std::unique_ptr<store::sqlite_store> open_store(const config::settings& s, store_use use,
                                                const bot::clock& clock = real_clock());

// A clock fixed at one instant (--now, --at): scripts and tests decide the time.
class fixed_clock final : public bot::clock {
public:
    explicit fixed_clock(wall_time at) : at_(at) {}
    wall_time now() const override { return at_; }
    mono_time monotonic() const override { return mono_time{} + (at_ - wall_time{}); }

private:
    wall_time at_;
};

// Parses an RFC 3339 option value or throws std::invalid_argument naming the option.
wall_time instant_option(const cli_options& opts, const std::string& name);

}  // namespace bot::app
