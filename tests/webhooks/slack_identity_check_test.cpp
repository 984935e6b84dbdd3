// At start, serve compares whom Slack says the bot token is with the configuration.
#include "webhooks/slack_identity_check.hpp"

#include "http_client_test_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using bot::test::canned_response;
using bot::test::seen_request;
using bot::test::test_server;
using bot::webhooks::check_slack_identity;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using bot::webhooks::identity_finding;
using bot::webhooks::slack_api;
using namespace std::chrono_literals;

namespace {

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

canned_response slack_answers(int status, std::string body)
{
    return canned_response{status, std::move(body), {{"Content-Type", "application/json; charset=utf-8"}}};
}

constexpr auto me = R"({"ok":true,"url":"https://vendor.slack.com/","team":"Vendor","user":"casebot",)"
                    R"("team_id":"T0VENDOR","user_id":"U0CASEBOT","bot_id":"B0CASEBOT"})";

std::vector<identity_finding> check(const std::string& answer, int status, std::string_view bot_user,
                                    std::string_view our_team, std::vector<seen_request>* seen = nullptr)
{
    test_server server([&](const seen_request&) { return slack_answers(status, answer); });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), "xoxb-identity-test");
    auto findings = check_slack_identity(api, bot_user, our_team);
    if (seen)
        *seen = server.requests();
    return findings;
}

}  // namespace

TEST_CASE("a token that matches the configuration is only reported")
{
    std::vector<seen_request> seen;
    auto const f = check(me, 200, "U0CASEBOT", "T0VENDOR", &seen);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].target == "/api/auth.test");
    REQUIRE(f.size() == 1);
    CHECK(f[0].level == spdlog::level::info);
    CHECK(f[0].text == "slack: the bot token is casebot (U0CASEBOT) in Vendor (T0VENDOR)");
}

TEST_CASE("a wrong or missing bot_user and a wrong slack_team are warnings that say what to set")
{
    auto const wrong = check(me, 200, "U0SOMEONE", "T0OTHER");
    REQUIRE(wrong.size() == 3);
    CHECK(wrong[1].level == spdlog::level::warn);
    CHECK(wrong[1].text == "slack: [slack] bot_user is \"U0SOMEONE\" but the token is the bot U0CASEBOT: casebot "
                           "does not know its own messages and mentions of it; set bot_user = \"U0CASEBOT\"");
    CHECK(wrong[2].level == spdlog::level::warn);
    CHECK(wrong[2].text.find("[team] slack_team is \"T0OTHER\" but the app is installed in Vendor (T0VENDOR)") !=
          std::string::npos);

    auto const unset = check(me, 200, "", "");
    REQUIRE(unset.size() == 2);
    CHECK(unset[1].text.find("[slack] bot_user is not set: set bot_user = \"U0CASEBOT\"") != std::string::npos);
}

TEST_CASE("an Enterprise Grid organisation id is a valid slack_team")
{
    auto const f = check(R"({"ok":true,"team":"Vendor","user":"casebot","team_id":"T0VENDOR","user_id":"U0CASEBOT",)"
                         R"("enterprise_id":"E0VENDOR"})",
                         200, "U0CASEBOT", "E0VENDOR");
    CHECK(f.size() == 1);
}

TEST_CASE("a refused token is an error that says where the right one is, an unreachable Slack a warning")
{
    auto const refused = check(R"({"ok":false,"error":"invalid_auth"})", 200, "U0CASEBOT", "T0VENDOR");
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].level == spdlog::level::err);
    CHECK(refused[0].text.find("Slack refuses the bot token (auth.test: invalid_auth)") != std::string::npos);
    CHECK(refused[0].text.find("Install App") != std::string::npos);

    auto const down = check("<html>503</html>", 503, "U0CASEBOT", "T0VENDOR");
    REQUIRE(down.size() == 1);
    CHECK(down[0].level == spdlog::level::warn);
    CHECK(down[0].text.find("could not check the bot token") != std::string::npos);
}
