// The Slack app end to end: the real server on loopback, the real store on disk,
// the stand-in for Slack's Web API, and signed requests.
#include "slack_world.hpp"

#include "bot/app/demo_script.hpp"
#include "webhooks/signature.hpp"

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <thread>

using namespace bot;
using namespace bot::test;
namespace json = boost::json;

namespace {
bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

std::string reply_text(const webhooks::http_result& r)
{
    auto const o = json_of(r);
    auto const* t = o.if_contains("text");
    return t && t->is_string() ? std::string{t->get_string()} : std::string{};
}

json::object message_event(std::string user, std::string team, std::string channel, std::string text,
                           std::string ts, std::string thread_ts = {})
{
    json::object e{{"type", "message"}, {"user", user}, {"user_team", team}, {"channel", channel},
                   {"text", text},      {"ts", ts},     {"channel_type", "channel"}};
    if (!thread_ts.empty())
        e["thread_ts"] = thread_ts;
    return e;
}

// The ts of the case card the bot posted top-level in `channel` for case `tag` ("#1").
std::string card_ts(const slack_world& w, const std::string& channel, const std::string& tag)
{
    for (auto const& m : w.posts_in(channel))
        if (m.thread_ts.empty() && contains(m.text, tag + " "))
            return m.ts;
    return {};
}
}  // namespace

TEST_CASE("a signed /case new opens a case, answers the caller and posts the card")
{
    slack_world w;
    auto const r = w.command("U0CAROL", "C0ACME", "new critical error Invoices fail to post", "T0ACME");
    REQUIRE(r.status == 200);
    CHECK(json_of(r).at("response_type").as_string() == "ephemeral");
    CHECK(contains(reply_text(r), "Opened #1: Invoices fail to post"));
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    auto const card = w.posts_in("C0ACME");
    REQUIRE(card.size() == 1);
    CHECK(contains(card[0].text, "#1 Invoices fail to post"));
    CHECK(contains(json::serialize(card[0].blocks), "case_claim"));
    auto const agents = w.posts_in("C0AGENTS");
    REQUIRE(agents.size() == 1);
    CHECK(contains(agents[0].text, "<!subteam^S0AGENTS>"));
    // The card became the case's thread: the store knows it.
    CHECK(w.bot->store().find(1).value()->origin.thread == card[0].ts);
}

TEST_CASE("the team a slash command names is remembered, off the I/O thread, for events that name none")
{
    slack_world w;
    CHECK_FALSE(w.bot->store().user_team(platform::slack, "U0CAROL").value().has_value());
    REQUIRE(w.command("U0CAROL", "C0ACME", "list", "T0ACME").status == 200);
    // Stored from the worker pool after the answer: wait for it, a bounded while.
    std::optional<std::string> team;
    for (int i = 0; i < 500 && !team; ++i) {
        team = w.bot->store().user_team(platform::slack, "U0CAROL").value();
        if (!team)
            std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    CHECK(team == std::optional<std::string>{"T0ACME"});
}

TEST_CASE("unsigned, forged and stale requests get 401 and change nothing")
{
    slack_world w;
    std::string const body = "team_id=T0ACME&channel_id=C0ACME&user_id=U0CAROL&command=%2Fcase&text=new+x";
    auto const ts = std::to_string(w.clock.now().time_since_epoch().count());
    auto const stale_ts = std::to_string(w.clock.now().time_since_epoch().count() - 301);

    CHECK(w.post("/slack/commands", "application/x-www-form-urlencoded", body, {}).status == 401);
    CHECK(w.post("/slack/commands", "application/x-www-form-urlencoded", body,
                 {{"X-Slack-Request-Timestamp", ts},
                  {"X-Slack-Signature", webhooks::slack_signature("wrong-secret", ts, body)}})
              .status == 401);
    CHECK(w.post("/slack/commands", "application/x-www-form-urlencoded", body,
                 {{"X-Slack-Request-Timestamp", stale_ts},
                  {"X-Slack-Signature", webhooks::slack_signature(signing_secret, stale_ts, body)}})
              .status == 401);
    // Signed for one body, sent with another.
    CHECK(w.post("/slack/commands", "application/x-www-form-urlencoded", body + "x",
                 {{"X-Slack-Request-Timestamp", ts},
                  {"X-Slack-Signature", webhooks::slack_signature(signing_secret, ts, body)}})
              .status == 401);
    for (auto path : {"/slack/events", "/slack/interactions"})
        CHECK(w.post(path, "application/json", "{}", {}).status == 401);
    CHECK(w.bot->store().count_open_cases().value() == 0);
    CHECK(w.bot->store().recent_outbox(10).value().empty());
    // …and the server keeps serving.
    CHECK(w.command("U0CAROL", "C0ACME", "new normal question How do I export?", "T0ACME").status == 200);
}

TEST_CASE("Slack's published signature vector is accepted at its own instant")
{
    // The vector's body is a slash command from a workspace we don't know: verified,
    // then answered with a refusal that names nobody.
    slack_world w{"2018-07-12T18:36:58Z"};
    std::string const body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name="
        "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2F"
        "hooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
        "47445629121.803a0bc887a14d10d2c447fce8b6703c";
    auto const r = w.post("/slack/commands", "application/x-www-form-urlencoded", body,
                          {{"X-Slack-Request-Timestamp", "1531420618"},
                           {"X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"}});
    CHECK(r.status == 200);
    CHECK(contains(reply_text(r), "I can't tell who you are here"));
}

TEST_CASE("malformed, oversized and misdirected requests get a clear 4xx and the server keeps serving")
{
    slack_world w;
    auto r = w.signed_post("/slack/commands", "application/x-www-form-urlencoded", "channel_id=C0ACME");
    CHECK(r.status == 400);
    CHECK(contains(r.body, "user_id"));
    r = w.signed_post("/slack/events", "application/json", "{not json");
    CHECK(r.status == 400);
    CHECK(contains(r.body, "not a JSON object"));
    r = w.signed_post("/slack/interactions", "application/x-www-form-urlencoded", "payload=%7B");
    CHECK(r.status == 400);
    // Latin-1 instead of UTF-8: stored, it would break every JSON answer quoting it.
    r = w.signed_post("/slack/commands", "application/x-www-form-urlencoded",
                      "team_id=T0ACME&channel_id=C0ACME&user_id=U0CAROL&command=%2Fcase&text=new+caf%E9");
    CHECK(r.status == 400);
    CHECK(contains(r.body, "UTF-8"));
    CHECK_FALSE(w.bot->store().find(1).value().has_value());
    r = w.post("/slack/commands", "application/x-www-form-urlencoded", std::string(300 * 1024, 'a'), {});
    CHECK(r.status == 413);
    CHECK(w.post("/nowhere", "text/plain", "", {}).status == 404);
    CHECK(w.client.request("GET", w.url("/slack/commands"), "", "").status == 405);
    r = w.client.request("GET", w.url("/healthz"), "", "");
    CHECK(r.status == 200);
    CHECK(contains(r.body, "ok"));
    CHECK(w.command("U0CAROL", "C0ACME", "sla", "T0ACME").status == 200);
}

TEST_CASE("url_verification is answered with the challenge")
{
    slack_world w;
    auto const r = w.signed_post("/slack/events", "application/json",
                                 R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})");
    CHECK(r.status == 200);
    CHECK(r.body == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

TEST_CASE("a customer's message opens a case in its thread, once however often Slack retries it")
{
    slack_world w;
    auto const e = message_event("U0CAROL", "T0ACME", "C0ACME", "The export to Excel hangs at 80%\nSince Friday.",
                                 "1773064800.000100");
    CHECK(w.event(e, "Ev0001").status == 200);
    CHECK(w.event(e, "Ev0001").status == 200);   // Slack's retry
    // The same message delivered again as a new event (to each organisation of a Slack
    // Connect channel that installed the app) is still one case, and costs no number.
    CHECK(w.event(e, "Ev0002").status == 200);
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->title == "The export to Excel hangs at 80%");
    CHECK(c->description == "The export to Excel hangs at 80%\nSince Friday.");
    CHECK(c->origin.thread == "1773064800.000100");
    CHECK_FALSE(w.bot->store().find(2).value().has_value());
    auto const posts = w.posts_in("C0ACME");
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].thread_ts == "1773064800.000100");   // the card answers in the message's thread
    CHECK(contains(w.command("U0CAROL", "C0ACME", "new Next question", "T0ACME").body, "Opened #2"));
}

