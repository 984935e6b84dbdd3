#include "bot/app/app_setup.hpp"

#include "bot/time_text.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace bot::app {

config::settings load_settings_for(const cli_options& opts)
{
    auto path = opts.get("config");
    if (!path)
        if (char const* env = std::getenv("CASEBOT_CONFIG"); env && *env)
            path = env;
    config::settings s;
    if (path) {
        auto loaded = config::load_settings(*path, config::process_env());
        if (!loaded)
            throw startup_error(loaded.error().what());
        s = std::move(*loaded);
    } else {
        auto defaults = config::parse_settings("", "(built-in defaults)", config::process_env());
        if (!defaults)
            throw startup_error(defaults.error().what());
        s = std::move(*defaults);
    }
    if (auto db = opts.get("db")) {
        // An empty --db ("$DB" unset) would be an anonymous database, gone at exit.
        if (db->empty())
            throw std::invalid_argument("--db must not be empty");
        s.database = *db;
    }
    return s;
}

std::string directory_hint(const std::string& path)
{
    namespace fs = std::filesystem;
    auto dir = fs::path{path}.parent_path();
    if (dir.empty())
        dir = ".";
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return " (the directory " + dir.string() + " does not exist: create it first)";
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return " (this process may not write in " + dir.string() + ")";
    return "";
}

std::string database_hint(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    auto const kind = fs::status(path, ec).type();
    if (kind == fs::file_type::not_found || kind == fs::file_type::none)
        return directory_hint(path);
    if (kind == fs::file_type::directory)
        return " (" + path + " is a directory: name a file in it)";
    if (kind != fs::file_type::regular)
        return " (" + path + " is not a regular file)";
    if (std::ifstream in{path, std::ios::binary}) {
        char head[16] = {};
        in.read(head, sizeof head);
        // An empty file is a new database to SQLite; anything else starts with this.
        if (in.gcount() > 0 && std::string_view{head, static_cast<std::size_t>(in.gcount())} !=
                                   std::string_view{"SQLite format 3\0", 16})
            return " (" + path + " is not an SQLite database)";
    }
    if (::access(path.c_str(), W_OK) != 0)
        return " (this process may not write " + path + ")";
    return directory_hint(path);
}

std::unique_ptr<store::sqlite_store> open_store(const config::settings& s, store_use use, const bot::clock& clock)
{
    if (use == store_use::existing && s.database != ":memory:") {
        std::error_code ec;
        // A path that cannot be looked at (a directory this user may not enter) is left to
        // the open below, whose failure says why.
        if (!std::filesystem::exists(s.database, ec) && !ec)
            throw startup_error("no database at " + s.database +
                                ": `casebot serve` or `casebot migrate` creates it (is --db, or `database` in "
                                "the configuration, the one the server uses?)");
    }
    auto const sync = s.database_synchronous == config::database_durability::full ? store::durability::full
                                                                                   : store::durability::normal;
    auto opened = store::sqlite_store::open(s.database, clock, sync);
    if (!opened)
        throw startup_error("cannot open database " + s.database + ": " + opened.error().message() +
                            database_hint(s.database));
    result<void> written;
    if (use == store_use::serve)
        written = (*opened)->sync_directory(s.people);
    else if (use == store_use::commands)
        written = (*opened)->add_customers(s.people);
    if (!written)
        throw startup_error("cannot write the configured customers into " + s.database + ": " +
                            written.error().message() + database_hint(s.database));
    return std::move(*opened);
}

wall_time instant_option(const cli_options& opts, const std::string& name)
{
    auto const text = opts.get(name);
    if (!text)
        throw std::invalid_argument("--" + name + " is required");
    auto const t = parse_rfc3339(*text);
    if (!t)
        throw std::invalid_argument("--" + name + " must be an RFC 3339 instant with an offset, like "
                                    "2026-03-06T17:30:00-05:00; got '" + *text + "'");
    return *t;
}

}  // namespace bot::app
