#include "webhooks/slack_api.hpp"

#include "http_client_test_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace json = boost::json;
using bot::test::canned_response;
using bot::test::seen_request;
using bot::test::test_server;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using bot::webhooks::slack_api;
using namespace std::chrono_literals;

namespace {

constexpr auto token = "xoxb-test-token-1234";

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

canned_response json_answer(int status, std::string body, std::map<std::string, std::string> headers = {})
{
    headers.emplace("Content-Type", "application/json; charset=utf-8");
    return canned_response{status, std::move(body), std::move(headers)};
}

}  // namespace

TEST_CASE("a Web API call posts JSON to {base}{method} with the bot token as a bearer header")
{
    test_server server([](const seen_request&) {
        return json_answer(200, R"({"ok":true,"channel":"C1","ts":"1700000000.000100"})");
    });
    http_client client(fast_options());
    slack_api api(client, server.url("/api"), token);   // the missing slash is added

    auto const r = api.post_message("C1", "hello *world*", json::array{json::object{{"type", "divider"}}}, "1.2");
    CHECK(r.ok);
    CHECK(r.http_status == 200);
    CHECK(r.error.empty());
    CHECK(r.body.at("ts") == "1700000000.000100");
    CHECK_FALSE(r.retryable());

    auto const seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].target == "/api/chat.postMessage");
    CHECK(seen[0].headers.at("authorization") == std::string("Bearer ") + token);
    CHECK(seen[0].headers.at("content-type") == "application/json; charset=utf-8");
    auto const sent = json::parse(seen[0].body).as_object();
    CHECK(sent.at("channel") == "C1");
    CHECK(sent.at("text") == "hello *world*");
    CHECK(sent.at("thread_ts") == "1.2");
    CHECK(sent.at("blocks").as_array().size() == 1);
}

TEST_CASE("empty blocks and thread_ts are left out of a post, and an update clears the blocks")
{
    test_server server([](const seen_request&) { return json_answer(200, R"({"ok":true})"); });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    CHECK(api.update_message("C1", "1700000000.000100", "new text").ok);
    CHECK(api.post_ephemeral("C1", "U1", "only you").ok);
    auto const seen = server.requests();
    REQUIRE(seen.size() == 2);
    auto const update = json::parse(seen[0].body).as_object();
    CHECK(seen[0].target == "/api/chat.update");
    CHECK(update.at("ts") == "1700000000.000100");
    CHECK(update.at("blocks") == json::array{});   // omitted, Slack would keep the old ones
    auto const ephemeral = json::parse(seen[1].body).as_object();
    CHECK(seen[1].target == "/api/chat.postEphemeral");
    CHECK(ephemeral.at("user") == "U1");
    CHECK_FALSE(ephemeral.contains("thread_ts"));
}

TEST_CASE("ok:false with HTTP 200 is a failure that carries Slack's error")
{
    std::string error = "invalid_auth";
    test_server server([&](const seen_request&) {
        return json_answer(200, R"({"ok":false,"error":")" + error + R"("})");
    });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);

    SUBCASE("invalid_auth needs a fix, not a retry") {
        auto const r = api.call("chat.postMessage", {{"channel", "C1"}, {"text", "x"}});
        CHECK(r.http_status == 200);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "invalid_auth");
        CHECK_FALSE(r.retryable());
        CHECK_FALSE(r.transport_failed);
    }
    SUBCASE("channel_not_found is not retryable either") {
        error = "channel_not_found";
        CHECK_FALSE(api.call("chat.postMessage", {}).retryable());
    }
    SUBCASE("transient errors are retryable") {
        for (auto const* e : {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}) {
            error = e;
            auto const r = api.call("chat.postMessage", {});
            CHECK_FALSE(r.ok);
            CHECK(r.error == e);
            CHECK(r.retryable());
        }
    }
}

TEST_CASE("HTTP 429 is retryable and says how long to wait")
{
    std::string retry_after = "7";
    test_server server([&](const seen_request&) {
        return json_answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", retry_after}});
    });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);

    auto r = api.post_message("C1", "x");
    CHECK(r.http_status == 429);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "ratelimited");
    CHECK(r.retryable());
    CHECK(r.retry_after == 7s);

    retry_after = "soon";
    r = api.post_message("C1", "x");
    CHECK(r.retryable());
    CHECK_FALSE(r.retry_after.has_value());
}

TEST_CASE("HTTP 500 is retryable even when the body is not JSON")
{
    test_server server([](const seen_request&) { return canned_response{500, "<html>oops</html>", {}}; });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    auto const r = api.post_message("C1", "x");
    CHECK(r.http_status == 500);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "http_500");
    CHECK(r.retryable());
    CHECK(r.body.empty());
}