TEST_CASE("an event not done within Slack's budget answers 500, so that Slack sends it again, and the retry is safe")
{
    slack_world w;
    w.stop_bot();
    w.budget = std::chrono::milliseconds{100};
    w.start_bot();
    // Another writer holds the database, so the event waits past the budget for it.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(w.settings.database.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto const message = message_event("U0CAROL", "T0ACME", "C0ACME", "Invoices fail", "1773064800.000100");
    auto const first = w.event(message, "Ev1");
    CHECK(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
    CHECK(first.status == 500);
    // Slack's retries (each may also outlast the short budget while the first attempt
    // finishes), whether or not the first attempt finished meanwhile: one case.
    int status = 0;
    for (int retry = 0; retry < 50 && status != 200; ++retry)
        status = w.event(message, "Ev1").status;
    CHECK(status == 200);
    // Which attempt won decides the number (the other's number goes unused): one case.
    auto const opened = w.bot->store().find_by_thread(platform::slack, "C0ACME", "1773064800.000100").value();
    REQUIRE(opened.has_value());
    CHECK(opened->title == "Invoices fail");
    CHECK(w.bot->store().count_open_cases().value() == 1);
}

TEST_CASE("the bot's own messages and other bots' are ignored")
{
    slack_world w;
    auto own = message_event("U0CASEBOT", "T0VENDOR", "C0ACME", "Case #1 opened", "1773064800.000200");
    CHECK(w.event(own, "Ev0002").status == 200);
    auto other = message_event("U0OTHER", "T0ACME", "C0ACME", "deploy finished", "1773064800.000300");
    other["bot_id"] = "B0OTHER";
    CHECK(w.event(other, "Ev0003").status == 200);
    // Nor is a message without its ts: there would be no thread to answer in.
    auto nameless = message_event("U0CAROL", "T0ACME", "C0ACME", "Help", "");
    CHECK(w.event(nameless, "Ev0004").status == 200);
    CHECK(w.bot->store().count_open_cases().value() == 0);
}

TEST_CASE("thread replies: the agent's is the response, the customer's resumes a waiting case")
{
    slack_world w;
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Login fails for everyone", "1773064800.000100"), "Ev1");
    w.clock.advance(std::chrono::minutes{10});
    w.event(message_event("U0ANA", "T0VENDOR", "C0ACME", "Looking into it now", "1773065400.000100",
                          "1773064800.000100"),
            "Ev2");
    auto c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->state == case_state::responded);
    CHECK(c->responded_at == w.clock.now());
    // Everyone in the thread read Ana's words: the bot does not repeat them there.
    w.bot->deliver_now();
    for (auto const& m : w.posts_in("C0ACME"))
        CHECK_FALSE(contains(m.text, "Looking into it now"));

    w.command("U0ANA", "C0ACME", "info 1 Which browser?");
    CHECK(w.bot->store().find(1).value()->state == case_state::waiting);
    w.clock.advance(std::chrono::hours{1});
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Firefox 128", "1773069000.000100", "1773064800.000100"),
            "Ev3");
    CHECK(w.bot->store().find(1).value()->state == case_state::responded);
}

TEST_CASE("reactions: eyes claims, a check mark resolves, a ticket opens a case from a remembered message")
{
    slack_world w;
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Reports are empty", "1773064800.000100"), "Ev1");
    json::object eyes{{"type", "reaction_added"},
                      {"user", "U0ANA"},
                      {"reaction", "eyes"},
                      {"item", json::object{{"type", "message"}, {"channel", "C0ACME"}, {"ts", "1773064800.000100"}}},
                      {"item_user", "U0CAROL"}};
    CHECK(w.event(eyes, "Ev2").status == 200);
    CHECK(w.bot->store().find(1).value()->assignee == "ana");
    auto done = eyes;
    done["reaction"] = "white_check_mark";
    CHECK(w.event(done, "Ev3").status == 200);
    CHECK(w.bot->store().find(1).value()->state == case_state::resolved);

    // A customer's reaction is no agent's claim, and no command to answer.
    auto again = eyes;
    again["user"] = "U0CAROL";
    CHECK(w.event(again, "Ev4").status == 200);

    // Slack's retry of a 👀, or Raj's 👀 on Ana's case, answers nothing and changes nothing.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Search is slow", "1773064900.000100"), "Ev5");
    eyes["item"] = json::object{{"type", "message"}, {"channel", "C0ACME"}, {"ts", "1773064900.000100"}};
    CHECK(w.event(eyes, "Ev6").status == 200);
    CHECK(w.event(eyes, "Ev6").status == 200);
    auto by_raj = eyes;
    by_raj["user"] = "U0RAJ";
    CHECK(w.event(by_raj, "Ev7").status == 200);
    CHECK(w.bot->store().find(2).value()->assignee == "ana");
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.kind == "ephemeral" && m.text.find("Ana Alvarez already has #2") != std::string::npos;
        });
    }));
    w.bot->deliver_now();
    auto const all = w.slack.messages();
    for (auto const& m : all)
        if (m.kind == "ephemeral")
            CHECK_MESSAGE(m.user == "U0RAJ", m.text);   // only Raj hears why nothing happened
}

