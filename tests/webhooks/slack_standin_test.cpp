#include "webhooks/slack_standin.hpp"

#include "webhooks/http_client.hpp"
#include "webhooks/slack_api.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

namespace json = boost::json;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using bot::webhooks::slack_api;
using bot::webhooks::slack_standin;
using bot::webhooks::standin_message;
using namespace std::chrono_literals;

namespace {

constexpr auto token = "xoxb-standin-token";

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

slack_standin& started(slack_standin& s)
{
    s.start();
    return s;
}

// A started stand-in and a Slack client pointed at it.
struct fixture {
    slack_standin slack{token};
    http_client client{fast_options()};
    slack_api api{client, started(slack).base_url(), token};
};

}  // namespace

TEST_CASE("the stand-in serves on a free loopback port")
{
    fixture f;
    CHECK(f.slack.base_url().starts_with("http://127.0.0.1:"));
    CHECK(f.slack.base_url().ends_with("/api/"));
    CHECK(f.slack.base_url() != "http://127.0.0.1:0/api/");
    CHECK(f.slack.response_url("abc") ==
          f.slack.base_url().substr(0, f.slack.base_url().size() - 4) + "response/abc");
}

TEST_CASE("a posted message can be updated and read back through conversations.history")
{
    fixture f;
    auto const posted = f.api.post_message("C1", "Case #1 opened", json::array{json::object{{"type", "divider"}}});
    REQUIRE(posted.ok);
    CHECK(posted.body.at("channel") == "C1");
    auto const ts = std::string(posted.body.at("ts").as_string());
    CHECK(posted.body.at("message").at("text") == "Case #1 opened");

    auto const second = f.api.post_message("C1", "Case #2 opened");
    REQUIRE(second.ok);
    auto const ts2 = std::string(second.body.at("ts").as_string());
    CHECK(ts2 > ts);   // unique and increasing
    CHECK(ts.size() == std::string("1700000000.000100").size());

    auto const updated = f.api.update_message("C1", ts, "Case #1 claimed by ana");
    REQUIRE(updated.ok);
    CHECK(updated.body.at("ts").as_string() == ts);

    auto const found = f.api.message_at("C1", ts);
    REQUIRE(found.call.ok);
    REQUIRE(found.value.has_value());
    CHECK(found.value->at("text") == "Case #1 claimed by ana");
    // slack_api's update always sends its blocks, here none: the divider is gone.
    CHECK((!found.value->contains("blocks") || found.value->at("blocks").as_array().empty()));
    CHECK_FALSE(f.api.message_at("C1", "1600000000.000100").value.has_value());
    CHECK_FALSE(f.api.message_at("C2", ts).value.has_value());

    auto const in_c1 = f.slack.messages_in("C1");
    REQUIRE(in_c1.size() == 2);
    CHECK(in_c1[0].kind == "update");
    CHECK(in_c1[0].revisions == 1);
    CHECK(in_c1[0].text == "Case #1 claimed by ana");
    CHECK(in_c1[1].kind == "post");
    CHECK(in_c1[1].revisions == 0);
    CHECK(f.slack.calls("chat.postMessage") == 2);
    CHECK(f.slack.calls("chat.update") == 1);
    CHECK(f.slack.calls("conversations.history") == 3);
}

TEST_CASE("a customer's message added to the stand-in can be looked up but not updated")
{
    fixture f;
    auto const ts = f.slack.add_message("C1", "U_CAROL", "T_ACME", "our export is broken");
    auto const found = f.api.message_at("C1", ts);
    REQUIRE(found.value.has_value());
    CHECK(found.value->at("user") == "U_CAROL");
    CHECK(found.value->at("team") == "T_ACME");
    CHECK(found.value->at("text") == "our export is broken");
    CHECK_FALSE(found.value->contains("bot_id"));
    CHECK(f.api.update_message("C1", ts, "edited by the bot").error == "cant_update_message");
    CHECK(f.slack.messages_in("C1").at(0).kind == "seeded");
}

