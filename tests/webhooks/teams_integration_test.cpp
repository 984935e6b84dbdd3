// The Teams side end to end: the real server on loopback, the outgoing webhook
// (HMAC), the Bot Framework bot (JWT), Workflows posts, and one queue with Slack.
#include "slack_world.hpp"

#include "webhooks/signature.hpp"

#include <sqlite3.h>

using namespace bot;
using namespace bot::test;
namespace json = boost::json;

namespace {
constexpr const char* globex = "19:globex@thread.tacv2";

bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

std::string card_text(const webhooks::http_result& r)
{
    return json::serialize(json_of(r));
}

bool any_activity(const std::vector<webhooks::teams_activity>& all, std::string_view kind, std::string_view text)
{
    return std::any_of(all.begin(), all.end(), [&](auto const& a) {
        return a.kind == kind && json::serialize(a.body).find(text) != std::string::npos;
    });
}

// protocols.md §2.1: the verified 606-byte activity and its HMAC.
constexpr std::string_view vector_body =
    R"({"type":"message","id":"1717236000000","timestamp":"2024-06-01T10:00:00.000Z","serviceUrl":"https://smba.trafficmanager.net/amer/","channelId":"msteams","from":{"id":"29:1a2b3c","name":"Megan Bowen","aadObjectId":"11111111-2222-3333-4444-555555555555"},"conversation":{"isGroup":true,"id":"19:abc123@thread.tacv2;messageid=1717236000000"},"text":"<at>Acme Bot</at> status","channelData":{"teamsChannelId":"19:abc123@thread.tacv2","teamsTeamId":"19:def456@thread.tacv2","channel":{"id":"19:abc123@thread.tacv2"},"team":{"id":"19:def456@thread.tacv2"},"tenant":{"id":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}})";
}  // namespace

TEST_CASE("the outgoing webhook accepts protocols.md's HMAC vector and refuses forged or missing ones")
{
    slack_world w;
    auto r = w.post("/teams/webhook", "application/json", vector_body,
                    {{"Authorization", "HMAC ZlSY97WaXrYC6eAlO2DOAYsChR+CyecwDvLdSXExp4w="}});
    CHECK(r.status == 200);
    CHECK(json_of(r).at("type").as_string() == "message");
    CHECK(contains(card_text(r), "I can't tell who you are here"));   // a channel we don't know

    // The anti-vector (key = the ASCII of the base64 text), a tampered body, none at all.
    CHECK(w.post("/teams/webhook", "application/json", vector_body,
                 {{"Authorization", "HMAC bD0VOtco7pq57i/K6U0idzUZLNzYnB5YKDRIc3q+ArU="}})
              .status == 401);
    auto tampered = std::string{vector_body};
    tampered.replace(tampered.find("status"), 6, "Status");
    CHECK(w.post("/teams/webhook", "application/json", tampered,
                 {{"Authorization", "HMAC ZlSY97WaXrYC6eAlO2DOAYsChR+CyecwDvLdSXExp4w="}})
              .status == 401);
    CHECK(w.post("/teams/webhook", "application/json", vector_body, {}).status == 401);
    CHECK(w.post("/teams/webhook", "application/json", vector_body, {{"Authorization", "Bearer x"}}).status == 401);
    CHECK(w.bot->store().count_open_cases().value() == 0);
}

TEST_CASE("a channel with its team's own webhook token takes only calls that token signed")
{
    slack_world w;
    // Globex's team has its own outgoing webhook; a second Globex channel has none.
    constexpr const char* globex_token = "Z2xvYmV4LXRlYW0td2ViaG9vay10b2tlbg==";
    constexpr const char* globex_two = "19:globex-two@thread.tacv2";
    w.stop_bot();
    auto channels = w.settings.people.channels();
    for (auto& c : channels)
        if (c.channel == globex)
            c.webhook_secret = globex_token;
    channels.push_back({platform::teams, globex_two, "globex", open_mode::every_message, "", ""});
    auto const& p = w.settings.people;
    w.settings.people = directory{p.customers(), p.people(), channels, p.routes(), p.team()};
    w.start_bot();

    auto const signed_with = [&](const json::object& activity, const std::string& token) {
        auto const body = json::serialize(activity);
        return w.post("/teams/webhook", "application/json", body,
                      {{"Authorization", webhooks::teams_signature(token, body)}});
    };
    auto const in = [&](const char* channel) { return w.teams_activity("29:gus", "Gus Grant", channel, "sla"); };
    CHECK(signed_with(in(globex), globex_token).status == 200);
    // The token for every channel no longer speaks for Globex's...
    CHECK(signed_with(in(globex), teams_webhook_token).status == 401);
    // ...and Globex's token speaks for no other channel.
    CHECK(signed_with(in(globex_two), globex_token).status == 401);
    CHECK(signed_with(in("19:unmapped@thread.tacv2"), globex_token).status == 401);
    CHECK(signed_with(in(globex_two), teams_webhook_token).status == 200);
}