TEST_CASE("in a mention-only channel, a plain message waits and a mention or a 🎫 opens the case")
{
    slack_world w;
    CHECK(w.event(message_event("U0CAROL", "T0ACME", "C0ACMEQA", "QA build shows old prices", "1773064800.000100"),
                  "Ev1")
              .status == 200);
    CHECK_FALSE(w.bot->store().find(1).value().has_value());

    json::object ticket{{"type", "reaction_added"},
                        {"user", "U0ANA"},
                        {"reaction", "ticket"},
                        {"item", json::object{{"type", "message"}, {"channel", "C0ACMEQA"}, {"ts", "1773064800.000100"}}},
                        {"item_user", "U0CAROL"}};
    CHECK(w.event(ticket, "Ev2").status == 200);
    auto c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->title == "QA build shows old prices");
    CHECK(c->opened_by == "carol");          // the case is the customer's, whoever reacted
    CHECK(c->origin.thread == "1773064800.000100");
    CHECK(w.event(ticket, "Ev3").status == 200);   // another 🎫 on it: already a case
    CHECK_FALSE(w.bot->store().find(2).value().has_value());

    // A message from before the bot remembered anything is read back from Slack.
    auto const old_ts = w.slack.add_message("C0ACMEQA", "U0CAROL", "T0ACME", "Search ignores accents");
    ticket["item"] = json::object{{"type", "message"}, {"channel", "C0ACMEQA"}, {"ts", old_ts}};
    CHECK(w.event(ticket, "Ev4").status == 200);
    REQUIRE(w.bot->store().find(2).value().has_value());
    CHECK(w.bot->store().find(2).value()->title == "Search ignores accents");

    // A 🎫 on a reply in a thread (not in the channel's history) opens nothing, and the
    // one who reacted is told why.
    ticket["item"] = json::object{{"type", "message"}, {"channel", "C0ACMEQA"}, {"ts", "1773064850.000200"}};
    CHECK(w.event(ticket, "Ev4b").status == 200);
    CHECK_FALSE(w.bot->store().find(3).value().has_value());
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.kind == "ephemeral" && m.user == "U0ANA" && m.text.find("not from a reply in a thread") != std::string::npos;
        });
    }));

    // A mention opens a case from the text, or runs a command and answers privately.
    json::object mention{{"type", "app_mention"}, {"user", "U0CAROL"}, {"user_team", "T0ACME"},
                         {"channel", "C0ACMEQA"}, {"text", "<@U0CASEBOT> Exports time out"},
                         {"ts", "1773064900.000100"}};
    CHECK(w.event(mention, "Ev5").status == 200);
    CHECK(w.bot->store().find(3).value()->title == "Exports time out");
    mention["text"] = "<@U0CASEBOT> list";
    mention["ts"] = "1773064950.000100";
    CHECK(w.event(mention, "Ev6").status == 200);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.kind == "ephemeral" && m.text.find("3 open cases for Acme") != std::string::npos;
        });
    }));
    CHECK_FALSE(w.bot->store().find(4).value().has_value());
}

TEST_CASE("a customer's command naming a case they cannot see is their words, and opens a case")
{
    slack_world w;
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");   // #1, Acme's
    // Where every message opens a case: "why 500" is about an error, not case #500.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "why 500", "1773064800.000100"), "Ev1");
    auto const second = w.bot->store().find(2).value();
    REQUIRE(second.has_value());
    CHECK(second->title == "why 500");
    CHECK(second->origin.thread == "1773064800.000100");
    // Their own case by number is still the command: nothing new is filed.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "why 1", "1773064850.000100"), "Ev2");
    CHECK_FALSE(w.bot->store().find(3).value().has_value());

    // A mention in a mention-only channel, "Reopen 3 tabs…" with no #3 of theirs.
    json::object mention{{"type", "app_mention"}, {"user", "U0CAROL"}, {"user_team", "T0ACME"},
                         {"channel", "C0ACMEQA"}, {"text", "<@U0CASEBOT> Reopen 3 tabs and the app crashes"},
                         {"ts", "1773064900.000100"}};
    CHECK(w.event(mention, "Ev3").status == 200);
    auto const third = w.bot->store().find(3).value();
    REQUIRE(third.has_value());
    CHECK(third->title == "Reopen 3 tabs and the app crashes");

    // An agent's command runs as written, whatever case it names.
    auto const r = w.command("U0ANA", "C0AGENTS", "show 500");
    CHECK(contains(reply_text(r), "#500"));
}

TEST_CASE("a mention Slack sends as a message and as an app_mention runs once")
{
    slack_world w;
    auto const text = "<@U0CASEBOT> new critical error Orders are stuck";
    auto as_message = message_event("U0CAROL", "T0ACME", "C0ACMEQA", text, "1773064800.000100");
    json::object as_mention{{"type", "app_mention"}, {"user", "U0CAROL"}, {"user_team", "T0ACME"},
                            {"channel", "C0ACMEQA"}, {"text", text}, {"ts", "1773064800.000100"}};
    CHECK(w.event(as_message, "Ev1").status == 200);
    CHECK(w.event(as_mention, "Ev2").status == 200);
    REQUIRE(w.bot->store().find(1).value().has_value());
    CHECK_FALSE(w.bot->store().find(2).value().has_value());

    // A read-only command answers once too.
    as_message["text"] = as_mention["text"] = "<@U0CASEBOT> show 1";
    as_message["ts"] = as_mention["ts"] = "1773064900.000100";
    CHECK(w.event(as_mention, "Ev3").status == 200);
    CHECK(w.event(as_message, "Ev4").status == 200);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) { return m.kind == "ephemeral"; });
    }));
    w.bot->deliver_now();
    auto const all = w.slack.messages();
    auto const answers = std::count_if(all.begin(), all.end(), [](auto const& m) {
        return m.kind == "ephemeral" && m.thread_ts == "1773064900.000100";
    });
    CHECK(answers == 1);
}

