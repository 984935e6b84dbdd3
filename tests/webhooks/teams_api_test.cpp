#include "webhooks/teams_api.hpp"

#include "http_client_test_server.hpp"
#include "support/test_time.hpp"
#include "webhooks/teams_standin.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
using bot::test::canned_response;
using bot::test::manual_clock;
using bot::test::seen_request;
using bot::test::test_server;
using bot::test::utc;
using bot::webhooks::connector_options;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using bot::webhooks::teams_activity;
using bot::webhooks::teams_call;
using bot::webhooks::teams_connector;
using bot::webhooks::teams_standin;
using namespace std::chrono_literals;

namespace {

constexpr auto app_id = "00000000-1111-2222-3333-444444444444";
constexpr auto app_password = "s3cret~Pa55word";
constexpr auto channel = "19:abc123@thread.tacv2";

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

teams_standin& started(teams_standin& s)
{
    s.start();
    return s;
}

connector_options options_for(const teams_standin& teams, std::string password = app_password)
{
    connector_options o;
    o.app_id = app_id;
    o.app_password = std::move(password);
    o.token_url = teams.token_url();
    return o;
}

json::object message(std::string_view text)
{
    return json::object{{"type", "message"}, {"text", text}};
}

// A started stand-in and a connector pointed at it, on a manual clock.
struct fixture {
    teams_standin teams{app_id, app_password};
    http_client client{fast_options()};
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector{client, options_for(started(teams)), clock};
};

canned_response json_answer(int status, std::string body, std::map<std::string, std::string> headers = {})
{
    headers.emplace("Content-Type", "application/json; charset=utf-8");
    return canned_response{status, std::move(body), std::move(headers)};
}

// A scripted server that issues `token` and answers every other request with `answer`.
test_server scripted(std::function<canned_response(const seen_request&)> answer, std::string token = "tok-1")
{
    return test_server([answer = std::move(answer), token](const seen_request& r) {
        if (r.target == "/token")
            return json_answer(200, R"({"token_type":"Bearer","expires_in":3600,"access_token":")" + token + "\"}");
        return answer(r);
    });
}

connector_options scripted_options(const test_server& server)
{
    connector_options o;
    o.app_id = app_id;
    o.app_password = app_password;
    o.token_url = server.url("/token");
    return o;
}

}  // namespace

TEST_CASE("the token is fetched once and reused until five minutes before it expires, then refreshed")
{
    fixture f;
    REQUIRE(f.connector.send(f.teams.service_url(), channel, message("one")).ok);
    CHECK(f.teams.calls("token") == 1);

    std::string error;
    auto const first = f.connector.token(error);
    CHECK(error.empty());
    CHECK_FALSE(first.empty());

    // The stand-in's tokens live 3600 s: cached for 3300 s.
    f.clock.advance(54min + 59s);
    REQUIRE(f.connector.send(f.teams.service_url(), channel, message("two")).ok);
    CHECK(f.connector.token(error) == first);
    CHECK(f.teams.calls("token") == 1);

    f.clock.advance(1s);
    REQUIRE(f.connector.send(f.teams.service_url(), channel, message("three")).ok);
    CHECK(f.teams.calls("token") == 2);
    auto const second = f.connector.token(error);
    CHECK(error.empty());
    CHECK(second != first);
    CHECK(f.teams.calls("token") == 2);
}

TEST_CASE("callers that need a token at the same time share one fetch")
{
    fixture f;
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (std::size_t i = 0; i < ok.size(); ++i)
        threads.emplace_back([&, i] { ok[i] = f.connector.send(f.teams.service_url(), channel, message("hi")).ok; });
    for (auto& t : threads)
        t.join();
    CHECK(std::count(ok.begin(), ok.end(), 1) == 4);
    CHECK(f.teams.calls("token") == 1);
    CHECK(f.teams.activities().size() == 4);
}

