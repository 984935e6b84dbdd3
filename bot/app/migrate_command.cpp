#include "bot/app/app_setup.hpp"
#include "bot/app/subcommands.hpp"

#include <fmt/format.h>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot migrate [--config FILE] [--db PATH]
Creates the database or brings its schema up to date. Safe to run again.)";
}

int run_migrate(const args& a)
{
    auto const opts = parse_cli(a, {common_valued, {"help"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    if (!opts.positional.empty())
        throw std::invalid_argument("migrate takes no arguments");
    auto const s = load_settings_for(opts);
    auto const version = store::sqlite_store::migrate(s.database);
    if (!version)
        throw startup_error("cannot migrate " + s.database + ": " + version.error().message() +
                            database_hint(s.database));
    fmt::print("{}: schema version {}\n", s.database, *version);
    return 0;
}

}  // namespace bot::app