TEST_CASE("a resolved case's customer confirms with a bare `close N` in its thread, and later words reach the team")
{
    slack_world w;
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Login fails for everyone", "1773064800.000100"), "Ev1");
    w.command("U0ANA", "C0ACME", "resolve 1 Fixed in 4.2");
    REQUIRE(w.bot->store().find(1).value()->state == case_state::resolved);
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "close 1", "1773065400.000100", "1773064800.000100"),
            "Ev2");
    CHECK(w.bot->store().find(1).value()->state == case_state::closed);
    // Words on the closed case are not lost: the agents' channel hears of them.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "It is slow again today", "1773069000.000100",
                          "1773064800.000100"),
            "Ev3");
    CHECK(w.bot->store().find(1).value()->state == case_state::closed);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.channel == "C0AGENTS" && m.text.find("wrote on closed #1: It is slow again today") !=
                                                  std::string::npos;
        });
    }));
}

TEST_CASE("buttons on the card claim and refresh the card in place")
{
    slack_world w;
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    auto const card = card_ts(w, "C0ACME", "#1");
    REQUIRE_FALSE(card.empty());
    json::object press{{"type", "block_actions"},
                       {"user", json::object{{"id", "U0ANA"}, {"team_id", "T0VENDOR"}}},
                       {"container", json::object{{"type", "message"}, {"message_ts", card}, {"channel_id", "C0ACME"}}},
                       {"trigger_id", "t.1"},
                       {"actions", json::array{json::object{{"action_id", "case_claim"}, {"value", "1"}, {"type", "button"}}}}};
    CHECK(w.interaction(press).status == 200);
    CHECK(w.bot->store().find(1).value()->assignee == "ana");
    REQUIRE(w.delivered([&](auto const& all) {
        for (auto const& m : all)
            if (m.ts == card && m.revisions > 0)
                return true;
        return false;
    }));
    auto const refreshed = w.posts_in("C0ACME");
    auto const it = std::find_if(refreshed.begin(), refreshed.end(), [&](auto const& m) { return m.ts == card; });
    REQUIRE(it != refreshed.end());
    CHECK(contains(json::serialize(it->blocks), "Ana Alvarez"));
    CHECK_FALSE(contains(json::serialize(it->blocks), "case_claim"));

    // A customer pressing Claim is told no, privately.
    auto customer = press;
    customer["user"] = json::object{{"id", "U0CAROL"}, {"team_id", "T0ACME"}};
    CHECK(w.interaction(customer).status == 200);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) { return m.kind == "ephemeral"; });
    }));
}

TEST_CASE("/case alone opens the form, and submitting it files the case")
{
    slack_world w;
    CHECK(w.command("U0CAROL", "C0ACME", "", "T0ACME").status == 200);
    REQUIRE(w.slack.wait_for([&](auto const&) { return w.slack.calls("views.open") > 0; }, std::chrono::seconds{2}));
    json::object submit{
        {"type", "view_submission"},
        {"user", json::object{{"id", "U0CAROL"}, {"team_id", "T0ACME"}}},
        {"view", json::object{{"id", "V1"},
                              {"callback_id", "new_case"},
                              {"private_metadata", R"({"channel":"C0ACME","thread":""})"},
                              {"state", json::object{{"values", json::object{
                                  {"severity", json::object{{"value", json::object{{"selected_option", json::object{{"value", "low"}}}}}}},
                                  {"category", json::object{{"value", json::object{{"selected_option", json::object{{"value", "question"}}}}}}},
                                  {"title", json::object{{"value", json::object{{"value", "How do I export?"}}}}},
                                  {"description", json::object{{"value", json::object{{"value", "To CSV, please."}}}}}}}}}}}};
    auto const r = w.interaction(submit);
    CHECK(r.status == 200);
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->level == severity::low);
    CHECK(c->description == "How do I export?\n\nTo CSV, please.");

    // Without a title the form says so and nothing is filed.
    auto empty = submit;
    empty.at("view").at("state").at("values").at("title").at("value").as_object()["value"] = "  ";
    auto const refused = w.interaction(empty);
    CHECK(json_of(refused).at("response_action").as_string() == "errors");
    CHECK_FALSE(w.bot->store().find(2).value().has_value());

    // Critical for a question: the form says only an error can be, and files nothing.
    auto critical = submit;
    critical.at("view").at("state").at("values").at("severity").at("value").as_object()["selected_option"] =
        json::object{{"value", "critical"}};
    auto const no = w.interaction(critical);
    CHECK(json_of(no).at("response_action").as_string() == "errors");
    CHECK(contains(json::serialize(json_of(no)), "Only a software error can be Critical"));
    CHECK_FALSE(w.bot->store().find(2).value().has_value());

    // A form Slack would not open is reported to the caller, with the one-line way.
    w.slack.fail_next("views.open", 200, std::nullopt, "expired_trigger_id");
    CHECK(w.command("U0CAROL", "C0ACME", "", "T0ACME").status == 200);
    REQUIRE(w.slack.wait_for(
        [](auto const& all) {
            return std::any_of(all.begin(), all.end(), [](auto const& m) {
                return m.kind == "response_url" && contains(m.text, "could not open the form (Slack said "
                                                                    "expired_trigger_id)");
            });
        },
        std::chrono::seconds{2}));

    // The severity form without a reason says so in a sentence, not with the typed
    // command's usage line.
    json::object severity_form{
        {"type", "view_submission"},
        {"user", json::object{{"id", "U0ANA"}, {"team_id", "T0VENDOR"}}},
        {"view", json::object{{"id", "V2"},
                              {"callback_id", "severity_change"},
                              {"private_metadata", R"({"case":1,"severity":"normal","channel":"C0ACME"})"},
                              {"state", json::object{{"values", json::object{
                                  {"reason", json::object{{"value", json::object{{"value", ""}}}}}}}}}}}};
    auto const unexplained = json::serialize(json_of(w.interaction(severity_form)));
    CHECK(contains(unexplained, "\"response_action\":\"errors\""));
    CHECK(contains(unexplained, "reason"));
    CHECK_FALSE(contains(unexplained, "Usage"));
    CHECK(w.bot->store().find(1).value()->level == severity::low);

    // A submission whose metadata lost the channel files nothing anywhere.
    for (auto const* metadata : {"", "not json", R"({"channel":42})", R"({"thread":""})"}) {
        CAPTURE(metadata);
        auto lost = submit;
        lost.at("view").as_object()["private_metadata"] = metadata;
        auto const answer = w.interaction(lost);
        CHECK(json_of(answer).at("response_action").as_string() == "errors");
        CHECK_FALSE(w.bot->store().find(2).value().has_value());
    }
}

TEST_CASE("a customer trying an agent's command, or another customer's case, is refused privately")
{
    slack_world w;
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    auto r = w.command("U0CAROL", "C0ACME", "claim 1", "T0ACME");
    CHECK(contains(reply_text(r), "Only the support team can use `claim`."));
    CHECK(w.bot->store().find(1).value()->assignee.empty());

    // A user of another customer's team in acme's channel speaks for their own organisation.
    r = w.command("U0STRANGER", "C0ACME", "show 1", "T0GLOBEX");
    CHECK(contains(reply_text(r), "I can't find #1 among the cases you can see."));
}