TEST_CASE("the token request is a client-credentials form for the Bot Framework scope")
{
    auto server = scripted([](const seen_request&) { return json_answer(201, R"({"id":"1"})"); });
    http_client client(fast_options());
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector(client, scripted_options(server), clock);

    REQUIRE(connector.send(server.url("/"), channel, message("hi")).ok);
    auto const seen = server.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].target == "/token");
    CHECK(seen[0].headers.at("content-type") == "application/x-www-form-urlencoded");
    CHECK(seen[0].body == "client_id=00000000-1111-2222-3333-444444444444&client_secret=s3cret~Pa55word"
                          "&grant_type=client_credentials&scope=https%3A%2F%2Fapi.botframework.com%2F.default");
    CHECK(seen[1].headers.at("authorization") == "Bearer tok-1");
    CHECK(seen[1].headers.at("content-type") == "application/json; charset=utf-8");
    CHECK(json::parse(seen[1].body) == json::value(message("hi")));
}

TEST_CASE("connector URLs join the service URL with one slash and escape ids as path segments")
{
    auto server = scripted([](const seen_request&) { return json_answer(200, R"({"id":"2"})"); });
    http_client client(fast_options());
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector(client, scripted_options(server), clock);
    auto const conversation = "19:abc@thread.tacv2;messageid=1717236000000";

    CHECK(connector.send(server.url("/amer/"), conversation, message("a")).ok);
    CHECK(connector.send(server.url("/amer"), conversation, message("b")).ok);
    CHECK(connector.reply(server.url("/amer//"), conversation, "1717236000000", message("c")).ok);
    CHECK(connector.update(server.url("/"), "a:b@c;d=e/f?g#h %", "x y", message("d")).ok);

    auto const seen = server.requests();
    REQUIRE(seen.size() == 5);   // the token, then four calls
    auto const escaped = std::string("19%3Aabc%40thread.tacv2%3Bmessageid%3D1717236000000");
    CHECK(seen[1].target == "/amer/v3/conversations/" + escaped + "/activities");
    CHECK(seen[2].target == "/amer/v3/conversations/" + escaped + "/activities");
    CHECK(seen[3].method == "POST");
    CHECK(seen[3].target == "/amer/v3/conversations/" + escaped + "/activities/1717236000000");
    CHECK(seen[4].method == "PUT");
    CHECK(seen[4].target == "/v3/conversations/a%3Ab%40c%3Bd%3De%2Ff%3Fg%23h%20%25/activities/x%20y");
}

TEST_CASE("wrong credentials give a clear error that is final and never shows the password")
{
    teams_standin teams{app_id, app_password};
    teams.start();
    http_client client(fast_options());
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector(client, options_for(teams, "wrong-password"), clock);

    auto const r = connector.send(teams.service_url(), channel, message("hi"));
    CHECK_FALSE(r.ok);
    CHECK(r.http_status == 400);
    CHECK(r.error == "token: invalid_client");
    CHECK_FALSE(r.retryable());
    CHECK(r.error.find("wrong-password") == std::string::npos);
    CHECK(teams.calls("send") == 0);

    std::string error;
    CHECK(connector.token(error).empty());
    CHECK(error == "token: invalid_client");
}

TEST_CASE("a token endpoint that is down or throttling is worth another try later")
{
    fixture f;
    f.teams.fail_next("token", 503, 30);
    auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
    CHECK_FALSE(r.ok);
    CHECK(r.http_status == 503);
    CHECK(r.error == "token: temporarily_unavailable");
    CHECK(r.retry_after == 30s);
    CHECK(r.retryable());
    CHECK(f.teams.calls("send") == 0);

    CHECK(f.connector.send(f.teams.service_url(), channel, message("hi")).ok);
}

TEST_CASE("a token answer without an access token is an error, never cached")
{
    test_server server([](const seen_request&) { return json_answer(200, R"({"token_type":"Bearer"})"); });
    http_client client(fast_options());
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector(client, scripted_options(server), clock);
    auto const r = connector.send(server.url("/"), channel, message("hi"));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "token: invalid_response");
    CHECK_FALSE(r.retryable());
    std::string error;
    CHECK(connector.token(error).empty());
    CHECK(server.requests().size() == 2);   // two token requests, no connector call
}

