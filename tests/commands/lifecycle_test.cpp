#include "desk.hpp"

#include "bot/scheduler.hpp"

using namespace bot;
using namespace bot::commands;
using namespace bot::test;

TEST_CASE("a case goes from new to closed through the command language")
{
    desk d;   // Mon 2026-03-09 10:00 EDT
    auto const opened = d.run(carol(), "new critical error Invoices fail to post");
    REQUIRE(opened.kind == reply_kind::ok);
    auto const id = *opened.case_ref;
    auto const n = std::to_string(id);
    CHECK(opened.field("Severity") == "critical");
    CHECK(contains(opened.field("Initial response"), "Mon 9 Mar 2026 11:00 EDT"));
    // The card goes to the case thread and the agents hear about it.
    auto messages = d.store.take_messages();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].kind == "case_card");
    CHECK(messages[0].to.case_thread);
    CHECK(messages[0].to.channel == acme_channel);
    CHECK(messages[1].kind == "new_case");
    CHECK(messages[1].to.channel == agents_channel);
    CHECK(messages[1].mentions.at(0).id == "S0AGENTS");
    CHECK(contains(messages[1].text, "New critical case #" + n + " from Acme Corp: Invoices fail to post"));

    d.clock.advance(std::chrono::minutes{20});
    CHECK(d.run(ana(), "claim " + n).kind == reply_kind::ok);
    CHECK(d.store.get(id).state == case_state::responded);

    d.clock.advance(std::chrono::minutes{20});
    CHECK(d.run(ana(), "info " + n + " Which build are you on?").kind == reply_kind::ok);
    CHECK(d.store.get(id).state == case_state::waiting);

    d.clock.advance(std::chrono::hours{3});
    CHECK(d.run(carol(), "note " + n + " Build 4.2.1").kind == reply_kind::ok);
    CHECK(d.store.get(id).state == case_state::responded);

    CHECK(d.run(ana(), "update " + n + " Patch is building").kind == reply_kind::ok);
    CHECK(d.run(ana(), "resolve " + n + " Fixed in 4.2.2").kind == reply_kind::ok);
    CHECK(d.run(carol(), "close " + n).kind == reply_kind::ok);
    CHECK(d.store.get(id).state == case_state::closed);

    auto const shown = d.run(carol(), "show " + n);
    CHECK(shown.field("State") == "closed");
    CHECK(contains(shown.text, "closed: confirmed by the customer"));
    // The history keeps every step, in order.
    auto const history = d.store.history(id);
    REQUIRE(history.has_value());
    std::vector<std::string> steps;
    for (auto const& e : *history)
        steps.push_back(e.what);
    CHECK(steps == std::vector<std::string>{"opened", "claimed", "responded", "info_requested", "paused",
                                            "customer_reply", "resumed", "update", "resolved", "closed"});
}

TEST_CASE("out-of-scope requests are recorded and answered with what the program covers")
{
    desk d;
    auto const r = d.run(carol(), "new change-request Add a VAT field to invoices");
    REQUIRE(r.kind == reply_kind::ok);
    CHECK(contains(r.text, "not covered by the Support Program"));
    CHECK(contains(r.text, "managed services contract"));
    CHECK(d.store.get(*r.case_ref).state == case_state::declined);
    CHECK(contains(r.field("Initial response"), "not covered"));
}

TEST_CASE("a case opened out of hours tells the customer when the clock starts")
{
    desk d{"2026-03-06T22:30:00Z"};   // Fri 17:30 EST: open for 30 more minutes
    auto r = d.run(carol(), "new critical error Down");
    CHECK_FALSE(contains(r.text, "Support is closed"));
    d.clock.set(utc("2026-03-07T15:00:00Z"));   // Saturday
    r = d.run(carol(), "new normal question How do I export?");
    CHECK(contains(r.text, "Support is closed now"));
    CHECK(contains(r.text, "Mon 9 Mar 2026 09:00 EDT"));
    // Normal: 4 business hours from Monday's opening.
    CHECK(contains(r.field("Initial response"), "Mon 9 Mar 2026 13:00 EDT"));
}

TEST_CASE("an agent files a case for the customer whose channel it is, not elsewhere")
{
    desk d;
    auto r = d.run(ana(), "new normal error Export fails");
    REQUIRE(r.kind == reply_kind::ok);
    CHECK(d.store.get(*r.case_ref).customer == "acme");
    r = d.run(ana(), "new normal error Export fails", agents_channel);
    CHECK(r.kind == reply_kind::refusal);
}