TEST_CASE("a 429 and a 500 from Slack are retried until Slack accepts, each message once")
{
    slack_world w;
    w.slack.fail_next("chat.postMessage", 429, 1);
    w.slack.fail_next("chat.postMessage", 500);
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    w.bot->deliver_now();   // 429: held for Retry-After
    CHECK(w.posts_in("C0ACME").empty());
    // The rate limit is recorded, but it is not an attempt that counts toward max_attempts.
    auto const waiting = w.bot->store().recent_outbox(10).value();
    auto const limited = std::find_if(waiting.begin(), waiting.end(),
                                      [](auto const& e) { return e.last_error == "ratelimited"; });
    REQUIRE(limited != waiting.end());
    CHECK(limited->attempts == 0);
    w.clock.advance(std::chrono::seconds{2});
    w.bot->deliver_now();   // 500: backoff
    w.clock.advance(std::chrono::seconds{30});
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    CHECK(w.posts_in("C0ACME").size() == 1);
    CHECK(w.posts_in("C0AGENTS").size() == 1);
    CHECK(w.slack.calls("chat.postMessage") >= 4);
}

TEST_CASE("a deleted case card is posted again when the case changes, and the new one is refreshed after")
{
    slack_world w;
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    auto const first = w.bot->store().find(1).value()->card_ref;
    REQUIRE_FALSE(first.empty());
    // Someone deleted the card: chat.update answers message_not_found.
    w.slack.fail_next("chat.update", 200, std::nullopt, "message_not_found");
    w.command("U0ANA", "C0AGENTS", "claim 1");
    REQUIRE(w.delivered([&](auto const& all) {
        return std::any_of(all.begin(), all.end(), [&](auto const& m) {
            return m.channel == "C0ACME" && m.kind == "post" && m.ts != first && contains(m.text, "#1 ") &&
                   m.thread_ts.empty();
        });
    }));
    w.bot->deliver_now();
    auto const second = w.bot->store().find(1).value()->card_ref;
    CHECK(second != first);
    CHECK_FALSE(second.empty());
    // The next change refreshes the new card in place.
    w.command("U0ANA", "C0AGENTS", "update 1 Found the cause");
    REQUIRE(w.delivered([&](auto const& all) {
        return std::any_of(all.begin(), all.end(), [&](auto const& m) { return m.ts == second && m.revisions > 0; });
    }));
    // The deleted card was the thread's root: the thread still counts, and so does the new card's.
    CHECK(w.bot->store().find(1).value()->origin.thread == first);
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "In the old thread", "1773065400.000100", first), "Ev1");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Under the new card", "1773065500.000100", second), "Ev2");
    auto const history = w.bot->store().history(1).value();
    for (auto const* words : {"In the old thread", "Under the new card"}) {
        CAPTURE(words);
        CHECK(std::any_of(history.begin(), history.end(),
                          [&](auto const& e) { return e.what == "customer_reply" && e.detail == words; }));
    }
}

TEST_CASE("a first card sent again after a refresh posted the card refreshes it instead of adding another")
{
    slack_world w;
    w.stop_bot();
    w.settings.delivery.max_attempts = 1;
    w.start_bot();
    w.slack.fail_next("chat.postMessage", 200, std::nullopt, "channel_not_found");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Login fails", "1773064800.000100"), "Ev1");
    w.bot->deliver_now();   // the card is refused and given up
    w.command("U0ANA", "C0AGENTS", "claim 1");
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.channel == "C0ACME" && m.kind == "post" && contains(m.text, "#1 ");
        });
    }));
    w.bot->deliver_now();
    auto const card = w.bot->store().find(1).value()->card_ref;
    REQUIRE_FALSE(card.empty());
    REQUIRE(w.bot->store().requeue_failed(std::nullopt, w.clock.now()).value() == 1);
    REQUIRE(w.delivered([&](auto const& all) {
        return std::any_of(all.begin(), all.end(), [&](auto const& m) { return m.ts == card && m.revisions > 0; });
    }));
    auto const in_thread = w.posts_in("C0ACME");
    CHECK(std::count_if(in_thread.begin(), in_thread.end(), [](auto const& m) {
              return contains(json::serialize(m.blocks), "case_actions");
          }) == 1);
    CHECK(w.bot->store().find(1).value()->card_ref == card);
}

TEST_CASE("a card whose blocks Slack refuses goes out as text, its fields written out")
{
    slack_world w;
    w.slack.fail_next("chat.postMessage", 200, std::nullopt, "invalid_blocks");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Login fails", "1773064800.000100"), "Ev1");
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) { return m.channel == "C0ACME"; });
    }));
    w.bot->deliver_now();
    auto const in_thread = w.posts_in("C0ACME");
    REQUIRE(in_thread.size() == 1);   // the refused post left nothing behind
    auto const& card = in_thread.front();
    CHECK(card.blocks.empty());
    CHECK(card.thread_ts == "1773064800.000100");
    CHECK(contains(card.text, "*#1 Login fails*"));
    CHECK(contains(card.text, "*Severity*: "));
    CHECK(contains(card.text, "*Initial response*: "));
    CHECK(w.slack.calls("chat.postMessage") >= 2);
    // Delivered once and for all: the case knows its card, and nothing waits to be sent again.
    CHECK(w.bot->store().find(1).value()->card_ref == card.ts);
    CHECK(w.bot->store().pending(bot::wall_time::max(), 10).value().empty());

    // A card refresh refused the same way leaves no stale card: the update clears the
    // blocks (and their buttons) and writes the case out as it is now.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Search is slow", "1773064900.000100"), "Ev2");
    REQUIRE(w.delivered([](auto const&) { return true; }));
    w.bot->deliver_now();
    auto const second = w.bot->store().find(2).value()->card_ref;
    auto const card_of = [&] {
        auto const all = w.posts_in("C0ACME");
        auto const it = std::find_if(all.begin(), all.end(), [&](auto const& m) { return m.ts == second; });
        REQUIRE(it != all.end());
        return *it;
    };
    REQUIRE_FALSE(card_of().blocks.empty());
    w.slack.fail_next("chat.update", 200, std::nullopt, "invalid_blocks");
    w.command("U0ANA", "C0AGENTS", "claim 2");
    REQUIRE(w.delivered([&](auto const& all) {
        return std::any_of(all.begin(), all.end(), [&](auto const& m) { return m.ts == second && m.revisions > 0; });
    }));
    CHECK(card_of().blocks.empty());
    CHECK(contains(card_of().text, "*Assignee*: Ana"));
    CHECK(w.slack.calls("chat.update") == 2);
}

