#include "desk.hpp"

using namespace bot;
using namespace bot::commands;
using namespace bot::test;

TEST_CASE("why explains a deadline across a weekend and a daylight-saving switch")
{
    desk d{"2026-03-06T22:30:00Z"};   // Fri 17:30 EST
    auto const id = d.open("new critical error Invoices fail to post");
    auto const r = d.run(carol(), "why " + std::to_string(id));
    CHECK(contains(r.text, "Initial response: 1h of support time for critical cases, from Fri 6 Mar 2026 17:30 EST"));
    CHECK(contains(r.text, "Due Mon 9 Mar 2026 09:30 EDT"));
    CHECK(contains(r.text, "Counted 1h of business time; skipped 1 weekend (62h)"));
    CHECK(contains(r.text, "counted Fri 6 Mar 2026 17:30 EST → Fri 6 Mar 2026 18:00 EST (30m)"));
    CHECK(contains(r.text, "weekend Fri 6 Mar 2026 18:00 EST → Mon 9 Mar 2026 09:00 EDT (62h)"));
}

TEST_CASE("why shows nights, and the paused span of a case that waited on the customer")
{
    desk d;   // Mon 2026-03-09 10:00 EDT
    auto const id = d.open("new critical error Down");
    auto const n = std::to_string(id);
    d.run(ana(), "claim " + n);                              // status due Tue 10:00 EDT
    d.clock.advance(std::chrono::hours{2});                  // Mon 12:00
    d.run(ana(), "info " + n + " Which build?");
    auto r = d.run(carol(), "why " + n);
    CHECK(contains(r.text, "Paused since Mon 9 Mar 2026 12:00 EDT"));
    CHECK(contains(r.text, "7h left when it resumes"));

    d.clock.advance(std::chrono::hours{24});                 // Tue 12:00: 9 business hours paused
    d.run(carol(), "note " + n + " 4.2.1");
    r = d.run(carol(), "why " + n);
    CHECK(contains(r.text, "Due Wed 11 Mar 2026 10:00 EDT"));
    CHECK(contains(r.text, "Counted 9h of business time"));
    CHECK(contains(r.text, "2 nights"));
    CHECK(contains(r.text, "2 paused spans (9h)"));
}

TEST_CASE("why on an out-of-scope request says there are no deadlines")
{
    desk d;
    auto const id = d.open("new work-order Migrate our data");
    CHECK(contains(d.run(carol(), "why " + std::to_string(id)).text, "no deadlines"));
}

TEST_CASE("why counts from the real start and shows the time a case spent closed or declined")
{
    desk d;   // Mon 2026-03-09 10:00 EDT
    auto const id = d.open("new normal error Exports fail");   // 4h: due Mon 14:00
    auto const n = std::to_string(id);
    d.clock.advance(std::chrono::hours{1});                    // Mon 11:00, 3h left
    REQUIRE(d.run(ana(), "close " + n).kind == reply_kind::ok);
    d.clock.advance(std::chrono::hours{23});                   // Tue 10:00
    REQUIRE(d.run(carol(), "reopen " + n + " nobody answered").kind == reply_kind::ok);
    auto r = d.run(carol(), "why " + n);
    INFO(r.text);
    CHECK(contains(r.text, "from Mon 9 Mar 2026 10:00 EDT"));
    CHECK(contains(r.text, "Due Tue 10 Mar 2026 13:00 EDT"));
    CHECK(contains(r.text, "Counted 4h of business time; skipped 1 night (15h), 2 closed spans (8h)"));
    CHECK(contains(r.text, "closed Mon 9 Mar 2026 11:00 EDT → Mon 9 Mar 2026 18:00 EDT (7h)"));
    CHECK(contains(r.text, "counted Tue 10 Mar 2026 10:00 EDT → Tue 10 Mar 2026 13:00 EDT (3h)"));

    d.clock.advance(std::chrono::hours{1});                    // Tue 11:00: 2h left
    REQUIRE(d.run(ana(), "category " + n + " work-order").kind == reply_kind::ok);
    d.clock.advance(std::chrono::hours{2});                    // Tue 13:00
    REQUIRE(d.run(ana(), "category " + n + " error").kind == reply_kind::ok);   // due Tue 15:00
    r = d.run(carol(), "why " + n);
    INFO(r.text);
    CHECK(contains(r.text, "from Mon 9 Mar 2026 10:00 EDT"));
    CHECK(contains(r.text, "Due Tue 10 Mar 2026 15:00 EDT"));
    CHECK(contains(r.text, "Counted 4h of business time; skipped 1 night (15h), 2 closed spans (8h), "
                           "1 declined span (2h)"));
    CHECK(contains(r.text, "declined Tue 10 Mar 2026 11:00 EDT → Tue 10 Mar 2026 13:00 EDT (2h)"));
}