TEST_CASE("a customer cannot file a case in another customer's channel, where its card would show")
{
    desk d;
    auto r = d.run(gus(), "new normal error Our secret outage");   // gus is globex; this is acme's channel
    CHECK(r.kind == reply_kind::refusal);
    CHECK(contains(r.text, "another organisation"));
    CHECK(d.store.size() == 0);
    r = d.run(gus(), "new normal error Our outage", globex_channel);
    REQUIRE(r.kind == reply_kind::ok);
    CHECK(d.store.get(*r.case_ref).customer == "globex");
}

TEST_CASE("a customer files cases only in their organisation's channel, where the answers go")
{
    desk d;
    // The team's own channel and a conversation that is no one's: the card would go there.
    for (auto channel : {std::string_view{agents_channel}, std::string_view{"D0CAROLDM"}}) {
        CAPTURE(channel);
        auto const r = d.run(carol(), "new normal error Export fails", channel);
        CHECK(r.kind == reply_kind::refusal);
        CHECK(contains(r.text, "your organisation's support channel"));
    }
    CHECK(d.store.size() == 0);
}

TEST_CASE("in another customer's Teams channel, where everyone sees the answers, a customer gets only help")
{
    desk d;
    d.open();   // acme's case, by carol
    REQUIRE(d.run(carol(), "contacts add carol@acme.example").kind == reply_kind::ok);
    for (auto text : {"list all", "list", "contacts", "contacts add evil@example.com", "show 1", "sla"}) {
        CAPTURE(text);
        auto const r = d.run(carol(), text, globex_channel);
        CHECK(r.kind == reply_kind::refusal);
        CHECK_FALSE(contains(r.text, "Invoices"));
        CHECK_FALSE(contains(r.text, "carol@acme.example"));
    }
    CHECK(d.run(carol(), "help", globex_channel).kind != reply_kind::refusal);
    // In her own channel nothing changed.
    CHECK(contains(d.run(carol(), "contacts").text, "carol@acme.example"));
}

TEST_CASE("assign reaches only people on the support team")
{
    desk d;
    auto const n = std::to_string(d.open());
    CHECK(d.run(lea(), "assign " + n + " <@U0RAJ>").kind == reply_kind::ok);
    CHECK(d.store.get(std::stoll(n)).assignee == "raj");
    CHECK(d.run(lea(), "assign " + n + " @carol").kind == reply_kind::refusal);
    CHECK(d.run(lea(), "assign " + n + " @nobody").kind == reply_kind::refusal);
}

TEST_CASE("list shows the caller's scope and filters")
{
    desk d;
    auto const a = d.open();
    auto const b = d.open("new low question How do I export?");
    d.run(ana(), "claim " + std::to_string(a));
    d.run(ana(), "info " + std::to_string(a) + " which build?");
    auto r = d.run(ana(), "list waiting");
    CHECK(contains(r.text, "#" + std::to_string(a)));
    CHECK_FALSE(contains(r.text, "#" + std::to_string(b) + " "));
    r = d.run(ana(), "list mine", agents_channel);
    CHECK(contains(r.text, "1 open case of yours:"));
    CHECK(contains(r.text, "#" + std::to_string(a)));
    r = d.run(raj(), "list mine", agents_channel);
    CHECK(r.text == "You have no open cases.");
    r = d.run(carol(), "list");
    CHECK(contains(r.text, "2 open cases for Acme Corp"));
    CHECK(contains(r.text, " · Acme Corp · open · "));
    r = d.run(gus(), "list", globex_channel);
    CHECK(contains(r.text, "No open cases for Globex"));
}

TEST_CASE("breached cases are listed once the scheduler has recorded the breach")
{
    desk d;   // Mon 10:00 EDT
    auto const id = d.open("new critical error Down");
    d.clock.set(utc("2026-03-09T15:00:01Z"));   // past 11:00 EDT
    auto pass = run_scheduler_pass(d.store, d.ctx.rules, d.people, d.clock.now());
    REQUIRE(pass.has_value());
    CHECK(pass->cases == 1);
    auto const r = d.run(lea(), "list breached", leads_channel);
    CHECK(contains(r.text, "#" + std::to_string(id)));
    CHECK(contains(r.text, "breached"));
}