TEST_CASE("a 401 from the connector fetches a fresh token and retries the call once")
{
    fixture f;
    REQUIRE(f.connector.send(f.teams.service_url(), channel, message("warm up")).ok);
    REQUIRE(f.teams.calls("token") == 1);

    SUBCASE("an injected 401") {
        f.teams.fail_next("send", 401);
        auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
        CHECK(r.ok);
        CHECK(f.teams.calls("token") == 2);
        CHECK(f.teams.calls("send") == 3);
    }
    SUBCASE("the stand-in stops accepting its tokens") {
        f.teams.revoke_tokens();
        auto const r = f.connector.reply(f.teams.service_url(), channel, "1", message("hi"));
        CHECK(r.ok);
        CHECK(f.teams.calls("token") == 2);
        CHECK(f.teams.calls("reply") == 2);
    }
    SUBCASE("a second 401 is final") {
        f.teams.fail_next("send", 401, std::nullopt, 3);
        auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 401);
        CHECK(r.error == "Unauthorized");
        CHECK_FALSE(r.retryable());
        CHECK(f.teams.calls("send") == 3);   // the warm-up, the call and its one retry
        CHECK(f.teams.calls("token") == 2);
    }
}

TEST_CASE("send, reply and update round-trip through the stand-in")
{
    fixture f;
    auto const sent = f.connector.send(f.teams.service_url(), channel, message("case #42 opened"));
    REQUIRE(sent.ok);
    CHECK(sent.http_status == 201);
    auto const root = std::string(sent.body.at("id").as_string());

    auto const replied = f.connector.reply(f.teams.service_url(), channel, root, message("claimed by Ana"));
    REQUIRE(replied.ok);
    auto const reply_id = std::string(replied.body.at("id").as_string());
    CHECK(reply_id != root);

    auto const updated = f.connector.update(f.teams.service_url(), channel, root, message("case #42 claimed"));
    REQUIRE(updated.ok);
    CHECK(updated.body.at("id").as_string() == root);
    REQUIRE(f.connector.update(f.teams.service_url(), channel, root, message("case #42 solved")).ok);

    auto const seen = f.teams.activities();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].kind == "update");
    CHECK(seen[0].activity_id == root);
    CHECK(seen[0].revisions == 2);
    CHECK(seen[0].body.at("text") == "case #42 solved");
    CHECK(seen[1].kind == "reply");
    CHECK(seen[1].activity_id == reply_id);
    CHECK(seen[1].reply_to == root);
    CHECK(seen[1].conversation_id == channel);
    CHECK(seen[1].body.at("text") == "claimed by Ana");
    CHECK(seen[1].revisions == 0);

    SUBCASE("updating a message that does not exist is final") {
        auto const r = f.connector.update(f.teams.service_url(), channel, "999", message("x"));
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 404);
        CHECK(r.error == "ActivityNotFound");
        CHECK_FALSE(r.retryable());
    }
}