TEST_CASE("two changes before the next delivery refresh the card once, in place")
{
    slack_world w;
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    auto const card = w.bot->store().find(1).value()->card_ref;
    REQUIRE_FALSE(card.empty());
    w.command("U0ANA", "C0AGENTS", "claim 1");
    w.command("U0ANA", "C0AGENTS", "update 1 Found the cause");   // the first refresh is superseded
    REQUIRE(w.delivered([&](auto const& all) {
        return std::any_of(all.begin(), all.end(), [&](auto const& m) { return m.ts == card && m.revisions > 0; });
    }));
    w.bot->deliver_now();
    CHECK(w.bot->store().find(1).value()->card_ref == card);
    CHECK(w.bot->store().find(1).value()->origin.thread == card);
    auto const cards = w.posts_in("C0ACME");
    CHECK(std::count_if(cards.begin(), cards.end(), [](auto const& m) { return m.thread_ts.empty(); }) == 1);
}

TEST_CASE("a post refused because the bot is not in the channel waits to be invited")
{
    slack_world w;
    w.slack.fail_next("chat.postMessage", 200, std::nullopt, "not_in_channel", 100);
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    w.bot->deliver_now();
    auto const entries = w.bot->store().recent_outbox(10).value();
    auto const card = std::find_if(entries.begin(), entries.end(), [](auto const& e) {
        return e.message.kind == "case_card";
    });
    REQUIRE(card != entries.end());
    CHECK(card->state == delivery_state::pending);   // not refused for good: inviting the bot fixes it
    CHECK(card->last_error == "not_in_channel");
}

TEST_CASE("a restart with messages still in the outbox delivers them once")
{
    slack_world w;
    w.slack.fail_next("chat.postMessage", 500, std::nullopt, {}, 100);
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    w.bot->deliver_now();
    CHECK(w.posts_in("C0ACME").empty());
    w.restart();
    w.slack.clear();
    w.clock.advance(std::chrono::minutes{5});
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    w.bot->deliver_now();
    CHECK(w.posts_in("C0ACME").size() == 1);
    CHECK(w.posts_in("C0AGENTS").size() == 1);
}

TEST_CASE("a post Slack made but whose answer was lost is found by its metadata and not posted twice")
{
    slack_world w;
    // The case card is posted, but a gateway loses Slack's answer.
    w.slack.lose_answer_next("chat.postMessage");
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    w.bot->deliver_now();
    REQUIRE(w.posts_in("C0ACME").size() == 1);
    w.clock.advance(std::chrono::seconds{30});
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    w.bot->deliver_now();
    CHECK(w.posts_in("C0ACME").size() == 1);
    CHECK(w.posts_in("C0AGENTS").size() == 1);
    CHECK(w.slack.calls("conversations.history") == 1);
    auto const card = card_ts(w, "C0ACME", "#1");
    REQUIRE_FALSE(card.empty());
    // The card found is the case's thread, as if its answer had arrived.
    CHECK(w.bot->store().find(1).value()->origin.thread == card);

    // In the thread, an update whose answer is lost is found among the replies.
    w.slack.lose_answer_next("chat.postMessage");
    w.command("U0ANA", "C0ACME", "update 1 The export is fixed in 4.2.1");
    w.bot->deliver_now();
    auto const updates = [&] {
        std::size_t n = 0;
        for (auto const& m : w.posts_in("C0ACME"))
            if (m.thread_ts == card && contains(m.text, "fixed in 4.2.1"))
                ++n;
        return n;
    };
    REQUIRE(updates() == 1);
    w.clock.advance(std::chrono::seconds{30});
    w.bot->deliver_now();
    CHECK(updates() == 1);
    CHECK(w.slack.calls("conversations.replies") == 1);
    auto const posts_before = w.slack.calls("chat.postMessage");
    w.bot->deliver_now();   // nothing is left in doubt
    CHECK(w.slack.calls("chat.postMessage") == posts_before);
}

TEST_CASE("after Slack's fatal_error a post is looked for first, and sent once when it is not there")
{
    slack_world w;
    w.slack.fail_next("chat.postMessage", 200, std::nullopt, "fatal_error");   // the card: nothing posted
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    w.bot->deliver_now();
    CHECK(w.posts_in("C0ACME").empty());
    w.clock.advance(std::chrono::seconds{30});
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));
    w.bot->deliver_now();
    CHECK(w.posts_in("C0ACME").size() == 1);
    CHECK(w.slack.calls("conversations.history") == 1);
}

namespace {
// Breach pings go to each lead by direct message: Lea (U0LEA) in Slack.
void leads_by_slack_dm(slack_world& w)
{
    auto const& p = w.settings.people;
    auto routes = p.routes();
    routes.leads = leads_delivery::direct_message;
    w.settings.people = directory{p.customers(), p.people(), p.channels(), routes, p.team()};
    w.restart();
}

std::size_t breach_pings_to_lea(const slack_world& w)
{
    std::size_t n = 0;
    for (auto const& m : w.posts_in("D0LEA"))
        if (contains(m.text, "Breach: #1"))
            ++n;
    return n;
}
}  // namespace

TEST_CASE("a breach ping to a lead whose answer was lost is found in the direct conversation, not sent twice")
{
    slack_world w;   // Mon 10:00 EDT
    leads_by_slack_dm(w);
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));

    w.clock.set(utc("2026-03-09T15:00:01Z"));   // 11:00:01: the hour is up
    w.slack.lose_answer_next("chat.postMessage");
    CHECK(w.bot->run_scheduler_now() == 1);
    w.bot->deliver_now();
    REQUIRE(breach_pings_to_lea(w) == 1);
    w.clock.advance(std::chrono::seconds{30});
    w.bot->deliver_now();
    CHECK(breach_pings_to_lea(w) == 1);
    CHECK(w.slack.calls("conversations.open") == 1);
    CHECK(w.slack.calls("conversations.history") == 1);
    auto const posts_before = w.slack.calls("chat.postMessage");
    w.bot->deliver_now();   // nothing is left in doubt
    CHECK(w.slack.calls("chat.postMessage") == posts_before);
}

