#include "bot/app/app_setup.hpp"
#include "bot/app/demo_script.hpp"
#include "bot/app/service.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/describe.hpp"
#include "bot/time_text.hpp"
#include "webhooks/form.hpp"
#include "webhooks/http_client.hpp"
#include "webhooks/signature.hpp"
#include "webhooks/slack_standin.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <regex>
#include <unistd.h>

namespace bot::app {
namespace json = boost::json;
namespace {
constexpr const char* usage = R"(Usage: casebot demo [--db PATH]
Plays a scripted support day against the real server: casebot serve's HTTP
endpoints on loopback, an SQLite database on disk (a temporary one unless --db is
given), and a local stand-in for Slack's Web API. Each step is what a person does
in Slack, sent as Slack sends it (signed HTTP); the output is the channels as
people would see them. No Slack account is needed.)";

constexpr const char* signing_secret = "demo-signing-secret";
constexpr const char* bot_token = "xoxb-demo";
constexpr const char* bot_user = "U0CASEBOT";

class script_clock final : public bot::clock {
public:
    wall_time now() const override
    {
        std::lock_guard lock{mutex_};
        return now_;
    }
    mono_time monotonic() const override { return mono_time{} + (now() - wall_time{}); }
    void set(wall_time t)
    {
        std::lock_guard lock{mutex_};
        now_ = t;
    }

private:
    mutable std::mutex mutex_;
    wall_time now_{};
};

const std::map<std::string, std::string> channel_names{
    {"C0ACME", "#acme-support"}, {"C0AGENTS", "#support-agents"}, {"C0LEADS", "#support-leads"}};

std::string channel_label(const std::string& id)
{
    auto it = channel_names.find(id);
    return it == channel_names.end() ? id : it->second;
}

// Slack markup back to what people read: <@U…> → @Name, entities unescaped.
std::string readable(std::string text, const directory& people)
{
    static const std::regex user{R"(<@([A-Z0-9]+)(\|[^>]*)?>)"};
    static const std::regex group{R"(<!subteam\^([A-Z0-9]+)[^>]*>)"};
    std::string out;
    auto it = std::sregex_iterator(text.begin(), text.end(), user);
    std::size_t last = 0;
    for (; it != std::sregex_iterator(); ++it) {
        out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
        auto const id = (*it)[1].str();
        auto const* p = people.person_on(platform::slack, id);
        out += "@" + (p ? p->name : id == bot_user ? std::string{"casebot"} : id);
        last = static_cast<std::size_t>(it->position() + it->length());
    }
    out += text.substr(last);
    out = std::regex_replace(out, group, "@agents");
    for (auto [from, to] : {std::pair{"&lt;", "<"}, std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}})
        for (auto p = out.find(from); p != std::string::npos; p = out.find(from, p + 1))
            out.replace(p, std::string_view{from}.size(), to);
    return out;
}

std::string str(const json::value& v, std::string_view key)
{
    if (!v.is_object())
        return {};
    auto const* x = v.get_object().if_contains(key);
    return x && x->is_string() ? std::string{x->get_string()} : std::string{};
}

// Block Kit as a person sees it, in plain text lines.
std::vector<std::string> render_blocks(const json::array& blocks, const directory& people)
{
    std::vector<std::string> lines;
    for (auto const& b : blocks) {
        auto const type = str(b, "type");
        auto const& o = b.get_object();
        if (type == "header") {
            lines.push_back("▌" + str(o.at("text"), "text"));
        } else if (type == "section") {
            if (auto const* t = o.if_contains("text"))
                lines.push_back(readable(str(*t, "text"), people));
            if (auto const* f = o.if_contains("fields"); f && f->is_array()) {
                for (auto const& field : f->get_array()) {
                    auto text = readable(str(field, "text"), people);
                    if (auto nl = text.find('\n'); nl != std::string::npos && text.starts_with("*"))
                        text = text.substr(1, nl - 2) + ": " + text.substr(nl + 1);
                    lines.push_back(text);
                }
            }
        } else if (type == "context") {
            for (auto const& e : o.at("elements").as_array())
                lines.push_back("(" + readable(str(e, "text"), people) + ")");
        } else if (type == "actions") {
            std::string buttons;
            for (auto const& e : o.at("elements").as_array()) {
                auto const label = str(e, "type") == "button" ? str(e.at("text"), "text")
                                                              : str(e.at("placeholder"), "text") + " ▾";
                buttons += (buttons.empty() ? "" : " ") + ("[" + label + "]");
            }
            lines.push_back(buttons);
        }
    }
    return lines;
}