TEST_CASE("conversations.history lists top-level messages newest first, within latest and limit")
{
    fixture f;
    auto const a = std::string(f.api.post_message("C1", "a").body.at("ts").as_string());
    auto const b = std::string(f.api.post_message("C1", "b").body.at("ts").as_string());
    REQUIRE(f.api.post_message("C1", "reply to a", {}, a).ok);
    REQUIRE(f.api.post_message("C2", "elsewhere").ok);

    auto const all = f.api.call_form("conversations.history", {{"channel", "C1"}});
    REQUIRE(all.ok);
    auto const& messages = all.body.at("messages").as_array();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].at("ts").as_string() == b);
    CHECK(messages[1].at("ts").as_string() == a);

    auto const before_b = f.api.call_form("conversations.history", {{"channel", "C1"}, {"latest", b}, {"limit", "1"}});
    REQUIRE(before_b.body.at("messages").as_array().size() == 1);
    CHECK(before_b.body.at("messages").at(0).at("ts").as_string() == a);
}

TEST_CASE("a wrong or missing token gets invalid_auth with HTTP 200, as from Slack")
{
    fixture f;
    slack_api wrong(f.client, f.slack.base_url(), "xoxb-wrong");
    auto const r = wrong.post_message("C1", "x");
    CHECK(r.http_status == 200);
    CHECK_FALSE(r.ok);
    CHECK(r.error == "invalid_auth");
    CHECK_FALSE(r.retryable());

    auto const raw = f.client.post(f.slack.base_url() + "chat.postMessage", "application/json; charset=utf-8",
                                   R"({"channel":"C1","text":"x"})");
    CHECK(raw.status == 200);
    CHECK(json::parse(raw.body).at("error") == "invalid_auth");
    CHECK(f.slack.messages().empty());
    CHECK(f.slack.calls("chat.postMessage") == 2);
}

TEST_CASE("the stand-in checks required arguments like Slack")
{
    fixture f;
    CHECK(f.api.call("chat.postMessage", {{"text", "x"}}).error == "channel_not_found");
    CHECK(f.api.call("chat.postMessage", {{"channel", "C1"}}).error == "no_text");
    CHECK(f.api.post_message("C1", "", json::array{json::object{{"type", "divider"}}}).ok);
    CHECK(f.api.update_message("C1", "1700000099.000100", "x").error == "message_not_found");
    CHECK(f.api.call("chat.update", {{"channel", "C1"}, {"text", "x"}}).error == "message_not_found");
    CHECK(f.api.call("chat.nonsense", {}).error == "unknown_method");
    CHECK(f.api.open_view("", json::object{{"type", "modal"}}).error == "invalid_arguments");

    // Ephemeral messages cannot be updated.
    auto const eph = f.api.post_ephemeral("C1", "U1", "psst");
    REQUIRE(eph.ok);
    auto const eph_ts = std::string(eph.body.at("message_ts").as_string());
    CHECK(f.api.update_message("C1", eph_ts, "changed").error == "message_not_found");
}

TEST_CASE("ephemeral posts, response_url posts, views and users are recorded and served")
{
    fixture f;
    f.slack.add_user("U_EXT", "T_CUSTOMER", "carol");

    REQUIRE(f.api.post_ephemeral("C1", "U1", "only you", {}, "1700000000.000100").ok);
    REQUIRE(f.api.post_json(f.slack.response_url("C9"), json::object{{"response_type", "in_channel"}, {"text", "done"}})
                .ok);
    auto const view = f.api.open_view("trig.1", json::object{{"type", "modal"}, {"callback_id", "sev"}});
    REQUIRE(view.ok);
    CHECK(view.body.at("view").at("callback_id") == "sev");
    CHECK(f.api.user_team("U_EXT").value == "T_CUSTOMER");
    CHECK(f.api.user_team("U_NOBODY").call.error == "user_not_found");

    auto const all = f.slack.messages();
    REQUIRE(all.size() == 2);
    CHECK(all[0].kind == "ephemeral");
    CHECK(all[0].user == "U1");
    CHECK(all[0].thread_ts == "1700000000.000100");
    CHECK(all[1].kind == "response_url");
    CHECK(all[1].channel == "C9");
    CHECK(all[1].text == "done");
    CHECK(all[1].args.at("response_type") == "in_channel");
    REQUIRE(f.slack.opened_views().size() == 1);
    CHECK(f.slack.calls("response_url") == 1);
    // Ephemeral and response_url posts are not part of the channel's history.
    CHECK(f.api.call_form("conversations.history", {{"channel", "C1"}}).body.at("messages").as_array().empty());
}