TEST_CASE("a Teams customer opens a case through the outgoing webhook and sees its card at once")
{
    slack_world w;
    auto const r = w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "new critical error Orders are stuck"));
    REQUIRE(r.status == 200);
    auto const text = card_text(r);
    CHECK(contains(text, "AdaptiveCard"));
    CHECK(contains(text, "#1 Orders are stuck"));
    CHECK(contains(text, "Mon 9 Mar 2026 11:00 EDT"));
    CHECK_FALSE(contains(text, "Action.Submit"));   // outgoing-webhook cards take no buttons
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->customer == "globex");
    CHECK(c->origin.where == platform::teams);

    // A customer's plain words open a case too; `<at>` mentions are stripped.
    auto const words = w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "The invoice PDF is blank"));
    CHECK(contains(card_text(words), "#2 The invoice PDF is blank"));
    // So do words written like a command about a case they cannot see: here no #500.
    auto const why = w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "why 500"));
    CHECK(contains(card_text(why), "#3 why 500"));
    // Acme's case (#4) is not Globex's to name either; their own #1 still answers.
    w.command("U0CAROL", "C0ACME", "new normal error Export fails", "T0ACME");
    REQUIRE(w.bot->store().find(4).value().has_value());
    CHECK(contains(card_text(w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "show 4"))), "#5 show 4"));
    CHECK(w.bot->store().find(5).value()->customer == "globex");
    w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "show 1"));
    CHECK_FALSE(w.bot->store().find(6).value().has_value());
    // Malformed bodies get 400, signed or not.
    auto const body = std::string{"{not json"};
    CHECK(w.post("/teams/webhook", "application/json", body,
                 {{"Authorization", webhooks::teams_signature(teams_webhook_token, body)}})
              .status == 400);
}

TEST_CASE("an answer that came after the outgoing webhook's stand-in reaches the channel through the outbox")
{
    slack_world w;
    w.stop_bot();
    w.teams_budget = std::chrono::milliseconds{100};
    w.start_bot();
    // Another writer holds the database, so the command waits past the budget for it.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(w.settings.database.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto const r =
        w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "contacts add ops@globex.example"));
    CHECK(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
    CHECK(r.status == 200);
    CHECK(contains(card_text(r), "Working on it"));
    // Teams cannot be answered twice: the answer is posted to the channel instead.
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "workflow", "ops@globex.example"); }));
}

TEST_CASE("Bot Framework tokens are checked: issuer, audience, lifetime, key, endorsement, service URL")
{
    slack_world w;
    auto const activity = [&] { return w.teams_activity("29:gus", "Gus Grant", globex, "sla"); };
    CHECK(w.teams_message(activity()).status == 200);
    CHECK(w.teams_message(activity(), [](json::object& c) { c["aud"] = "someone-else"; }).status == 401);
    CHECK(w.teams_message(activity(), [](json::object& c) { c["iss"] = "https://evil.example"; }).status == 401);
    auto const now = w.clock.now().time_since_epoch().count();
    CHECK(w.teams_message(activity(), [&](json::object& c) { c["exp"] = now - 360; }).status == 401);
    CHECK(w.teams_message(activity(), [&](json::object& c) { c["serviceurl"] = "https://other.example/"; }).status ==
          401);
    // Signed by a key the metadata does not publish, or by one not endorsed for msteams.
    auto a = activity();
    auto const unknown = w.teams.mint_token_with_unknown_key(teams_app_id, std::string{a.at("serviceUrl").as_string()});
    CHECK(w.post("/teams/messages", "application/json", json::serialize(a), {{"Authorization", "Bearer " + unknown}})
              .status == 401);
    auto const skype_only = w.teams.add_key_without_msteams();
    auto const token = w.teams.mint_token(teams_app_id, std::string{a.at("serviceUrl").as_string()},
                                          [&](json::object& c) {
                                              c["nbf"] = now - 60;
                                              c["exp"] = now + 3600;
                                          },
                                          skype_only);
    CHECK(w.post("/teams/messages", "application/json", json::serialize(a), {{"Authorization", "Bearer " + token}})
              .status == 401);
    CHECK(w.post("/teams/messages", "application/json", json::serialize(a), {}).status == 401);
    // Without a token nothing about the body is said, not even that it is malformed.
    CHECK(w.post("/teams/messages", "application/json", "{not json", {}).status == 401);
    CHECK(w.post("/teams/messages", "application/json", "{not json", {{"Authorization", "Basic eDp5"}}).status ==
          401);
    CHECK(w.bot->store().count_open_cases().value() == 0);
}