void print_lines(std::string_view lead, const std::vector<std::string>& lines)
{
    for (auto const& line : lines) {
        std::string_view rest = line;
        while (!rest.empty()) {
            auto const nl = rest.find('\n');
            fmt::print("{}{}\n", lead, rest.substr(0, nl));
            if (nl == std::string_view::npos)
                break;
            rest.remove_prefix(nl + 1);
        }
    }
}

struct demo_run {
    script_clock clock;
    webhooks::slack_standin slack{bot_token};
    config::settings settings;
    std::unique_ptr<service> bot;
    webhooks::http_client client;
    std::map<std::string, int> seen_revisions;   // ts → revisions printed
    std::map<std::string, std::vector<std::string>> shown;   // ts → lines printed last
    std::map<std::string, std::string> thread_names;  // root ts → "#1"
    int ts_counter = 0;

    std::string url(std::string_view path) const
    {
        return fmt::format("http://127.0.0.1:{}{}", bot->endpoint().port(), path);
    }

    webhooks::http_result signed_post(std::string_view path, std::string_view type, const std::string& body)
    {
        auto const ts = std::to_string(clock.now().time_since_epoch().count());
        return client.post(url(path), type, body,
                           {{"X-Slack-Request-Timestamp", ts},
                            {"X-Slack-Signature", webhooks::slack_signature(signing_secret, ts, body)}});
    }

    std::string next_ts()
    {
        return fmt::format("{}.{:06}", clock.now().time_since_epoch().count(), ++ts_counter);
    }

    const case_record* case_of(int n, std::optional<case_record>& keep)
    {
        auto found = bot->store().find(n);
        if (!found || !*found)
            throw std::logic_error(fmt::format("the demo script refers to #{} before it exists", n));
        keep = std::move(*found);
        return &*keep;
    }

    // What the channels show now that they did not before.
    void show_channels()
    {
        bot->deliver_now();
        auto const& people = settings.people;
        for (auto const& m : slack.messages()) {
            auto const seen = seen_revisions.find(m.ts);
            if (m.kind == "response_url" || m.kind == "seeded")
                continue;
            bool const fresh = seen == seen_revisions.end();
            if (!fresh && seen->second == m.revisions)
                continue;
            seen_revisions[m.ts] = m.revisions;
            std::string where = channel_label(m.channel);
            if (!m.thread_ts.empty()) {
                auto const name = thread_names.contains(m.thread_ts) ? thread_names[m.thread_ts] : "a message";
                where += " ↳ thread of " + name;
            }
            if (m.kind == "ephemeral") {
                auto const* p = people.person_on(platform::slack, m.user);
                where += fmt::format(" (only {} sees this)", p ? p->name : m.user);
            }
            auto lines = m.blocks.empty() ? std::vector<std::string>{readable(m.text, people)}
                                          : render_blocks(m.blocks, people);
            if (fresh) {
                fmt::print("    {}  casebot:\n", where);
                print_lines("      ", lines);
            } else {
                // An edited card: what changed on it.
                std::vector<std::string> changed;
                auto const& before = shown[m.ts];
                for (auto const& line : lines)
                    if (std::find(before.begin(), before.end(), line) == before.end())
                        changed.push_back(line);
                fmt::print("    {}  casebot updates the card of {}:\n", where,
                           thread_names.contains(m.thread_ts) ? thread_names[m.thread_ts] : "the case");
                print_lines("      ~ ", changed);
            }
            shown[m.ts] = std::move(lines);
        }
    }

