#include "bot/app/app_setup.hpp"
#include "bot/app/instance_lock.hpp"
#include "bot/app/service.hpp"
#include "bot/app/subcommands.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <cctype>
#include <csignal>
#include <cstdlib>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot serve [--config FILE] [--listen HOST:PORT] [--db PATH]
Runs the bot: the Slack endpoints (POST /slack/commands, /slack/events,
/slack/interactions), GET /healthz, the scheduler and the delivery worker.
--listen and --db override the config file. Secrets and endpoints come from the
environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL.
SIGTERM or SIGINT stop it gracefully. SIGHUP reloads customers, channels, people,
routing, support hours, holidays, targets, the vendor's name, [slack]
signing_secret and bot_user, and Teams webhook tokens from the config file, and
re-times open cases whose deadlines moved; the rest ([server], [scheduler],
[delivery], the database, the bot token, the Teams app's credentials) is read at
start only, and the log warns when it changed. CASEBOT_LOG_LEVEL sets the log level: trace, debug, info
(the default), warn, error, critical or off.)";

// CASEBOT_LOG_LEVEL, in any case. spdlog reads a name it does not know as "off", which
// would silence every error: refuse it instead.
spdlog::level::level_enum log_level(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    static const std::pair<const char*, spdlog::level::level_enum> names[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},  {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},   {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
        {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
    for (auto const& [name, level] : names)
        if (text == name)
            return level;
    throw std::invalid_argument("CASEBOT_LOG_LEVEL must be trace, debug, info, warn, error, critical or off; got '" +
                                text + "'");
}
}  // namespace

int run_serve(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "listen"}, {"help"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    if (!opts.positional.empty())
        throw std::invalid_argument("unexpected '" + opts.positional.front() + "'");
    auto s = load_settings_for(opts);
    if (auto listen = opts.get("listen")) {
        (void)parse_listen(*listen);   // a malformed address is a usage error, before anything starts
        s.server.listen = *listen;
    }
    auto log = spdlog::default_logger()->clone("casebot");
    if (char const* level = std::getenv("CASEBOT_LOG_LEVEL"); level && *level)
        log->set_level(log_level(level));
    if (s.slack.signing_secret.empty())
        log->warn("no Slack signing secret (SLACK_SIGNING_SECRET): every Slack request will be refused. Copy the "
                  "app's Signing Secret (api.slack.com/apps → the app → Basic Information → App Credentials) into "
                  "SLACK_SIGNING_SECRET or [slack] signing_secret and restart");
    if (s.slack.bot_token.empty())
        log->warn("no Slack bot token (SLACK_BOT_TOKEN): messages will wait in the outbox. Install the app "
                  "(api.slack.com/apps → the app → Install App), copy the Bot User OAuth Token (xoxb-…) into "
                  "SLACK_BOT_TOKEN or [slack] bot_token and restart");

    instance_lock const one_server{s.database};
    service bot{s, real_clock(), log};
    // Take the signals before the server answers anything, so an early SIGTERM still
    // stops it gracefully.
    boost::asio::io_context signals_io;
    boost::asio::signal_set signals{signals_io, SIGTERM, SIGINT, SIGHUP};
    bot.start();
    std::function<void()> listen_for_signals = [&] {
        signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec)
                return;
            if (signal == SIGHUP) {
                try {
                    auto reloaded = load_settings_for(opts);
                    if (auto listen = opts.get("listen"))
                        reloaded.server.listen = *listen;   // --listen still overrides the file
                    bot.reload(std::move(reloaded));
                } catch (const std::exception& e) {
                    log->error("reload refused, keeping the running configuration: {}", e.what());
                }
                return listen_for_signals();
            }
            log->info("signal {}: stopping", signal);
            bot.stop();
        });
    };
    listen_for_signals();
    signals_io.run();
    return 0;
}

}  // namespace bot::app
