#include "slack_world.hpp"

#include "bot/app/demo_script.hpp"
#include "webhooks/form.hpp"
#include "webhooks/signature.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <unistd.h>

namespace bot::test {
namespace json = boost::json;

temp_folder::temp_folder()
{
    auto pattern = (std::filesystem::temp_directory_path() / "casebot-slack-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
}

temp_folder::~temp_folder()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

slack_world::slack_world(std::string_view now) : clock(utc(now))
{
    // Slack's ts follow the test's clock, as a real workspace's follow real time.
    slack.use_clock([this] { return clock.now(); });
    slack.start();
    teams.start();
    auto parsed = config::parse_settings(bot::app::demo_config_toml, "demo.toml", config::no_env());
    REQUIRE(parsed.has_value());
    settings = std::move(*parsed);
    settings.database = folder.file("cases.db");
    settings.server.listen = "127.0.0.1:0";
    settings.slack.signing_secret = signing_secret;
    settings.slack.bot_token = bot_token;
    settings.slack.bot_user = "U0CASEBOT";
    settings.slack.api_url = slack.base_url();
    settings.delivery.first_retry = std::chrono::seconds{1};
    // One channel after another: the stand-ins' fail_next() and lose_answer_next() hit
    // the next call to a method, which must be the message a test means, whatever its
    // channel. Channels sent in parallel are tested in worker_delivery_test.cpp.
    settings.delivery.parallel_channels = 1;
    settings.teams.app_id = teams_app_id;
    settings.teams.app_password = teams_app_password;
    settings.teams.webhook_secret = teams_webhook_token;
    settings.teams.openid_metadata_url = teams.openid_metadata_url();
    settings.teams.token_url = teams.token_url();
    // Globex's Teams channel posts through a Workflows URL until the bot has been there.
    auto channels = settings.people.channels();
    for (auto& c : channels)
        if (c.where == platform::teams)
            c.workflows_url = teams.workflows_url("globex");
    auto const& p = settings.people;
    settings.people = directory{p.customers(), p.people(), channels, p.routes(), p.team()};
    start_bot();
}

slack_world::~slack_world()
{
    stop_bot();
    slack.stop();
    teams.stop();
}

json::object slack_world::teams_activity(const std::string& user, const std::string& name, const std::string& channel,
                                         const std::string& text, const std::string& root)
{
    auto const id = std::to_string(1773000000000 + ++teams_ids);
    auto const thread = root.empty() ? id : root;
    return json::object{
        {"type", "message"},
        {"id", id},
        {"timestamp", "2026-03-09T14:00:00.000Z"},
        {"serviceUrl", teams.service_url()},
        {"channelId", "msteams"},
        {"from", json::object{{"id", user}, {"name", name}}},
        {"conversation", json::object{{"isGroup", true}, {"id", channel + ";messageid=" + thread}}},
        {"text", "<at>casebot</at> " + text},
        {"channelData", json::object{{"channel", json::object{{"id", channel}}},
                                     {"team", json::object{{"id", "19:team@thread.tacv2"}}},
                                     {"tenant", json::object{{"id", "tenant-globex"}}}}}};
}

webhooks::http_result slack_world::teams_webhook(const json::object& activity)
{
    auto const body = json::serialize(activity);
    return post("/teams/webhook", "application/json", body,
                {{"Authorization", webhooks::teams_signature(teams_webhook_token, body)}});
}

webhooks::http_result slack_world::teams_message(const json::object& activity,
                                                 const std::function<void(json::object&)>& edit)
{
    auto const now = clock.now().time_since_epoch().count();
    auto const token = teams.mint_token(teams_app_id, std::string{activity.at("serviceUrl").as_string()},
                                        [&](json::object& claims) {
                                            // The bot checks lifetimes against the test's clock.
                                            claims["nbf"] = now - 60;
                                            claims["iat"] = now - 60;
                                            claims["exp"] = now + 3600;
                                            if (edit)
                                                edit(claims);
                                        });
    return post("/teams/messages", "application/json", json::serialize(activity),
                {{"Authorization", "Bearer " + token}});
}

bool slack_world::teams_delivered(const std::function<bool(const std::vector<webhooks::teams_activity>&)>& predicate)
{
    for (int i = 0; i < 20; ++i) {
        bot->deliver_now();
        if (teams.wait_for(predicate, std::chrono::milliseconds{100}))
            return true;
    }
    return false;
}

void slack_world::start_bot()
{
    static auto quiet = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto log = std::getenv("CASEBOT_TEST_LOG") ? spdlog::default_logger() : quiet;
    bot::app::service_options options;
    options.scheduler_on_tick = false;
    options.channel_burst = 1000;
    options.budget = budget;
    options.teams_budget = teams_budget;
    bot = std::make_unique<bot::app::service>(settings, clock, log, options);
    bot->start();
}

void slack_world::stop_bot()
{
    if (bot)
        bot->stop();
    bot.reset();
}

void slack_world::restart()
{
    stop_bot();
    start_bot();
}

std::string slack_world::url(std::string_view path) const
{
    auto const e = bot->endpoint();
    return "http://127.0.0.1:" + std::to_string(e.port()) + std::string{path};
}

webhooks::http_result slack_world::post(std::string_view path, std::string_view content_type, std::string_view body,
                                        const std::map<std::string, std::string>& headers)
{
    return client.post(url(path), content_type, body, headers);
}

webhooks::http_result slack_world::signed_post(std::string_view path, std::string_view content_type,
                                               std::string_view body)
{
    auto const ts = std::to_string(clock.now().time_since_epoch().count());
    return post(path, content_type, body,
                {{"X-Slack-Request-Timestamp", ts},
                 {"X-Slack-Signature", webhooks::slack_signature(signing_secret, ts, body)}});
}

webhooks::http_result slack_world::command(std::string_view user, std::string_view channel, std::string_view text,
                                           std::string_view team)
{
    std::string body = "team_id=" + webhooks::form_encode(team) + "&channel_id=" + webhooks::form_encode(channel) +
                       "&user_id=" + webhooks::form_encode(user) + "&command=%2Fcase&text=" +
                       webhooks::form_encode(text) + "&response_url=" +
                       webhooks::form_encode(slack.response_url("cmd")) + "&trigger_id=trigger.1";
    return signed_post("/slack/commands", "application/x-www-form-urlencoded", body);
}

webhooks::http_result slack_world::event(const json::object& inner, std::string_view event_id, std::string_view team)
{
    json::object envelope{{"type", "event_callback"}, {"team_id", team},       {"api_app_id", "A0CASEBOT"},
                          {"event", inner},           {"event_id", event_id}, {"event_time", 1773064800}};
    return signed_post("/slack/events", "application/json", json::serialize(envelope));
}

webhooks::http_result slack_world::interaction(const json::object& payload)
{
    return signed_post("/slack/interactions", "application/x-www-form-urlencoded",
                       "payload=" + webhooks::form_encode(json::serialize(payload)));
}

bool slack_world::delivered(const std::function<bool(const std::vector<webhooks::standin_message>&)>& predicate)
{
    for (int i = 0; i < 20; ++i) {
        bot->deliver_now();
        if (slack.wait_for(predicate, std::chrono::milliseconds{100}))
            return true;
    }
    return false;
}

std::vector<webhooks::standin_message> slack_world::posts_in(const std::string& channel) const
{
    return slack.messages_in(channel);
}

json::object json_of(const webhooks::http_result& r)
{
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object())
        return {};
    return std::move(v.get_object());
}

}  // namespace bot::test