    void step(const demo_step& s)
    {
        auto const& people = settings.people;
        auto const* person = people.find_person(s.who);
        if (s.what != demo_step::kind::tick && !person)
            throw std::logic_error("the demo script names an unknown person: " + s.who);
        auto const team = person && person->who == role::customer ? "T0ACME" : "T0VENDOR";
        std::optional<case_record> keep;
        switch (s.what) {
        case demo_step::kind::tick:
            fmt::print("    [scheduler] alarms recorded for {} case(s)\n", bot->run_scheduler_now());
            break;
        case demo_step::kind::post: {
            auto const ts = next_ts();
            json::object e{{"type", "message"}, {"user", person->slack_user}, {"user_team", team},
                           {"channel", s.channel}, {"text", s.text}, {"ts", ts}, {"channel_type", "channel"}};
            std::string where = channel_label(s.channel);
            if (s.on_case) {
                auto const* c = case_of(s.on_case, keep);
                e["thread_ts"] = c->origin.thread;
                where += " ↳ thread of " + case_tag(c->id);
            } else {
                // A top-level message may open a case: its thread will be the case's.
                thread_names[ts] = fmt::format("#{}", ++last_case_guess);
            }
            fmt::print("    {}  {}: {}\n", where, person->name, readable(s.text, people));
            json::object envelope{{"type", "event_callback"}, {"team_id", "T0VENDOR"}, {"event", e},
                                  {"event_id", fmt::format("Ev{:04}", ts_counter)}};
            auto const r = signed_post("/slack/events", "application/json", json::serialize(envelope));
            if (r.status != 200)
                throw std::runtime_error(fmt::format("the server answered {} to an event", r.status));
            break;
        }
        case demo_step::kind::slash: {
            fmt::print("    {}  {}: /case {}\n", channel_label(s.channel), person->name, s.text);
            auto const body = fmt::format("team_id={}&channel_id={}&user_id={}&command=%2Fcase&text={}&response_url={}"
                                          "&trigger_id=demo",
                                          team, s.channel, person->slack_user, webhooks::form_encode(s.text),
                                          webhooks::form_encode(slack.response_url("demo")));
            auto const r = signed_post("/slack/commands", "application/x-www-form-urlencoded", body);
            print_reply(r, person->name);
            break;
        }
        case demo_step::kind::press: {
            auto const* c = case_of(s.on_case, keep);
            fmt::print("    {}  {} presses [{}] on the card of {}\n", channel_label(s.channel), person->name,
                       s.text == "case_claim" ? "Claim" : s.text, case_tag(c->id));
            json::object payload{
                {"type", "block_actions"},
                {"user", json::object{{"id", person->slack_user}, {"team_id", team}}},
                {"container", json::object{{"type", "message"},
                                           {"message_ts", c->card_ref},
                                           {"thread_ts", c->card_ref == c->origin.thread ? "" : c->origin.thread},
                                           {"channel_id", s.channel}}},
                {"trigger_id", "demo"},
                {"actions", json::array{json::object{{"action_id", s.text}, {"value", std::to_string(c->id)},
                                                     {"type", "button"}}}}};
            auto const r = signed_post("/slack/interactions", "application/x-www-form-urlencoded",
                                       "payload=" + webhooks::form_encode(json::serialize(payload)));
            if (r.status != 200)
                throw std::runtime_error(fmt::format("the server answered {} to a button", r.status));
            break;
        }
        case demo_step::kind::react: {
            auto const* c = case_of(s.on_case, keep);
            fmt::print("    {}  {} reacts :{}: to {}\n", channel_label(s.channel), person->name, s.text,
                       case_tag(c->id));
            json::object e{{"type", "reaction_added"}, {"user", person->slack_user}, {"reaction", s.text},
                           {"item", json::object{{"type", "message"}, {"channel", s.channel}, {"ts", c->origin.thread}}}};
            json::object envelope{{"type", "event_callback"}, {"team_id", "T0VENDOR"}, {"event", e},
                                  {"event_id", fmt::format("Ev{:04}", ++ts_counter)}};
            auto const r = signed_post("/slack/events", "application/json", json::serialize(envelope));
            if (r.status != 200)
                throw std::runtime_error(fmt::format("the server answered {} to a reaction", r.status));
            break;
        }
        }
        show_channels();
    }