TEST_CASE("a one-to-one chat is opened with the member, the tenant and the bot's id, once per person")
{
    fixture f;
    auto const opened = f.connector.open_personal_chat(f.teams.service_url(), "tenant-vendor", "29:lea");
    REQUIRE(opened.ok);
    auto const chat = std::string(opened.body.at("id").as_string());
    CHECK_FALSE(chat.empty());
    auto const requests = f.teams.opened_chats();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].at("bot").at("id").as_string() == std::string{"28:"} + app_id);
    CHECK(requests[0].at("members").at(0).at("id").as_string() == "29:lea");
    CHECK(requests[0].at("tenantId").as_string() == "tenant-vendor");
    CHECK(requests[0].at("channelData").at("tenant").at("id").as_string() == "tenant-vendor");
    CHECK(requests[0].at("isGroup").as_bool() == false);

    // The same person again: the same chat. Someone else: another.
    auto const again = f.connector.open_personal_chat(f.teams.service_url(), "tenant-vendor", "29:lea");
    REQUIRE(again.ok);
    CHECK(again.body.at("id").as_string() == chat);
    auto const other = f.connector.open_personal_chat(f.teams.service_url(), "tenant-vendor", "29:raj");
    REQUIRE(other.ok);
    CHECK(other.body.at("id").as_string() != chat);
    // Messages go to the chat like to any conversation.
    REQUIRE(f.connector.send(f.teams.service_url(), chat, message("Breach: #1")).ok);
    CHECK(f.teams.activities().back().conversation_id == chat);

    SUBCASE("without a tenant or a person nothing is asked")
    {
        auto const no_tenant = f.connector.open_personal_chat(f.teams.service_url(), "", "29:lea");
        CHECK_FALSE(no_tenant.ok);
        CHECK_FALSE(no_tenant.retryable());
        CHECK_FALSE(f.connector.open_personal_chat(f.teams.service_url(), "tenant-vendor", "").ok);
        CHECK(f.teams.calls("open_chat") == 3);
    }
}

TEST_CASE("Teams ids with colons, at signs and semicolons survive the path encoding")
{
    fixture f;
    auto const thread = "19:abc123@thread.tacv2;messageid=1717236000000";
    auto const replied = f.connector.reply(f.teams.service_url(), thread, "1717236000000", message("in the thread"));
    REQUIRE(replied.ok);
    auto const id = std::string(replied.body.at("id").as_string());
    auto const personal = "a:1xYz-Ab_9@unq.gbl.spaces";
    REQUIRE(f.connector.send(f.teams.service_url(), personal, message("hello")).ok);
    REQUIRE(f.connector.update(f.teams.service_url(), thread, id, message("edited")).ok);

    auto const seen = f.teams.activities();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].conversation_id == thread);
    CHECK(seen[0].reply_to == "1717236000000");
    CHECK(seen[0].revisions == 1);
    CHECK(seen[1].conversation_id == personal);
}

TEST_CASE("a 429 with Retry-After and a 5xx are worth retrying, and the next call succeeds")
{
    fixture f;
    SUBCASE("429") {
        f.teams.fail_next("send", 429, 7);
        auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 429);
        CHECK(r.error == "TooManyRequests");
        CHECK(r.retry_after == 7s);
        CHECK(r.retryable());
    }
    SUBCASE("500") {
        f.teams.fail_next("send", 500);
        auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
        CHECK(r.http_status == 500);
        CHECK(r.error == "InternalServerError");
        CHECK_FALSE(r.retry_after);
        CHECK(r.retryable());
    }
    SUBCASE("503 with Retry-After") {
        f.teams.fail_next("send", 503, 2);
        auto const r = f.connector.send(f.teams.service_url(), channel, message("hi"));
        CHECK(r.http_status == 503);
        CHECK(r.retry_after == 2s);
        CHECK(r.retryable());
    }
    CHECK(f.teams.activities().empty());
    auto const next = f.connector.send(f.teams.service_url(), channel, message("hi"));
    CHECK(next.ok);
    CHECK(f.teams.activities().size() == 1);
    CHECK(f.teams.calls("token") == 1);
}

TEST_CASE("a 403 from the connector is final")
{
    fixture f;
    f.teams.fail_next("reply", 403);
    auto const r = f.connector.reply(f.teams.service_url(), channel, "1", message("hi"));
    CHECK_FALSE(r.ok);
    CHECK(r.http_status == 403);
    CHECK(r.error == "BotNotInConversationRoster");
    CHECK_FALSE(r.retryable());
    CHECK(f.teams.calls("reply") == 1);
    CHECK(f.teams.calls("token") == 1);
}