TEST_CASE("a lost breach ping is sent again when Slack will not open the direct conversation to look")
{
    slack_world w;
    leads_by_slack_dm(w);
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));

    w.clock.set(utc("2026-03-09T15:00:01Z"));
    w.slack.fail_next("chat.postMessage", 500);   // nothing posted, no answer to trust
    // An app installed before it asked for im:write.
    w.slack.fail_next("conversations.open", 200, std::nullopt, "missing_scope");
    CHECK(w.bot->run_scheduler_now() == 1);
    w.bot->deliver_now();
    CHECK(breach_pings_to_lea(w) == 0);
    w.clock.advance(std::chrono::seconds{30});
    w.bot->deliver_now();
    CHECK(breach_pings_to_lea(w) == 1);
    CHECK(w.slack.calls("conversations.open") == 1);
    CHECK(w.slack.calls("conversations.history") == 0);
}

TEST_CASE("a lost post in a public channel the bot was never invited to is looked up after joining it")
{
    slack_world w;   // Mon 10:00 EDT
    w.slack.leave("C0LEADS");   // breach pings go there through chat:write.public
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 2; }));

    w.clock.set(utc("2026-03-09T15:00:01Z"));   // 11:00:01: the hour is up
    w.slack.lose_answer_next("chat.postMessage");
    CHECK(w.bot->run_scheduler_now() == 1);
    w.bot->deliver_now();
    REQUIRE(w.posts_in("C0LEADS").size() == 1);
    w.clock.advance(std::chrono::seconds{30});
    w.bot->deliver_now();
    CHECK(w.posts_in("C0LEADS").size() == 1);
    CHECK(w.slack.calls("conversations.join") == 1);
    CHECK(w.slack.is_member("C0LEADS"));
    CHECK(w.slack.calls("conversations.history") == 2);   // refused, then after joining
}

TEST_CASE("a lost post is sent again when the bot cannot join the channel, and a customer's is never joined")
{
    slack_world w;   // Mon 10:00 EDT
    w.slack.leave("C0LEADS");
    w.slack.leave("C0ACME");   // say the customer's admins removed the bot
    // The case card's answer is lost; the bot does not join the customer's channel to look.
    w.slack.lose_answer_next("chat.postMessage");
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    w.bot->deliver_now();
    w.clock.advance(std::chrono::seconds{30});
    REQUIRE(w.delivered([](auto const& all) { return all.size() >= 3; }));
    CHECK(w.posts_in("C0ACME").size() == 2);
    CHECK(w.slack.calls("conversations.join") == 0);
    CHECK_FALSE(w.slack.is_member("C0ACME"));

    // A leads' channel it may join, but an install without channels:join cannot.
    w.clock.set(utc("2026-03-09T15:00:01Z"));
    w.slack.lose_answer_next("chat.postMessage");
    w.slack.fail_next("conversations.join", 200, std::nullopt, "missing_scope");
    CHECK(w.bot->run_scheduler_now() == 1);
    w.bot->deliver_now();
    REQUIRE(w.posts_in("C0LEADS").size() == 1);
    w.clock.advance(std::chrono::seconds{30});
    w.bot->deliver_now();
    CHECK(w.posts_in("C0LEADS").size() == 2);
    CHECK(w.slack.calls("conversations.join") == 1);
}

TEST_CASE("reminders go out from the scheduler inside the server, and breaches reach the leads")
{
    slack_world w;   // Mon 10:00 EDT
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    w.clock.set(utc("2026-03-09T14:45:00Z"));   // 10:45: 15 minutes before
    CHECK(w.bot->run_scheduler_now() == 1);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) { return m.text.find("Reminder") != std::string::npos; });
    }));
    w.clock.set(utc("2026-03-09T15:00:01Z"));
    CHECK(w.bot->run_scheduler_now() == 1);
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) { return m.channel == "C0LEADS"; });
    }));
    CHECK(w.bot->run_scheduler_now() == 0);   // nothing twice
    CHECK(contains(w.posts_in("C0LEADS").at(0).text, "Breach: #1 (critical, Acme)"));
}

TEST_CASE("a reload adds a customer's channel without a restart")
{
    slack_world w;
    auto r = w.command("U0NEW", "C0INITECH", "new normal question Hello", "T0INITECH");
    CHECK(contains(reply_text(r), "I can't tell who you are here"));
    auto more = bot::config::parse_settings(std::string{bot::app::demo_config_toml} + R"(
[[customers]]
id = "initech"
name = "Initech"
slack_teams = ["T0INITECH"]
[[customers.channels]]
platform = "slack"
id = "C0INITECH"
)", "reloaded.toml", bot::config::no_env());
    REQUIRE(more.has_value());
    more->database = w.settings.database;
    more->slack = w.settings.slack;   // the environment's secrets, as `serve` reads them again
    w.bot->reload(*more);
    r = w.command("U0NEW", "C0INITECH", "new normal question Hello", "T0INITECH");
    CAPTURE(r.body);
    CHECK(contains(reply_text(r), "Opened #1"));
}

TEST_CASE("a reload that changes the support hours re-times open cases and their cards")
{
    slack_world w;   // Mon 9 Mar 2026 10:00 EDT
    auto r = w.command("U0CAROL", "C0ACME", "new normal question Exports are slow", "T0ACME");
    REQUIRE(contains(reply_text(r), "Opened #1"));
    CHECK(*w.bot->store().find(1).value()->initial.due == utc("2026-03-09T18:00:00Z"));   // 4h: Mon 14:00 EDT
    CHECK(w.bot->run_scheduler_now() == 0);
    auto const cards_before = w.bot->store().recent_outbox(50).value().size();

    // The office closes today: a holiday added to the configuration and reloaded.
    auto closed = bot::config::parse_settings(std::string{bot::app::demo_config_toml} +
                                                  "\n[support]\nholidays = [\"2026-03-09\"]\n",
                                              "reloaded.toml", bot::config::no_env());
    REQUIRE(closed.has_value());
    closed->database = w.settings.database;
    closed->slack = w.settings.slack;
    w.bot->reload(*closed);
    w.bot->run_scheduler_now();
    // The clock starts at Tuesday's opening: 4h later, Tue 13:00 EDT.
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(*c->initial.due == utc("2026-03-10T17:00:00Z"));
    auto const history = w.bot->store().history(1).value();
    REQUIRE_FALSE(history.empty());
    CHECK(history.back().what == "retimed");
    CHECK(contains(history.back().detail, "initial response now due Tue 10 Mar 2026 13:00 EDT"));
    auto const outbox = w.bot->store().recent_outbox(50).value();
    REQUIRE(outbox.size() == cards_before + 1);
    CHECK(outbox.front().message.kind == "card_update");
    // Once: the next pass finds every deadline where it belongs.
    w.bot->run_scheduler_now();
    CHECK(w.bot->store().recent_outbox(50).value().size() == cards_before + 1);
    CHECK(w.bot->store().history(1).value().size() == history.size());
}