TEST_CASE("a post to a user id lands in the app's direct conversation, which conversations.open names")
{
    fixture f;
    auto const posted = f.api.post_message("U0LEA", "Breach: #1");
    REQUIRE(posted.ok);
    CHECK(posted.body.at("channel") == "D0LEA");
    auto const dm = f.api.direct_conversation("U0LEA");
    REQUIRE(dm.value);
    CHECK(*dm.value == "D0LEA");
    REQUIRE(f.slack.messages_in("D0LEA").size() == 1);
    CHECK(f.slack.messages_in("U0LEA").empty());
    auto const history = f.api.call_form("conversations.history", {{"channel", "D0LEA"}});
    REQUIRE(history.body.at("messages").as_array().size() == 1);

    CHECK(f.api.direct_conversation("C0LEADS").call.error == "user_not_found");
    CHECK(f.api.direct_conversation("U1,U2").call.error == "user_not_found");
    CHECK(f.api.direct_conversation("").call.error == "users_list_not_supplied");
}

TEST_CASE("a channel the bot is not in can be posted to if public, not read, and joined if public")
{
    fixture f;
    f.slack.leave("C1");
    f.slack.leave("G1");
    CHECK_FALSE(f.slack.is_member("C1"));
    CHECK(f.api.post_message("C1", "posted with chat:write.public").ok);
    CHECK(f.api.post_message("G1", "private").error == "not_in_channel");
    CHECK(f.api.call_form("conversations.history", {{"channel", "C1"}}).error == "not_in_channel");
    CHECK(f.api.join_channel("G1").error == "method_not_supported_for_channel_type");
    REQUIRE(f.api.join_channel("C1").ok);
    CHECK(f.slack.is_member("C1"));
    CHECK(f.api.call_form("conversations.history", {{"channel", "C1"}}).body.at("messages").as_array().size() == 1);
}

TEST_CASE("fail_next makes the next calls fail as asked, then the method serves again")
{
    fixture f;
    f.slack.fail_next("chat.postMessage", 429, 1);
    f.slack.fail_next("chat.postMessage", 500, std::nullopt, {}, 2);
    f.slack.fail_next("chat.postMessage", 200, std::nullopt, "channel_not_found");

    auto r = f.api.post_message("C1", "x");
    CHECK(r.http_status == 429);
    CHECK(r.error == "ratelimited");
    CHECK(r.retry_after == 1s);
    CHECK(r.retryable());

    for (int i = 0; i < 2; ++i) {
        r = f.api.post_message("C1", "x");
        CHECK(r.http_status == 500);
        CHECK(r.retryable());
    }

    r = f.api.post_message("C1", "x");
    CHECK(r.http_status == 200);
    CHECK(r.error == "channel_not_found");
    CHECK_FALSE(r.retryable());

    CHECK(f.api.post_message("C1", "x").ok);
    CHECK(f.slack.calls("chat.postMessage") == 5);
    CHECK(f.slack.messages().size() == 1);
    // Other methods are unaffected.
    CHECK(f.slack.calls("chat.update") == 0);

    f.slack.fail_next("response_url", 404, std::nullopt, "expired_url");
    CHECK(f.api.post_json(f.slack.response_url("x"), json::object{{"text", "t"}}).error == "expired_url");
}