TEST_CASE("through the bot, replies and notices go into the case's thread and the card is edited in place")
{
    slack_world w;
    auto const opening = w.teams_activity("29:gus", "Gus Grant", globex, "new normal error Exports fail");
    REQUIRE(w.teams_message(opening).status == 200);
    auto const root = std::string{opening.at("id").as_string()};
    // The card answers in the thread the customer started.
    REQUIRE(w.teams_delivered([&](auto const& all) { return any_activity(all, "reply", "#1 Exports fail"); }));
    auto const c = w.bot->store().find(1).value();
    REQUIRE(c.has_value());
    CHECK(c->origin.thread == root);
    CHECK_FALSE(c->card_ref.empty());

    // Raj (an agent with a Teams id) claims with the card's button.
    auto press = w.teams_activity("29:raj", "Raj Patel", globex, "", root);
    press["text"] = "";
    press["value"] = json::object{{"casebot_action", "claim"}, {"case", 1}};
    REQUIRE(w.teams_message(press).status == 200);
    CHECK(w.bot->store().find(1).value()->assignee == "raj");
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "update", "Raj Patel"); }));
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "reply", "Raj Patel claimed #1"); }));
}

TEST_CASE("a retried Teams message changes nothing and says nothing, and its id in another channel is another message")
{
    slack_world w;
    // Globex gets a second channel.
    constexpr const char* globex_two = "19:globex-two@thread.tacv2";
    w.stop_bot();
    auto channels = w.settings.people.channels();
    channels.push_back({platform::teams, globex_two, "globex", open_mode::every_message, "", ""});
    auto const& p = w.settings.people;
    w.settings.people = directory{p.customers(), p.people(), channels, p.routes(), p.team()};
    w.start_bot();

    auto const opening = w.teams_activity("29:gus", "Gus Grant", globex, "new normal error Exports fail");
    REQUIRE(w.teams_message(opening).status == 200);
    REQUIRE(w.teams_message(opening).status == 200);   // Teams' retry: recognised, and costs no number
    REQUIRE(w.teams_delivered([&](auto const& all) { return any_activity(all, "reply", "#1 Exports fail"); }));
    CHECK_FALSE(w.bot->store().find(2).value().has_value());
    auto const queued = w.bot->store().recent_outbox(100).value();
    CHECK(std::none_of(queued.begin(), queued.end(),
                       [](auto const& e) { return contains(e.message.text, "Already done"); }));

    // Teams' ids are times in milliseconds: another channel may use the same one.
    auto elsewhere = w.teams_activity("29:gus", "Gus Grant", globex_two, "new normal error Imports fail");
    elsewhere["id"] = opening.at("id");
    REQUIRE(w.teams_message(elsewhere).status == 200);
    auto const second = w.bot->store().find(2).value();
    REQUIRE(second.has_value());
    CHECK(second->title == "Imports fail");

    // A message without its id could not be told from its retries.
    auto nameless = w.teams_activity("29:gus", "Gus Grant", globex, "new normal error Nameless");
    nameless.erase("id");
    CHECK(w.teams_webhook(nameless).status == 400);

    // An outgoing webhook answers only messages: other activities change nothing.
    auto update = w.teams_activity("29:gus", "Gus Grant", globex, "new normal error Not a message");
    update["type"] = "conversationUpdate";
    CHECK(w.teams_webhook(update).status == 200);
    CHECK_FALSE(w.bot->store().find(3).value().has_value());
}

