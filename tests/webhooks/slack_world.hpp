#pragma once
// The real bot, in-process on loopback, against the Slack stand-in: the demo
// world (config/demo.toml), a database in a temp dir, and a clock the test sets.
// Requests are signed the way Slack signs them.
#include "bot/app/service.hpp"
#include "support/test_time.hpp"
#include "webhooks/http_client.hpp"
#include "webhooks/slack_standin.hpp"
#include "webhooks/teams_standin.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace bot::test {

inline constexpr const char* signing_secret = "8f742231b10e8888abcd99yyyzzz85a5";
inline constexpr const char* bot_token = "xoxb-casebot-test";
inline constexpr const char* teams_app_id = "00000000-aaaa-bbbb-cccc-casebot00001";
inline constexpr const char* teams_app_password = "teams-app-password";
// protocols.md §2.1: the outgoing webhook's security token, bytes 0x00…0x1f in base64.
inline constexpr const char* teams_webhook_token = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

class temp_folder {
public:
    temp_folder();
    ~temp_folder();
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

struct slack_world {
    // Monday 9 March 2026 10:00 EDT unless told otherwise.
    explicit slack_world(std::string_view now = "2026-03-09T14:00:00Z");
    ~slack_world();

    // How long the bot has to answer a Slack or Teams webhook before its stand-in
    // answer (taken by start_bot()).
    std::chrono::milliseconds budget{2500};
    std::chrono::milliseconds teams_budget{4500};

    // Stops the bot and starts a new one on the same database (a restart).
    void restart();
    void stop_bot();
    void start_bot();

    std::string url(std::string_view path) const;

    // Signed requests, as Slack sends them.
    webhooks::http_result command(std::string_view user, std::string_view channel, std::string_view text,
                                  std::string_view team = "T0VENDOR");
    webhooks::http_result event(const boost::json::object& inner, std::string_view event_id,
                                std::string_view team = "T0VENDOR");
    webhooks::http_result interaction(const boost::json::object& payload);
    // A request with the headers given (forged, stale, unsigned…).
    webhooks::http_result post(std::string_view path, std::string_view content_type, std::string_view body,
                               const std::map<std::string, std::string>& headers);
    webhooks::http_result signed_post(std::string_view path, std::string_view content_type, std::string_view body);

    // Teams: an outgoing-webhook call (HMAC-signed) and a Bot Framework activity
    // (with a token the Teams stand-in minted; `edit` may spoil its claims).
    webhooks::http_result teams_webhook(const boost::json::object& activity);
    webhooks::http_result teams_message(const boost::json::object& activity,
                                        const std::function<void(boost::json::object&)>& edit = {});
    // A message activity from `user` (29:…) in the Teams channel `channel`, in the thread
    // of `root` (its own id when empty).
    boost::json::object teams_activity(const std::string& user, const std::string& name, const std::string& channel,
                                       const std::string& text, const std::string& root = {});
    bool teams_delivered(const std::function<bool(const std::vector<webhooks::teams_activity>&)>& predicate);

    // Runs the delivery worker until the stand-in shows what `predicate` wants.
    bool delivered(const std::function<bool(const std::vector<webhooks::standin_message>&)>& predicate);
    std::vector<webhooks::standin_message> posts_in(const std::string& channel) const;

    manual_clock clock;
    temp_folder folder;
    webhooks::slack_standin slack{bot_token};
    webhooks::teams_standin teams{teams_app_id, teams_app_password};
    int teams_ids = 0;
    config::settings settings;
    std::unique_ptr<bot::app::service> bot;
    webhooks::http_client client;
};

// The JSON of a reply body, or an empty object.
boost::json::object json_of(const webhooks::http_result& r);

}  // namespace bot::test
