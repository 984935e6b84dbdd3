#include "bot/app/app_setup.hpp"
#include "bot/app/render_text.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/time_text.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot outbox [--all] [--limit N] [--config FILE] [--db PATH]
       casebot outbox --retry ID|failed [--config FILE] [--db PATH]
Lists messages waiting to be delivered, then those the platform refused (failed),
with the last error; with --all, the latest messages in any state, newest first.
--retry sends a failed message again (or every failed one), once what refused it is
fixed: the bot invited to the channel, the channel unarchived. A running
`casebot serve` picks it up within a second.)";

std::string_view state_name(delivery_state s)
{
    switch (s) {
    case delivery_state::pending: return "pending";
    case delivery_state::delivered: return "delivered";
    case delivery_state::failed: return "failed";
    }
    return "?";
}
void print_entry(const outbox_entry& e)
{
    fmt::print("#{} {} {} {} → {}: {}\n", e.message.id, state_name(e.state), format_utc(e.created_at), e.message.kind,
               render_destination(e.message.to, e.message.case_ref), render_message_text(e.message));
    // A message only rate-limited so far has no counted attempt, but waits and says why.
    if (e.attempts > 0 || !e.last_error.empty())
        fmt::print("    {} attempt{}{}{}\n", e.attempts, e.attempts == 1 ? "" : "s",
                   e.state == delivery_state::pending ? ", next " + format_utc(e.next_attempt_at) : std::string{},
                   e.last_error.empty() ? "" : ": " + for_terminal(e.last_error));
    if (e.in_doubt_since)
        fmt::print("    in doubt: the attempt at {} got no clear answer, so it may have arrived\n",
                   format_utc(*e.in_doubt_since));
}

int retry_failed(store::sqlite_store& store, const std::string& which)
{
    std::optional<std::int64_t> id;
    if (which != "failed") {
        std::int64_t value = 0;
        auto const text = std::string_view{which}.substr(which.starts_with('#') ? 1 : 0);
        auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size() || value <= 0)
            throw std::invalid_argument("--retry wants a message number (as `casebot outbox` shows it) or 'failed'");
        id = value;
    }
    auto const requeued = store.requeue_failed(id, real_clock().now());
    if (!requeued)
        throw startup_error("cannot change the outbox: " + requeued.error().message());
    if (*requeued == 0) {
        fmt::print("{}\n", id ? fmt::format("#{} is not a failed message.", *id) : "No failed messages.");
        return 1;
    }
    fmt::print("{} message{} will be sent again.\n", *requeued, *requeued == 1 ? "" : "s");
    return 0;
}
}  // namespace

int run_outbox(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "limit", "retry"}, {"help", "all"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    if (auto which = opts.get("retry")) {
        if (opts.has("all") || opts.get("limit"))
            throw std::invalid_argument("--retry goes alone, without --all or --limit");
        auto const s = load_settings_for(opts);
        auto store = open_store(s, store_use::existing);
        return retry_failed(*store, *which);
    }
    std::size_t limit = 100;
    if (auto text = opts.get("limit")) {
        auto const [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc{} || end != text->data() + text->size() || limit == 0)
            throw std::invalid_argument("--limit must be a positive whole number");
    }
    auto const s = load_settings_for(opts);
    auto store = open_store(s, store_use::existing);
    auto const read_or_fail = [](auto entries) {
        if (!entries)
            throw startup_error("cannot read the outbox: " + entries.error().message());
        return std::move(*entries);
    };
    if (opts.has("all")) {
        auto const entries = read_or_fail(store->recent_outbox(limit));
        if (entries.empty())
            fmt::print("The outbox is empty.\n");
        for (auto const& e : entries)
            print_entry(e);
        return 0;
    }
    auto const waiting = read_or_fail(store->pending(wall_time::max(), limit));
    auto const failed = read_or_fail(store->failed_outbox(limit));
    if (waiting.empty())
        fmt::print("No messages waiting.\n");
    for (auto const& e : waiting)
        print_entry(e);
    if (!failed.empty()) {
        fmt::print("\nRefused by the platform (not sent; `casebot outbox --retry ID` or `--retry failed` sends "
                   "again once that is fixed), newest first:\n");
        for (auto const& e : failed)
            print_entry(e);
    }
    return 0;
}

}  // namespace bot::app