TEST_CASE("a message's title is its first line with words, read as the customer typed it")
{
    slack_world w;
    // Slack sends the customer's "<" and "&" as entities; blank lines may come first.
    auto const e = message_event("U0CAROL", "T0ACME", "C0ACME", "\n  \nTotals &lt; 0 &amp; rising  \nSince Friday.",
                                 "1773064800.000400");
    REQUIRE(w.event(e, "Ev0040").status == 200);
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->title == "Totals < 0 & rising");
    // The card shows what was typed: as is in its plain-text header, escaped once in
    // the message's mrkdwn text.
    REQUIRE(w.delivered([](auto const& all) { return !all.empty(); }));
    auto const post = w.posts_in("C0ACME").at(0);
    auto const card = json::serialize(post.blocks);
    CAPTURE(card);
    CHECK(contains(card, R"("text":"#1 Totals < 0 & rising")"));
    CHECK(contains(post.text, "Totals &lt; 0 &amp; rising"));
    CHECK_FALSE(contains(card + post.text, "&amp;lt;"));
    CHECK_FALSE(contains(card + post.text, "&amp;amp;"));

    // People, channels and links read as people read them; the bot's mention goes; a
    // typed < … > stays as typed.
    auto const marked = message_event("U0CAROL", "T0ACME", "C0ACME",
                                      "<@U0CASEBOT> <@U0ANA> says <#C0ACMEQA|qa> and <https://x.example/r|the report> "
                                      "show a &lt; b &gt; c <!subteam^S0AGENTS|@support>",
                                      "1773064800.000500");
    REQUIRE(w.event(marked, "Ev0041").status == 200);
    CHECK(w.bot->store().find(2).value()->title == "@Ana Alvarez says #qa and the report show a < b > c @support");
}

TEST_CASE("a command in a case's thread that names no case is about that case")
{
    slack_world w;
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Login fails", "1773064800.000100"), "Ev1");
    w.event(message_event("U0ANA", "T0VENDOR", "C0ACME", "<@U0CASEBOT> claim", "1773064900.000100",
                          "1773064800.000100"),
            "Ev2");
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->assignee == "ana");
    auto const history = w.bot->store().history(1).value();
    CHECK(std::none_of(history.begin(), history.end(), [](auto const& e) { return e.detail == "claim"; }));

    // A customer's words that start like an agent's command stay their words on the case.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "<@U0CASEBOT> update please?", "1773065000.000100",
                          "1773064800.000100"),
            "Ev3");
    auto const later = w.bot->store().history(1).value();
    CHECK(std::any_of(later.begin(), later.end(), [](auto const& e) {
        return e.what == "customer_reply" && e.detail == "update please?";
    }));
    // An agent's bare "update" is answered with its usage, not recorded as an update.
    w.event(message_event("U0ANA", "T0VENDOR", "C0ACME", "<@U0CASEBOT> update", "1773065100.000100",
                          "1773064800.000100"),
            "Ev4");
    auto const last = w.bot->store().history(1).value();
    CHECK(std::none_of(last.begin(), last.end(), [](auto const& e) { return e.detail == "update"; }));
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(),
                           [](auto const& m) { return m.kind == "ephemeral" && contains(m.text, "Usage: update"); });
    }));
}

TEST_CASE("where every message opens a case, a message written as a command runs it")
{
    slack_world w;
    // `new` with a severity, as `help` shows it: the case is what it says, not a question
    // titled with the command's words.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "new critical error Checkout is down for all users",
                          "1773064800.000100"),
            "Ev1");
    auto const first = w.bot->store().find(1).value();
    REQUIRE(first.has_value());
    CHECK(first->level == severity::critical);
    CHECK(first->kind == category::error);
    CHECK(first->title == "Checkout is down for all users");
    CHECK(first->origin.thread == "1773064800.000100");   // its card answers the message

    // Critical alone means a software error.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "new critical Payments fail", "1773064850.000100"),
            "Ev1b");
    CHECK(w.bot->store().find(2).value()->title == "Payments fail");
    CHECK(w.bot->store().find(2).value()->level == severity::critical);

    // A message that only starts with "new" is a case in its own words.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "New users cannot log in", "1773064900.000100"), "Ev2");
    auto const second = w.bot->store().find(3).value();
    REQUIRE(second.has_value());
    CHECK(second->title == "New users cannot log in");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "New error: exports fail", "1773064950.000100"), "Ev2b");
    CHECK(w.bot->store().find(4).value()->title == "New error: exports fail");

    // `help` is answered, privately, and files nothing.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "help", "1773065000.000100"), "Ev3");
    CHECK_FALSE(w.bot->store().find(5).value().has_value());
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.kind == "ephemeral" && m.user == "U0CAROL" && contains(m.text, "new ");
        });
    }));

    // Words that merely start like a command are a case too.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Help me with the export", "1773065050.000100"), "Ev3b");
    CHECK(w.bot->store().find(5).value()->title == "Help me with the export");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Note 1 user cannot log in", "1773065060.000100"), "Ev3c");
    CHECK(w.bot->store().find(6).value()->title == "Note 1 user cannot log in");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "New normal for us: exports take ten minutes",
                          "1773065070.000100"),
            "Ev3d");
    CHECK(w.bot->store().find(7).value()->title == "New normal for us: exports take ten minutes");
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "Reopen 3 tabs and the app crashes", "1773065080.000100"),
            "Ev3e");
    CHECK(w.bot->store().find(8).value()->title == "Reopen 3 tabs and the app crashes");

    // `new` in another case's thread opens a case whose card is a message of its own.
    w.event(message_event("U0CAROL", "T0ACME", "C0ACME", "<@U0CASEBOT> new normal error Invoices print blank",
                          "1773065100.000100", "1773064800.000100"),
            "Ev4");
    auto const ninth = w.bot->store().find(9).value();
    REQUIRE(ninth.has_value());
    CHECK(ninth->title == "Invoices print blank");
    // Its card is top-level (card_ts() looks at no thread), and its thread is the case's.
    REQUIRE(w.delivered([&](auto const&) { return !card_ts(w, "C0ACME", "#9").empty(); }));
    CHECK(w.bot->store().find(9).value()->origin.thread == card_ts(w, "C0ACME", "#9"));

    // A mention's answer carries the case's fields, as /case show does.
    w.event(message_event("U0ANA", "T0VENDOR", "C0ACME", "<@U0CASEBOT> show", "1773065200.000100",
                          "1773064800.000100"),
            "Ev5");
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.kind == "ephemeral" && m.user == "U0ANA" && contains(m.text, "Severity: critical") &&
                   contains(m.text, "Initial response: ");
        });
    }));
}