TEST_CASE("Workflows posts carry reminders to a channel the bot has not joined, through a 429 and a 500")
{
    slack_world w;
    // The failures are armed first: the delivery worker may wake as soon as the case exists.
    w.teams.fail_next("workflow", 429, 1);
    w.teams.fail_next("workflow", 500);
    w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "new critical error Orders are stuck"));
    w.bot->deliver_now();   // 429
    w.clock.advance(std::chrono::seconds{2});
    w.bot->deliver_now();   // 500
    w.clock.advance(std::chrono::seconds{30});
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "workflow", "#1 Orders are stuck"); }));
    w.clock.set(utc("2026-03-09T14:45:00Z"));
    CHECK(w.bot->run_scheduler_now() == 1);
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "workflow", "Reminder: #1"); }));
    auto const all = w.teams.activities();
    CHECK(std::count_if(all.begin(), all.end(), [](auto const& a) {
              return a.kind == "workflow" && json::serialize(a.body).find("Reminder: #1") != std::string::npos;
          }) == 1);
}

TEST_CASE("one queue: a case opened in Teams is claimed from Slack and the customer hears it in Teams")
{
    slack_world w;
    auto const opening = w.teams_activity("29:gus", "Gus Grant", globex, "new critical error Orders are stuck");
    REQUIRE(w.teams_message(opening).status == 200);
    auto const claimed = w.command("U0ANA", "C0AGENTS", "claim 1");
    CHECK(json::serialize(json_of(claimed)).find("You claimed #1") != std::string::npos);
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "reply", "Ana Alvarez claimed #1"); }));
    // …and the agents heard of the new Teams case in Slack.
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(), [](auto const& m) {
            return m.channel == "C0AGENTS" && m.text.find("New critical case #1 from Globex") != std::string::npos;
        });
    }));
    // The other way round: opened in Slack, updated from Teams by an agent with a Teams id.
    w.command("U0CAROL", "C0ACME", "new normal question Where is the export?", "T0ACME");
    REQUIRE(w.delivered([](auto const& all) { return !all.empty(); }));
    auto const update = w.teams_activity("29:raj", "Raj Patel", globex, "update 2 Export is under Reports");
    REQUIRE(w.teams_message(update).status == 200);
    // In globex's channel everyone sees the answer: acme's case is not theirs to show.
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "reply", "I can't find #2"); }));
    w.command("U0RAJ", "C0AGENTS", "update 2 Export is under Reports");
    REQUIRE(w.delivered([](auto const& all) {
        return std::any_of(all.begin(), all.end(),
                           [](auto const& m) { return m.text.find("Update on #2 from Raj Patel") != std::string::npos; });
    }));
}

namespace {
// Leads by direct message; Lea, the lead, is on Teams only, in the vendor's tenant.
void leads_by_teams_dm(slack_world& w)
{
    auto const& p = w.settings.people;
    auto people = p.people();
    for (auto& person : people)
        if (person.id == "lea") {
            person.slack_user.clear();
            person.teams_user = "29:lea";
        }
    auto routes = p.routes();
    routes.leads = leads_delivery::direct_message;
    auto team = p.team();
    team.teams_tenant = "tenant-vendor";
    w.settings.people = directory{p.customers(), people, p.channels(), routes, team};
    w.restart();
}

// Raj mentions the bot in the vendor's own agents' channel: from then on the bot knows
// a conversation, and its service URL, in the vendor's tenant.
void bot_seen_in_vendor_tenant(slack_world& w)
{
    auto hello = w.teams_activity("29:raj", "Raj Patel", "19:agents@thread.tacv2", "help");
    hello["channelData"].as_object()["tenant"] = json::object{{"id", "tenant-vendor"}};
    REQUIRE(w.teams_message(hello).status == 200);
    auto const known = w.bot->store().any_conversation_in(platform::teams, "tenant-vendor").value();
    REQUIRE(known.has_value());
    CHECK(known->service_url == w.teams.service_url());
}

// The outbox row of the first breach ping.
outbox_entry breach_ping(slack_world& w)
{
    for (auto const& e : w.bot->store().recent_outbox(100).value())
        if (e.message.kind == "breach")
            return e;
    FAIL("no breach ping in the outbox");
    return {};
}
}  // namespace

