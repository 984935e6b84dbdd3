#include "config/settings.hpp"

#include "config/sections.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace bot::config {
namespace {

settings read_settings(const toml::table& document, const env_lookup& env)
{
    detail::table_reader root{document, "", detail::place_of(document, "")};
    settings out;
    if (root.has("vendor"))
        out.vendor = root.required_string("vendor");
    if (root.has("database"))
        out.database = root.required_string("database");
    if (root.has("database_synchronous")) {
        auto const mode = root.required_string("database_synchronous");
        if (mode == "full")
            out.database_synchronous = database_durability::full;
        else if (mode != "normal")
            detail::fail(root.where("database_synchronous"),
                         fmt::format("'{}' is not \"normal\" or \"full\"", mode));
    }
    auto program = detail::read_program(root);
    out.rules = std::move(program.rules);
    out.people = detail::read_directory(root, std::move(program.escalation_targets));
    detail::read_services(root, out);
    root.finish();
    detail::apply_environment(out, env);
    return out;
}

}  // namespace

std::string config_error::what() const
{
    std::string out = file;
    if (line > 0)
        out += fmt::format(":{}:{}", line, column);
    if (!key.empty())
        out += fmt::format(": {}", key);
    return fmt::format("{}: {}", out, message);
}

void throw_exception_from_error(const config_error& e, const boost::source_location&)
{
    throw std::runtime_error(e.what());
}

bot::program default_program()
{
    static const date::time_zone* zone = date::locate_zone(std::string{default_time_zone});
    return bot::program::defaults(zone);
}

env_lookup process_env()
{
    // std::getenv is safe to call concurrently as long as nobody calls setenv; we never do.
    return [](std::string_view name) -> std::optional<std::string> {
        if (char const* value = std::getenv(std::string{name}.c_str()))
            return std::string{value};
        return std::nullopt;
    };
}

env_lookup no_env()
{
    return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

settings default_settings()
{
    return settings{};
}

boost::system::result<settings, config_error> parse_settings(std::string_view toml, std::string_view source,
                                                             const env_lookup& env)
{
    std::string const file{source};
    try {
        auto const document = toml::parse(toml, source);
        return read_settings(document, env);
    } catch (const toml::parse_error& e) {
        auto const& at = e.source().begin;
        return config_error{file, static_cast<int>(at.line), static_cast<int>(at.column), {},
                            std::string{e.description()}};
    } catch (const detail::failure& f) {
        return config_error{file, f.where.line, f.where.column, f.where.key, f.message};
    } catch (const std::exception& e) {
        // Out of memory or a missing time-zone database: still an answer, never an escape.
        return config_error{file, 0, 0, {}, e.what()};
    }
}

boost::system::result<settings, config_error> load_settings(const std::string& path, const env_lookup& env)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return config_error{path, 0, 0, {}, "cannot read: is a directory"};
    std::ifstream in{path, std::ios::binary};
    if (!in)
        return config_error{path, 0, 0, {}, fmt::format("cannot read: {}", std::generic_category().message(errno))};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return config_error{path, 0, 0, {}, "cannot read: I/O error"};
    return parse_settings(text.str(), path, env);
}

}  // namespace bot::config
