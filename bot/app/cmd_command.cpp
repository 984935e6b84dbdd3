#include "bot/app/app_setup.hpp"
#include "bot/app/render_text.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/utf8.hpp"
#include "commands/dispatcher.hpp"

#include <fmt/format.h>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot cmd --as USER --channel CHANNEL [--now RFC3339] [--config FILE] [--db PATH] "<command>"
Runs one command of the command language as USER in CHANNEL, as if typed there.
  USER      a person id from the configuration (ana), or a platform user id (U0123)
            who then speaks for the customer whose channel CHANNEL is
  CHANNEL   a channel id from the configuration (C0ACME, 19:…@thread.tacv2)
  --now     run as if at that instant, not in the future (scripts, tests); default: the real time
Exit status: 0 done, 1 refused or failed, 2 misused. `casebot cmd --as ana --channel C0ACME help` lists the commands.)";

// Where a channel id lives: a customer's channel, or one of the team's own.
platform platform_of(const directory& people, const std::string& channel)
{
    if (auto const* link = people.any_channel(channel))
        return link->where;
    auto const& r = people.routes();
    for (auto const* list : {&r.agents_channels, &r.leads_channels, &r.escalation})
        for (auto const& d : *list)
            if (d.channel == channel)
                return d.where;
    return platform::cli;
}

actor resolve_actor(const directory& people, const std::string& user, platform where, const std::string& channel)
{
    if (auto const* p = people.find_person(user)) {
        auto a = *people.as_person(user);
        a.where = where;
        a.platform_user = where == platform::slack ? p->slack_user : where == platform::teams ? p->teams_user : p->id;
        return a;
    }
    if (auto a = people.identify(where, user, "", channel))
        return *a;
    throw std::invalid_argument("'" + user + "' is not a configured person and '" + channel +
                                "' is not a customer's channel, so I can't tell who they are");
}
}  // namespace

int run_cmd(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "as", "channel", "now"}, {"help"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    auto const user = opts.get("as");
    auto const channel = opts.get("channel");
    if (!user || !channel || opts.positional.size() != 1)
        throw std::invalid_argument("cmd needs --as USER, --channel CHANNEL and one quoted command");
    if (!valid_utf8(opts.positional.front()))
        throw std::invalid_argument("the command is not UTF-8 text (is the terminal set to another encoding?)");

    auto const s = load_settings_for(opts);
    std::optional<fixed_clock> fixed;
    if (opts.get("now")) {
        auto const at = instant_option(opts, "now");
        // A change dated later than it is made would run the case's clocks ahead of the
        // server's and stand in its history before changes made meanwhile.
        if (at > real_clock().now() + std::chrono::minutes{1})
            throw std::invalid_argument("--now is in the future: a change is recorded when it is made");
        fixed.emplace(at);
    }
    const bot::clock& clock = fixed ? static_cast<const bot::clock&>(*fixed) : real_clock();
    auto store = open_store(s, store_use::commands, clock);

    commands::invocation in;
    in.where = platform_of(s.people, *channel);
    in.channel = *channel;
    in.who = resolve_actor(s.people, *user, in.where, *channel);
    in.scope_customer = s.people.answers_shown_to(in.where, *channel);   // as the server would

    auto const before = store->recent_outbox(1);
    if (!before)
        throw startup_error("cannot read the outbox: " + before.error().message());
    auto const last_id = before->empty() ? 0 : before->front().message.id;

    commands::context ctx{*store, clock, s.rules, s.people, s.vendor};
    auto const out = commands::register_all().run(opts.positional.front(), in, ctx);
    auto const r = out ? *out : commands::apology(out.error());
    fmt::print("{}\n", render_reply(r));

    if (auto queued = store->recent_outbox(100); queued) {
        for (auto it = queued->rbegin(); it != queued->rend(); ++it)
            if (it->message.id > last_id)
                fmt::print("→ queued for {}: {}\n", render_destination(it->message.to, it->message.case_ref),
                           render_message_text(it->message));
    }
    return r.kind == commands::reply_kind::ok || r.kind == commands::reply_kind::info ? 0 : 1;
}

}  // namespace bot::app
