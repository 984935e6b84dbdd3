#include "bot/app/app_setup.hpp"
#include "bot/app/render_text.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/time_text.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot outbox [--all] [--limit N] [--config FILE] [--db PATH]
Lists messages waiting to be delivered (with --all: also delivered and failed ones, newest first).)";

std::string_view state_name(delivery_state s)
{
    switch (s) {
    case delivery_state::pending: return "pending";
    case delivery_state::delivered: return "delivered";
    case delivery_state::failed: return "failed";
    }
    return "?";
}
}  // namespace

int run_outbox(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "limit"}, {"help", "all"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    std::size_t limit = 100;
    if (auto text = opts.get("limit")) {
        auto const [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc{} || end != text->data() + text->size() || limit == 0)
            throw std::invalid_argument("--limit must be a positive whole number");
    }
    auto const s = load_settings_for(opts);
    auto store = open_store(s, store_use::existing);
    auto const entries = opts.has("all") ? store->recent_outbox(limit)
                                         : store->pending(wall_time::max(), limit);
    if (!entries)
        throw startup_error("cannot read the outbox: " + entries.error().message());
    if (entries->empty())
        fmt::print("{}\n", opts.has("all") ? "The outbox is empty." : "No messages waiting.");
    for (auto const& e : *entries) {
        fmt::print("#{} {} {} {} → {}: {}\n", e.message.id, state_name(e.state), format_utc(e.created_at),
                   e.message.kind, render_destination(e.message.to, e.message.case_ref),
                   render_message_text(e.message));
        if (e.attempts > 0)
            fmt::print("    {} attempt{}, next {}{}\n", e.attempts, e.attempts == 1 ? "" : "s",
                       format_utc(e.next_attempt_at), e.last_error.empty() ? "" : ": " + for_terminal(e.last_error));
        if (e.in_doubt_since)
            fmt::print("    in doubt: the attempt at {} got no clear answer, so it may have arrived\n",
                       format_utc(*e.in_doubt_since));
    }
    return 0;
}

}  // namespace bot::app