TEST_CASE("errors name the service's code, else its message, else the HTTP status")
{
    auto server = scripted([](const seen_request& r) {
        if (r.target.ends_with("/code/activities"))
            return json_answer(400, R"({"error":{"code":"BadArgument","message":"Unknown activity type"}})");
        if (r.target.ends_with("/message/activities"))
            return json_answer(400, R"({"error":{"message":"Unknown activity type"}})");
        return canned_response{502, "<html>bad gateway</html>", {{"Content-Type", "text/html"}}};
    });
    http_client client(fast_options());
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    teams_connector connector(client, scripted_options(server), clock);
    CHECK(connector.send(server.url("/"), "code", message("x")).error == "BadArgument");
    CHECK(connector.send(server.url("/"), "message", message("x")).error == "Unknown activity type");
    auto const proxy = connector.send(server.url("/"), "proxy", message("x"));
    CHECK(proxy.error == "http_502");
    CHECK(proxy.body.empty());
    CHECK(proxy.retryable());
}

TEST_CASE("transport failures are worth retrying and bad addresses are not")
{
    fixture f;
    auto const closed = "http://127.0.0.1:" + std::to_string(bot::test::closed_port()) + "/secret-path/";
    auto const down = f.connector.send(closed, channel, message("hi"));
    CHECK_FALSE(down.ok);
    CHECK(down.transport_failed);
    CHECK(down.http_status == 0);
    CHECK(down.retryable());
    CHECK(down.error.find("secret-path") == std::string::npos);

    for (auto const* bad : {"", "smba.trafficmanager.net/amer/", "ftp://example.com/"}) {
        auto const r = f.connector.send(bad, channel, message("hi"));
        CHECK(r.error == "invalid_service_url");
        CHECK_FALSE(r.retryable());
    }
    CHECK(f.connector.send(f.teams.service_url(), "", message("hi")).error == "invalid_conversation_id");
    CHECK(f.connector.reply(f.teams.service_url(), channel, "", message("hi")).error == "invalid_activity_id");
    CHECK(f.teams.calls("send") == 0);
}

TEST_CASE("a Workflows webhook accepts a payload with 202 and refuses a wrong sig for good")
{
    teams_standin teams{app_id, app_password};
    teams.start();
    http_client client(fast_options());
    json::object const card{
        {"type", "message"},
        {"attachments", json::array{json::object{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                                 {"contentUrl", nullptr},
                                                 {"content", json::object{{"type", "AdaptiveCard"}}}}}}};
    auto const url = teams.workflows_url("support-alerts");

    auto const accepted = bot::webhooks::post_workflow(client, url, card);
    CHECK(accepted.ok);
    CHECK(accepted.http_status == 202);
    CHECK(accepted.body.empty());
    CHECK(accepted.error.empty());
    auto const seen = teams.activities();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == "workflow");
    CHECK(seen[0].conversation_id == "support-alerts");
    CHECK(seen[0].body == card);

    SUBCASE("a wrong sig") {
        auto const forged = url.substr(0, url.find("sig=")) + "sig=forged";
        auto const r = bot::webhooks::post_workflow(client, forged, card);
        CHECK_FALSE(r.ok);
        CHECK(r.http_status == 401);
        CHECK_FALSE(r.retryable());
        CHECK(r.error.find("forged") == std::string::npos);
    }
    SUBCASE("another workflow's sig") {
        auto const other = teams.workflows_url("other");
        auto const sig = other.substr(other.find("sig="));
        auto const r = bot::webhooks::post_workflow(client, url.substr(0, url.find("sig=")) + sig, card);
        CHECK(r.http_status == 401);
    }
    SUBCASE("throttled") {
        teams.fail_next("workflow", 429, 60);
        auto const r = bot::webhooks::post_workflow(client, url, card);
        CHECK(r.http_status == 429);
        CHECK(r.retry_after == 60s);
        CHECK(r.retryable());
        CHECK(bot::webhooks::post_workflow(client, url, card).ok);
    }
    SUBCASE("not a URL") {
        auto const r = bot::webhooks::post_workflow(client, "not a url", card);
        CHECK(r.error == "invalid_workflows_url");
        CHECK_FALSE(r.retryable());
    }
}