TEST_CASE("contacts are managed per organisation")
{
    desk d;
    CHECK(d.run(carol(), "contacts").text.starts_with("Acme Corp has no notification contacts"));
    auto const added = d.run(carol(), "contacts add ops@acme.example Ops desk");
    CHECK(added.kind == reply_kind::ok);
    CHECK(added.text == "Added ops@acme.example to Acme Corp's notification contacts.");
    CHECK(d.run(carol(), "contacts add ops@acme.example").kind == reply_kind::info);
    for (auto bad : {"not-an-email", "@acme.example", "ops@", "ops@acme", "ops@acme.", "a@b@acme.example"}) {
        CAPTURE(bad);
        auto const r = d.run(carol(), std::string{"contacts add "} + bad);
        CHECK(r.kind == reply_kind::usage);
        CHECK(contains(r.text, "name@example.com"));
    }
    CHECK(contains(d.run(carol(), "contacts list").text, "ops@acme.example (Ops desk)"));
    CHECK(contains(d.run(gus(), "contacts", globex_channel).text, "no notification contacts"));
    CHECK(contains(d.run(ana(), "contacts").text, "ops@acme.example"));
    CHECK(d.run(ana(), "contacts", agents_channel).kind == reply_kind::refusal);
    CHECK(d.run(carol(), "contacts remove ops@acme.example").kind == reply_kind::ok);
    CHECK(d.run(carol(), "contacts remove ops@acme.example").kind == reply_kind::info);
}

TEST_CASE("help lists what the caller's role may do")
{
    desk d;
    auto const c = d.run(carol(), "help").text;
    CHECK(contains(c, "new [critical"));
    CHECK_FALSE(contains(c, "claim <id>"));
    auto const l = d.run(lea(), "help").text;
    CHECK(contains(l, "claim <id>"));
    CHECK(contains(l, "approve <id>"));
    CHECK(contains(d.run(carol(), "help claim").text, "Only the support team"));
    CHECK(d.run(carol(), "help frob").kind == reply_kind::usage);
}

TEST_CASE("the sla command states the program")
{
    desk d{"2026-03-07T15:00:00Z"};   // Saturday
    auto const r = d.run(carol(), "sla");
    CHECK(contains(r.text, "Mon–Fri 09:00–18:00 America/New_York"));
    CHECK(contains(r.text, "closed now; it opens Mon 9 Mar 2026 09:00 EDT"));
    CHECK(contains(r.text, "critical: initial response within 1h; status updates every 1 business day"));
    CHECK(contains(r.text, "normal: initial response within 4h; status updates every 1 business week"));
    CHECK(contains(r.text, "low: initial response within 1 business day; status updates as reasonable"));
}

TEST_CASE("a storage failure is passed up and changes nothing")
{
    desk d;
    auto const id = d.open();
    auto const before = d.store.get(id);
    d.store.fail_next(errc::storage_busy);
    invocation in;
    in.who = ana();
    in.where = platform::slack;
    in.channel = acme_channel;
    auto const out = d.dispatch.run("claim " + std::to_string(id), in, d.ctx);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error() == errc::storage_busy);
    CHECK(d.store.get(id) == before);
    CHECK(apology(out.error()).kind == reply_kind::failure);
}

TEST_CASE("where every answer is public, only the channel's customer's cases come up, whoever asks")
{
    desk d;
    auto const acme_case = d.open();
    invocation in;
    in.who = ana();
    in.where = platform::teams;
    in.channel = globex_channel;
    in.scope_customer = "globex";
    auto const shown = d.dispatch.run("show " + std::to_string(acme_case), in, d.ctx);
    REQUIRE(shown.has_value());
    CHECK(shown->kind == reply_kind::refusal);
    CHECK_FALSE(contains(shown->text, "Invoices"));
    auto const listed = d.dispatch.run("list all", in, d.ctx);
    REQUIRE(listed.has_value());
    CHECK(contains(listed->text, "No cases for Globex"));
    auto const claimed = d.dispatch.run("claim " + std::to_string(acme_case), in, d.ctx);
    CHECK(claimed->kind == reply_kind::refusal);
    CHECK(d.store.get(acme_case).assignee.empty());
}
