#include "bot/app/app_setup.hpp"
#include "bot/app/render_text.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/scheduler.hpp"
#include "bot/time_text.hpp"

#include <fmt/format.h>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot remind --at RFC3339 [--config FILE] [--db PATH]
Runs one scheduler pass as of that instant: records every reminder, breach and ping
due by then and enqueues their messages (printed here). Running it again at the same
instant enqueues nothing. RFC3339 may not be in the future.)";
}

int run_remind(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "at"}, {"help"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    if (!opts.positional.empty())
        throw std::invalid_argument("unexpected '" + opts.positional.front() + "'");
    auto const at = instant_option(opts, "at");
    // Its messages are due at `at`: from a later instant they would wait until then, and
    // hold back every message queued behind them in their channels.
    if (at > real_clock().now() + std::chrono::minutes{1})
        throw std::invalid_argument("--at is in the future: what it enqueued would not be sent before then, "
                                    "and would hold back its channels' other messages");
    auto const s = load_settings_for(opts);
    auto store = open_store(s, store_use::existing);
    auto const report = run_scheduler_pass(*store, s.rules, s.people, at, {s.scheduler.batch, s.vendor, true});
    if (!report)
        throw startup_error("the scheduler pass failed: " + report.error().message());
    fmt::print("scheduler pass at {}: {} case{}, {} message{} enqueued\n", format_utc(at), report->cases,
               report->cases == 1 ? "" : "s", report->enqueued.size(), report->enqueued.size() == 1 ? "" : "s");
    for (auto const& m : report->enqueued)
        fmt::print("  {} → {}: {}\n", m.kind, render_destination(m.to, m.case_ref), render_message_text(m));
    return 0;
}

}  // namespace bot::app