TEST_CASE("a 200 answer that is not a Slack envelope is not success")
{
    test_server server([](const seen_request&) { return canned_response{200, "<html>portal</html>", {}}; });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    auto const r = api.post_message("C1", "x");
    CHECK_FALSE(r.ok);
    CHECK(r.error == "invalid_response");
    CHECK_FALSE(r.retryable());
}

TEST_CASE("a transport failure is retryable and its error never shows the token")
{
    http_client client(fast_options());
    auto const port = bot::test::closed_port();
    slack_api api(client, "http://127.0.0.1:" + std::to_string(port) + "/api/", token);
    auto const r = api.post_message("C1", "x");
    CHECK(r.transport_failed);
    CHECK(r.http_status == 0);
    CHECK_FALSE(r.ok);
    CHECK(r.retryable());
    CHECK_FALSE(r.error.empty());
    CHECK(r.error.find(token) == std::string::npos);
    CHECK(r.error.find("chat.postMessage") == std::string::npos);
}

TEST_CASE("a response_url post sends the JSON message without the token")
{
    std::string answer_body = "ok";
    int status = 200;
    test_server server([&](const seen_request&) { return canned_response{status, answer_body, {}}; });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    json::object const message{{"response_type", "ephemeral"}, {"text", "Case #42 claimed"}};

    SUBCASE("a plain-text ok is success") {
        auto const r = api.post_json(server.url("/commands/T1/2/abc"), message);
        CHECK(r.ok);
        auto const seen = server.requests();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].target == "/commands/T1/2/abc");
        CHECK_FALSE(seen[0].headers.contains("authorization"));
        CHECK(seen[0].headers.at("content-type") == "application/json; charset=utf-8");
        CHECK(json::parse(seen[0].body) == json::value(message));
    }
    SUBCASE("a JSON envelope is read like any other answer") {
        answer_body = R"({"ok":true})";
        CHECK(api.post_json(server.url("/r"), message).ok);
    }
    SUBCASE("an expired response_url is a failure with Slack's plain-text error") {
        status = 404;
        answer_body = "expired_url";
        auto const r = api.post_json(server.url("/r"), message);
        CHECK_FALSE(r.ok);
        CHECK(r.error == "expired_url");
        CHECK_FALSE(r.retryable());
    }
}

TEST_CASE("message_at asks conversations.history for exactly one message and matches its ts")
{
    std::string messages = R"([{"type":"message","ts":"1700000000.000100","text":"hi"}])";
    test_server server([&](const seen_request&) {
        return json_answer(200, R"({"ok":true,"messages":)" + messages + R"(,"has_more":false})");
    });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);

    SUBCASE("the message at that ts is found") {
        auto const found = api.message_at("C1", "1700000000.000100");
        CHECK(found.call.ok);
        REQUIRE(found.value.has_value());
        CHECK(found.value->at("text") == "hi");
        auto const seen = server.requests();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].target == "/api/conversations.history");
        CHECK(seen[0].headers.at("authorization") == std::string("Bearer ") + token);
        // Read methods take form arguments, not JSON.
        CHECK(seen[0].headers.at("content-type") == "application/x-www-form-urlencoded");
        CHECK(seen[0].body == "channel=C1&inclusive=true&latest=1700000000.000100&limit=1");
    }
    SUBCASE("an older message is not the one asked for") {
        auto const found = api.message_at("C1", "1700000000.000200");
        CHECK(found.call.ok);
        CHECK_FALSE(found.value.has_value());
    }
    SUBCASE("an empty history finds nothing") {
        messages = "[]";
        CHECK_FALSE(api.message_at("C1", "1700000000.000100").value.has_value());
    }
}

TEST_CASE("user_team reads users.info's team_id")
{
    test_server server([](const seen_request& r) {
        if (r.body == "user=U%20X")
            return json_answer(200, R"({"ok":true,"user":{"id":"U X","team_id":"T_EXT"}})");
        return json_answer(200, R"({"ok":false,"error":"user_not_found"})");
    });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    auto const found = api.user_team("U X");
    CHECK(found.value == "T_EXT");
    auto const missing = api.user_team("U404");
    CHECK_FALSE(missing.value.has_value());
    CHECK(missing.call.error == "user_not_found");
}

TEST_CASE("open_view sends the trigger and the view")
{
    test_server server([](const seen_request&) { return json_answer(200, R"({"ok":true,"view":{"id":"V1"}})"); });
    http_client client(fast_options());
    slack_api api(client, server.url("/api/"), token);
    json::object const view{{"type", "modal"}, {"title", json::object{{"type", "plain_text"}, {"text", "Case"}}}};
    CHECK(api.open_view("trig.1", view).ok);
    auto const seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].target == "/api/views.open");
    auto const sent = json::parse(seen[0].body).as_object();
    CHECK(sent.at("trigger_id") == "trig.1");
    CHECK(sent.at("view") == json::value(view));
}
