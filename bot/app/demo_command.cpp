#include "bot/app/app_setup.hpp"
#include "bot/app/demo_script.hpp"
#include "bot/app/render_text.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/describe.hpp"
#include "bot/scheduler.hpp"
#include "bot/time_text.hpp"
#include "commands/dispatcher.hpp"

#include <fmt/format.h>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot demo [--db PATH]
Plays a scripted support day through the command layer on an embedded SQLite
database (in memory unless --db is given), with the clock set by the script, and
prints the conversation and the reminders and breach pings it causes.)";

class script_clock final : public bot::clock {
public:
    wall_time now() const override { return now_; }
    mono_time monotonic() const override { return mono_time{} + (now_ - wall_time{}); }
    void set(wall_time t) { now_ = t; }

private:
    wall_time now_{};
};

// Delivers what is due in the outbox by printing it, as the chat platform would show it.
void deliver(store::sqlite_store& store, wall_time now)
{
    auto const due = store.pending(now, 1000);
    if (!due)
        throw startup_error("cannot read the outbox: " + due.error().message());
    for (auto const& e : *due) {
        auto const& m = e.message;
        auto text = render_message_text(m);
        std::string indented;
        for (char ch : text)
            indented += ch == '\n' ? std::string{"\n      "} : std::string(1, ch);
        fmt::print("    casebot → {}:\n      {}\n", render_destination(m.to, m.case_ref), indented);
        if (auto ok = store.delivered(m.id, now, fmt::format("demo.{}", m.id)); !ok)
            throw startup_error("cannot mark a message delivered: " + ok.error().message());
    }
}

std::string indent(const std::string& text)
{
    std::string out = "      ";
    for (char ch : text)
        out += ch == '\n' ? std::string{"\n      "} : std::string(1, ch);
    return out;
}
}  // namespace

int run_demo(const args& a)
{
    auto const opts = parse_cli(a, {{"db"}, {"help"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    auto parsed = config::parse_settings(demo_config_toml, "demo.toml (built in)", config::no_env());
    if (!parsed)
        throw startup_error(parsed.error().what());
    auto s = std::move(*parsed);
    s.database = opts.get("db").value_or(":memory:");
    auto store = open_store(s);
    script_clock clock;
    commands::context ctx{*store, clock, s.rules, s.people, s.vendor};
    auto const dispatch = commands::register_all();
    auto const& cal = s.rules.support_hours();

    fmt::print("casebot demo: the {} Support Program ({}), played on {}\n", s.vendor, hours_text(cal),
               s.database == ":memory:" ? "an in-memory database" : s.database);
    std::string day;
    for (auto const& step : demo_script()) {
        auto const at = parse_rfc3339(step.at);
        if (!at)
            throw std::logic_error("demo script has a bad instant: " + step.at);
        clock.set(*at);
        auto const local = cal.local_text(*at);
        if (auto const today = local.substr(0, local.size() - 10); today != day) {
            day = today;
            fmt::print("\n══ {} ══\n", day);
        }
        fmt::print("\n{}  {}\n", local.substr(local.size() - 9), step.note);
        if (step.what == demo_step::kind::tick) {
            auto const report = run_scheduler_pass(*store, s.rules, s.people, *at, {s.scheduler.batch, s.vendor, false});
            if (!report)
                throw startup_error("the scheduler pass failed: " + report.error().message());
            fmt::print("    [scheduler] {} case{} with alarms due\n", report->cases, report->cases == 1 ? "" : "s");
        } else {
            auto const* person = s.people.find_person(step.who);
            if (!person)
                throw std::logic_error("demo script names an unknown person: " + step.who);
            commands::invocation in;
            in.channel = step.channel;
            auto const* link = s.people.any_channel(step.channel);
            in.where = link ? link->where : platform::slack;
            in.who = *s.people.as_person(step.who);
            in.who.where = in.where;
            fmt::print("    [{} {}] {}: /case {}\n", to_string(in.where), step.channel, person->name, step.text);
            auto const out = dispatch.run(step.text, in, ctx);
            auto const r = out ? *out : commands::apology(out.error());
            fmt::print("    casebot (only {} sees this):\n{}\n", person->name, indent(render_reply(r)));
        }
        deliver(*store, *at);
    }
    return 0;
}

}  // namespace bot::app