    void print_reply(const webhooks::http_result& r, const std::string& name)
    {
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        if (r.status != 200 || ec || !v.is_object())
            throw std::runtime_error(fmt::format("the server answered {}: {}", r.status, r.body));
        fmt::print("    (only {} sees this)  casebot:\n", name);
        auto const* blocks = v.get_object().if_contains("blocks");
        if (blocks && blocks->is_array())
            print_lines("      ", render_blocks(blocks->get_array(), settings.people));
    }

    int last_case_guess = 0;
};
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

    std::filesystem::path temp;
    demo_run run;
    run.settings = std::move(*parsed);
    if (auto db = opts.get("db")) {
        run.settings.database = *db;
    } else {
        auto pattern = (std::filesystem::temp_directory_path() / "casebot-demo-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw startup_error("cannot make a temporary directory for the demo's database");
        temp = pattern;
        run.settings.database = (temp / "demo.db").string();
    }
    // Slack's ts follow the script's clock, as a real workspace's follow real time.
    run.slack.use_clock([&run] { return run.clock.now(); });
    run.slack.start();
    run.settings.server.listen = "127.0.0.1:0";
    run.settings.slack.signing_secret = signing_secret;
    run.settings.slack.bot_token = bot_token;
    run.settings.slack.bot_user = bot_user;
    run.settings.slack.api_url = run.slack.base_url();
    run.settings.delivery.parallel_channels = 1;   // the day prints in the order it was posted
    auto const quiet = std::make_shared<spdlog::logger>("demo", std::make_shared<spdlog::sinks::null_sink_mt>());
    service_options options;
    options.scheduler_on_tick = false;
    options.channel_burst = 1000;
    run.clock.set(*parse_rfc3339(demo_script().front().at));
    run.bot = std::make_unique<service>(run.settings, run.clock, quiet, options);
    run.bot->start();

    auto const& cal = run.settings.rules.support_hours();
    fmt::print("casebot demo: the {} Support Program ({}).\n", run.settings.vendor, hours_text(cal));
    fmt::print("The real server listens on {}; Slack's Web API is a local stand-in on {}; cases are stored in {}.\n",
               run.url("/"), run.slack.base_url(), run.settings.database);
    std::string day;
    for (auto const& step : demo_script()) {
        auto const at = parse_rfc3339(step.at);
        if (!at)
            throw std::logic_error("demo script has a bad instant: " + step.at);
        run.clock.set(*at);
        auto const local = cal.local_text(*at);
        if (auto const today = local.substr(0, local.size() - 10); today != day) {
            day = today;
            fmt::print("\n══ {} ══\n", day);
        }
        fmt::print("\n{}  {}\n", local.substr(local.size() - 9), step.note);
        run.step(step);
    }
    run.bot->stop();
    run.slack.stop();
    if (temp.empty())
        fmt::print("\nThe day's record stays in {}: from the repository's root, try `casebot cmd --config "
                   "config/demo.toml --db {} --as ana --channel C0ACME \"show 1\"`.\n",
                   run.settings.database, run.settings.database);
    else
        fmt::print("\nThe database was temporary; `casebot demo --db demo.db` keeps it.\n");
    if (!temp.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(temp, ignored);
    }
    return 0;
}

}  // namespace bot::app
