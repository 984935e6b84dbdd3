// casebot: a chat-ops support desk that keeps the Support Program's clocks.
// This file only routes to the subcommands; each lives in its own file.
#include "bot/app/subcommands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <map>
#include <stdexcept>

namespace {
constexpr const char* usage = R"(Usage: casebot <command> [options]   (casebot <command> --help for each)

  serve     run the bot: Slack endpoints, scheduler, delivery of messages
  demo      play a scripted support day on an embedded database and print it
  migrate   create or upgrade the database
  cmd       run one command of the command language as a user in a channel
  sla       what-if: when is a case opened at an instant due?
  remind    run one scheduler pass as of an instant
  outbox    list messages waiting to be delivered

Every command takes --config FILE (TOML; default: the built-in Support Program,
or $CASEBOT_CONFIG) and --db PATH (overrides the configured database).)";
}  // namespace

int main(int argc, char** argv)
{
    using bot::app::args;
    const std::map<std::string, int (*)(const args&)> subcommands{
        {"demo", &bot::app::run_demo},       {"migrate", &bot::app::run_migrate}, {"cmd", &bot::app::run_cmd},
        {"sla", &bot::app::run_sla},         {"remind", &bot::app::run_remind},   {"outbox", &bot::app::run_outbox},
        {"serve", &bot::app::run_serve},
    };
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
    if (argc < 2 || std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "help") {
        fmt::print("{}\n", usage);
        return argc < 2 ? 2 : 0;
    }
    auto const found = subcommands.find(argv[1]);
    if (found == subcommands.end()) {
        fmt::print(stderr, "casebot: unknown command '{}'\n{}\n", argv[1], usage);
        return 2;
    }
    args rest(argv + 2, argv + argc);
    try {
        return found->second(rest);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "casebot {}: {}\n(see casebot {} --help)\n", argv[1], e.what(), argv[1]);
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "casebot {}: {}\n", argv[1], e.what());
        return 1;
    }
}