TEST_CASE("breach pings reach a lead who is only on Teams in a direct chat the bot opens once")
{
    slack_world w;   // Mon 10:00 EDT
    leads_by_teams_dm(w);
    bot_seen_in_vendor_tenant(w);

    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    w.clock.set(utc("2026-03-09T15:00:01Z"));   // 11:00:01: the hour is up
    CHECK(w.bot->run_scheduler_now() == 1);
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "send", "Breach: #1"); }));
    auto const chats = w.teams.opened_chats();
    REQUIRE(chats.size() == 1);
    CHECK(chats[0].at("members").at(0).at("id").as_string() == "29:lea");
    CHECK(chats[0].at("tenantId").as_string() == "tenant-vendor");
    // The chat is remembered: the next ping goes to it without opening it again.
    auto const chat = w.bot->store().find_conversation(platform::teams, "29:lea").value();
    REQUIRE(chat.has_value());
    w.clock.set(utc("2026-03-09T16:00:00Z"));   // the ladder's next rung: 1 business hour later
    CHECK(w.bot->run_scheduler_now() == 1);
    REQUIRE(w.teams_delivered([](auto const& all) {
        return std::count_if(all.begin(), all.end(), [](auto const& a) { return a.kind == "send"; }) >= 2;
    }));
    CHECK(w.teams.calls("open_chat") == 1);
    for (auto const& a : w.teams.activities())
        if (a.kind == "send")
            CHECK(a.conversation_id == chat->conversation_id);
}

TEST_CASE("a lead's Teams chat that cannot be opened yet waits in the outbox and says why")
{
    slack_world w;
    leads_by_teams_dm(w);
    w.command("U0CAROL", "C0ACME", "new critical error Down", "T0ACME");
    w.clock.set(utc("2026-03-09T15:00:01Z"));
    CHECK(w.bot->run_scheduler_now() == 1);
    w.bot->deliver_now();
    // No conversation in the vendor's tenant is known yet: nothing to open the chat through.
    auto waiting = breach_ping(w);
    CHECK(waiting.state == delivery_state::pending);
    CHECK(contains(waiting.last_error, "no Teams conversation in tenant tenant-vendor"));
    CHECK(w.teams.calls("open_chat") == 0);

    // Known now, but Lea does not have the app yet.
    bot_seen_in_vendor_tenant(w);
    w.teams.fail_next("open_chat", 403);
    w.clock.advance(std::chrono::minutes{1});
    w.bot->deliver_now();
    waiting = breach_ping(w);
    CHECK(waiting.state == delivery_state::pending);
    CHECK(contains(waiting.last_error, "install the app"));
    CHECK_FALSE(waiting.in_doubt_since.has_value());   // nothing was posted

    // Installed: the ping goes out.
    w.clock.advance(std::chrono::minutes{5});
    REQUIRE(w.teams_delivered([](auto const& all) { return any_activity(all, "send", "Breach: #1"); }));
    CHECK(breach_ping(w).state == delivery_state::delivered);
}

TEST_CASE("a lead assigns a case in Teams by mentioning the agent, as in Slack")
{
    slack_world w;
    leads_by_teams_dm(w);   // Lea, the lead, is on Teams as 29:lea
    REQUIRE(w.teams_webhook(w.teams_activity("29:gus", "Gus Grant", globex, "new normal error Exports fail")).status ==
            200);
    auto const mention = [](const char* id, const char* name) {
        return json::object{{"type", "mention"},
                            {"text", std::string{"<at>"} + name + "</at>"},
                            {"mentioned", json::object{{"id", id}, {"name", name}}}};
    };
    auto assign = w.teams_activity("29:lea", "Lea Lindqvist", globex, "assign 1 <at>Raj Patel</at>");
    assign["entities"] = json::array{mention("28:casebot-webhook", "casebot"), mention("29:raj", "Raj Patel")};
    auto const r = w.teams_webhook(assign);
    REQUIRE(r.status == 200);
    CHECK(contains(card_text(r), "Raj Patel now has #1"));
    CHECK(w.bot->store().find(1).value()->assignee == "raj");

    // Someone Teams knows but the configuration does not is named, and refused.
    auto stranger = w.teams_activity("29:lea", "Lea Lindqvist", globex, "assign 1 <at>Sam</at>");
    stranger["entities"] = json::array{mention("28:casebot-webhook", "casebot"), mention("29:sam", "Sam")};
    CHECK(contains(card_text(w.teams_webhook(stranger)), "I don't know @Sam as a member of the support team"));
    CHECK(w.bot->store().find(1).value()->assignee == "raj");
}