TEST_CASE("why ends a wait where the case stopped waiting, whether or not the customer answered")
{
    desk d;   // Mon 2026-03-09 10:00 EDT
    auto const id = d.open("new normal error Exports fail");
    auto const n = std::to_string(id);
    REQUIRE(d.run(ana(), "claim " + n).kind == reply_kind::ok);   // weekly update: 45h from Mon 10:00
    d.clock.advance(std::chrono::hours{1});                        // Mon 11:00
    REQUIRE(d.run(ana(), "info " + n + " Which build?").kind == reply_kind::ok);

    // Declined while waiting and brought back: waiting again, the time declined named so.
    d.clock.advance(std::chrono::hours{1});                        // Mon 12:00
    REQUIRE(d.run(ana(), "category " + n + " work-order").kind == reply_kind::ok);
    d.clock.advance(std::chrono::hours{2});                        // Mon 14:00
    REQUIRE(d.run(ana(), "category " + n + " error").kind == reply_kind::ok);
    auto r = d.run(carol(), "why " + n);
    INFO(r.text);
    CHECK(contains(r.text, "Paused since Mon 9 Mar 2026 11:00 EDT"));
    CHECK(contains(r.text, "44h left when it resumes"));

    // Resolved while waiting, then reopened: the status clock starts at the reopening,
    // and nothing after it is counted as a wait.
    d.clock.advance(std::chrono::hours{1});                        // Mon 15:00
    REQUIRE(d.run(ana(), "resolve " + n + " Fixed in 4.2.2").kind == reply_kind::ok);
    d.clock.advance(std::chrono::hours{1});                        // Mon 16:00
    REQUIRE(d.run(carol(), "reopen " + n + " still failing").kind == reply_kind::ok);
    d.clock.advance(std::chrono::hours{1});                        // Mon 17:00
    r = d.run(carol(), "why " + n);
    INFO(r.text);
    CHECK(contains(r.text, "Status update: 1 business week of support time for normal cases, from Mon 9 Mar 2026 16:00 EDT"));
    CHECK(contains(r.text, "Counted 45h of business time"));
    CHECK_FALSE(contains(r.text, "paused"));
    CHECK_FALSE(contains(r.text, "closed"));

    // The same without the round trip through declined: asked, resolved, reopened.
    desk e;
    auto const m = std::to_string(e.open("new normal error Imports fail"));
    REQUIRE(e.run(ana(), "claim " + m).kind == reply_kind::ok);
    e.clock.advance(std::chrono::hours{1});
    REQUIRE(e.run(ana(), "info " + m + " Which build?").kind == reply_kind::ok);
    e.clock.advance(std::chrono::hours{1});
    REQUIRE(e.run(ana(), "resolve " + m + " Fixed in 4.2.2").kind == reply_kind::ok);
    e.clock.advance(std::chrono::hours{1});
    REQUIRE(e.run(carol(), "reopen " + m + " still failing").kind == reply_kind::ok);
    e.clock.advance(std::chrono::hours{1});
    r = e.run(carol(), "why " + m);
    INFO(r.text);
    CHECK(contains(r.text, "Counted 45h of business time"));
    CHECK_FALSE(contains(r.text, "paused"));
}

TEST_CASE("why names a wait's time declined as declined, and a wait ends at the last return")
{
    desk d;   // Mon 2026-03-09 10:00 EDT
    auto const n = std::to_string(d.open("new normal error Exports fail"));
    REQUIRE(d.run(ana(), "claim " + n).kind == reply_kind::ok);   // weekly update: 45h from Mon 10:00
    auto const at = [&](int hour, const bot::actor& who, const std::string& command) {
        d.clock.set(utc("2026-03-09T" + std::to_string(hour + 4) + ":00:00Z"));   // EDT
        REQUIRE(d.run(who, command).kind == reply_kind::ok);
    };
    at(11, ana(), "info " + n + " Which build?");
    at(12, ana(), "category " + n + " work-order");
    at(13, ana(), "category " + n + " error");        // waiting again
    at(14, ana(), "category " + n + " work-order");
    at(15, carol(), "note " + n + " Build 4.2.1");     // answered while declined
    at(16, ana(), "category " + n + " error");        // back to the team
    auto const r = d.run(carol(), "why " + n);
    INFO(r.text);
    CHECK(contains(r.text, "Counted 45h of business time"));
    CHECK(contains(r.text, "paused Mon 9 Mar 2026 11:00 EDT → Mon 9 Mar 2026 12:00 EDT (1h)"));
    CHECK(contains(r.text, "declined Mon 9 Mar 2026 12:00 EDT → Mon 9 Mar 2026 13:00 EDT (1h)"));
    CHECK(contains(r.text, "paused Mon 9 Mar 2026 13:00 EDT → Mon 9 Mar 2026 14:00 EDT (1h)"));
    CHECK(contains(r.text, "declined Mon 9 Mar 2026 14:00 EDT → Mon 9 Mar 2026 16:00 EDT (2h)"));
}