TEST_CASE("wait_for wakes when a delivery arrives from another thread, and gives up at the timeout")
{
    fixture f;
    auto const has_card = [](const std::vector<standin_message>& all) {
        for (auto const& m : all)
            if (m.channel == "C7" && m.text == "card")
                return true;
        return false;
    };
    CHECK_FALSE(f.slack.wait_for(has_card, 50ms));

    std::thread worker([&] { f.api.post_message("C7", "card"); });
    CHECK(f.slack.wait_for(has_card, 2'000ms));
    worker.join();

    // The predicate may look at the stand-in itself.
    std::thread opener([&] { f.api.open_view("trig.7", json::object{{"type", "modal"}}); });
    CHECK(f.slack.wait_for([&](auto const&) { return f.slack.opened_views().size() == 1; }, 2'000ms));
    opener.join();
    CHECK(f.slack.calls("views.open") == 1);

    f.slack.clear();
    CHECK(f.slack.messages().empty());
    CHECK(f.slack.calls("chat.postMessage") == 0);
}

TEST_CASE("the stand-in takes form-encoded arguments like Slack")
{
    fixture f;
    auto const r = f.api.call_form("chat.postMessage",
                                   {{"channel", "C1"}, {"text", "a b&c"}, {"blocks", R"([{"type":"divider"}])"}});
    REQUIRE(r.ok);
    auto const all = f.slack.messages();
    REQUIRE(all.size() == 1);
    CHECK(all[0].text == "a b&c");
    CHECK(all[0].blocks.size() == 1);
}

TEST_CASE("find_by_metadata pages through history or a thread's replies for a post's metadata")
{
    fixture f;
    json::object const meta{{"event_type", "casebot_outbox"}, {"event_payload", {{"outbox_id", 7}, {"queued_at", 100}}}};
    json::object const want{{"outbox_id", 7}, {"queued_at", 100}};
    auto const root = f.api.post_message("C1", "Case #1");
    REQUIRE(root.ok);
    auto const root_ts = std::string(root.body.at("ts").as_string());
    // 450 top-level messages after it: the one we look for lies three pages back.
    auto const target = f.api.post_message("C1", "Reminder", {}, {}, meta);
    REQUIRE(target.ok);
    for (int i = 0; i < 450; ++i)
        REQUIRE(f.api.post_message("C1", "noise " + std::to_string(i)).ok);

    SUBCASE("metadata is shown only with include_all_metadata, as Slack does")
    {
        auto const plain = f.api.call_form("conversations.history", {{"channel", "C1"}, {"limit", "1000"}});
        REQUIRE(plain.ok);
        for (auto const& m : plain.body.at("messages").as_array())
            CHECK_FALSE(m.as_object().contains("metadata"));
        CHECK(f.slack.messages_in("C1").at(1).metadata == meta);
    }
    SUBCASE("found in the channel's history, page after page")
    {
        auto const found = f.api.find_by_metadata("C1", {}, "1600000000.000000", "1800000000.000000", "casebot_outbox", want);
        REQUIRE(found.value.has_value());
        CHECK(*found.value == target.body.at("ts").as_string());
        CHECK(found.complete);
        CHECK(f.slack.calls("conversations.history") == 3);   // 200 + 200 + the rest
        // A number matches by value, however it was written.
        auto const as_double = f.api.find_by_metadata("C1", {}, "1600000000.000000", "1800000000.000000",
                                                      "casebot_outbox",
                                                      json::object{{"outbox_id", 7.0}, {"queued_at", 100u}});
        CHECK(as_double.value == found.value);
    }
    SUBCASE("messages newer than `latest` are not read")
    {
        auto const first = f.slack.messages_in("C1").front().ts;
        auto const none = f.api.find_by_metadata("C1", {}, "1600000000.000000", first, "casebot_outbox", want);
        CHECK_FALSE(none.value.has_value());
        CHECK(none.complete);
        CHECK(f.slack.calls("conversations.history") == 1);
    }
    SUBCASE("another row's metadata does not match, and the search says it saw everything")
    {
        auto const other = f.api.find_by_metadata("C1", {}, "1600000000.000000", "1800000000.000000", "casebot_outbox",
                                                  json::object{{"outbox_id", 7}, {"queued_at", 101}});
        CHECK_FALSE(other.value.has_value());
        CHECK(other.complete);
    }
    SUBCASE("a search that stops at max_messages is not complete")
    {
        auto const capped = f.api.find_by_metadata("C1", {}, "1600000000.000000", "1800000000.000000", "casebot_outbox",
                                                   json::object{{"outbox_id", 8}}, 200);
        CHECK_FALSE(capped.value.has_value());
        CHECK_FALSE(capped.complete);
    }
    SUBCASE("messages older than `oldest` are not read")
    {
        CHECK(f.slack.messages_in("C1").front().ts == root_ts);   // in the order written
        auto const newest = f.slack.messages_in("C1").back().ts;
        auto const none = f.api.find_by_metadata("C1", {}, newest, "1800000000.000000", "casebot_outbox", want);
        CHECK_FALSE(none.value.has_value());
        CHECK(none.complete);
        CHECK(f.slack.calls("conversations.history") == 1);
    }
    SUBCASE("in a thread, through conversations.replies")
    {
        REQUIRE(f.api.post_message("C1", "Claimed", {}, root_ts).ok);
        auto const reply = f.api.post_message("C1", "Update", {}, root_ts, meta);
        REQUIRE(reply.ok);
        auto const found = f.api.find_by_metadata("C1", root_ts, "1600000000.000000", "1800000000.000000", "casebot_outbox", want);
        REQUIRE(found.value.has_value());
        CHECK(*found.value == reply.body.at("ts").as_string());   // not the top-level one
        CHECK(f.slack.calls("conversations.replies") == 1);
        auto const missing = f.api.find_by_metadata("C1", "1600000000.000100", "1600000000.000000", "1800000000.000000",
                                                   "casebot_outbox", want);
        CHECK_FALSE(missing.call.ok);
        CHECK(missing.call.error == "thread_not_found");
        CHECK_FALSE(missing.complete);
    }
}

TEST_CASE("metadata that is not an event_type and a payload object is refused like Slack does")
{
    fixture f;
    auto const r = f.api.post_message("C1", "x", {}, {}, json::object{{"event_type", "casebot_outbox"}});
    CHECK(r.error == "invalid_metadata_format");
    CHECK(f.slack.messages_in("C1").empty());
}

TEST_CASE("lose_answer_next carries the call out but answers like a failing gateway")
{
    fixture f;
    f.slack.lose_answer_next("chat.postMessage");
    auto const lost = f.api.post_message("C1", "Case #1");
    CHECK_FALSE(lost.ok);
    CHECK(lost.http_status == 502);
    CHECK(lost.body.empty());
    CHECK(lost.retryable());
    CHECK(f.slack.messages_in("C1").size() == 1);   // but it was posted
    CHECK(f.api.post_message("C1", "Case #2").ok);   // only the next call was affected
}

TEST_CASE("with a clock, ts follow it and stay unique and increasing")
{
    fixture f;
    auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1773064800}};
    f.slack.use_clock([&now] { return now; });
    auto const a = f.api.post_message("C1", "a");
    auto const b = f.api.post_message("C1", "b");
    CHECK(a.body.at("ts").as_string() == "1773064800.000001");
    CHECK(b.body.at("ts").as_string() == "1773064800.000101");
    now += std::chrono::minutes{1};
    CHECK(f.api.post_message("C1", "c").body.at("ts").as_string() == "1773064860.000001");
}
