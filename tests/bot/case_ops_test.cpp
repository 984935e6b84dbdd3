#include "bot/case_ops.hpp"

#include "bot/describe.hpp"
#include "bot/sla.hpp"
#include "support/sample_world.hpp"
#include "support/test_time.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace bot;
using namespace bot::test;

namespace {
case_record opened(severity level, category kind, wall_time at, case_id id = 1)
{
    new_case_request req;
    req.id = id;
    req.customer = "acme";
    req.origin = {platform::slack, acme_channel, "1700000000.000100"};
    req.title = "Invoices fail to post";
    req.kind = kind;
    req.level = level;
    auto out = open_case(req, carol(), {default_program(), at, "TekStack"});
    return std::get<case_change>(out).after;
}

case_change changed(outcome o)
{
    REQUIRE(std::holds_alternative<case_change>(o));
    return std::get<case_change>(std::move(o));
}

domain_context at(std::string_view when)
{
    return {default_program(), utc(when), "TekStack"};
}

bool has_notice(const case_change& ch, std::string_view kind, audience to)
{
    for (auto const& n : ch.notices)
        if (n.kind == kind && n.to == to)
            return true;
    return false;
}
}  // namespace

TEST_CASE("a critical case opened late on Friday is due Monday morning after the DST switch")
{
    // Fri 2026-03-06 17:30 EST: 30m Friday, weekend (DST begins Sunday), 30m Monday → 09:30 EDT = 13:30Z.
    auto const c = opened(severity::critical, category::error, utc("2026-03-06T22:30:00Z"));
    CHECK(c.state == case_state::open);
    REQUIRE(c.initial.due);
    CHECK(*c.initial.due == utc("2026-03-09T13:30:00Z"));
    // The 15-minute reminder is 45 business minutes in: Mon 09:15 EDT.
    REQUIRE(c.next_alarm_at);
    CHECK(*c.next_alarm_at == utc("2026-03-09T13:15:00Z"));
    CHECK(c.version == 1);
}

TEST_CASE("opening a case records it, posts its card and tells the agents")
{
    new_case_request req;
    req.id = 7;
    req.customer = "acme";
    req.title = "Login page is blank";
    req.kind = category::error;
    req.level = severity::normal;
    auto const ch = changed(open_case(req, carol(), at("2026-03-10T14:00:00Z")));
    CHECK(ch.expected_version == 0);
    CHECK(ch.events.size() == 1);
    CHECK(ch.events[0].what == "opened");
    CHECK(has_notice(ch, "case_card", audience::case_thread));
    CHECK(has_notice(ch, "new_case", audience::agents));
    // Tue 10:00 EDT + 4h → 14:00 EDT = 18:00Z.
    CHECK(*ch.after.initial.due == utc("2026-03-10T18:00:00Z"));
}

TEST_CASE("only a software error can be critical")
{
    auto const c = opened(severity::critical, category::question, utc("2026-03-10T14:00:00Z"));
    CHECK(c.level == severity::normal);

    auto const err = opened(severity::normal, category::question, utc("2026-03-10T14:00:00Z"));
    auto const refused = change_severity(err, ana(), severity::critical, "customer says so", at("2026-03-10T15:00:00Z"));
    REQUIRE(std::holds_alternative<rejection>(refused));
    CHECK(std::get<rejection>(refused).why.find("Only a software error") != std::string::npos);
}

TEST_CASE("out-of-scope categories are recorded without clocks and answered with what is covered")
{
    for (auto kind : {category::change_request, category::work_order, category::crm_maintenance}) {
        CAPTURE(to_string(kind));
        new_case_request req;
        req.id = 3;
        req.customer = "acme";
        req.title = "Please add a field";
        req.kind = kind;
        auto const ch = changed(open_case(req, carol(), at("2026-03-10T14:00:00Z")));
        CHECK(ch.after.state == case_state::declined);
        CHECK_FALSE(ch.after.initial.due);
        CHECK_FALSE(ch.after.next_alarm_at);
        REQUIRE_FALSE(ch.notices.empty());
        CHECK(ch.notices[0].text.find("not covered by the Support Program") != std::string::npos);
        CHECK(ch.notices[0].text.find("managed services contract") != std::string::npos);
    }
}

TEST_CASE("claiming is the initial response and starts the status clock")
{
    auto const c = opened(severity::critical, category::error, utc("2026-03-06T22:30:00Z"));
    auto const ch = changed(claim(c, ana(), at("2026-03-09T13:20:00Z")));  // Mon 09:20 EDT
    auto const& n = ch.after;
    CHECK(n.state == case_state::responded);
    CHECK(n.assignee == "ana");
    CHECK(*n.responded_at == utc("2026-03-09T13:20:00Z"));
    CHECK(status_of(n, sla_kind::initial_response, utc("2026-03-09T13:20:00Z"), default_program()) ==
          clock_status::met);
    // Daily = 9 business hours: Tue 09:20 EDT.
    CHECK(*n.status.due == utc("2026-03-10T13:20:00Z"));
    CHECK(n.version == c.version + 1);
    CHECK(ch.expected_version == c.version);
}

TEST_CASE("a typed claim takes a case over, a pressed one leaves it to the agent who has it")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const anas = changed(claim(c, ana(), at("2026-03-09T13:10:00Z"))).after;
    auto const pressed = claim(anas, raj(), at("2026-03-09T13:10:01Z"), false);
    REQUIRE(std::holds_alternative<rejection>(pressed));
    CHECK(std::get<rejection>(pressed).why == "Ana Alvarez already has #1; `claim 1` takes it over.");
    auto const typed = changed(claim(anas, raj(), at("2026-03-09T13:20:00Z")));
    CHECK(typed.after.assignee == "raj");
    // Unclaimed, a pressed claim is a claim.
    CHECK(changed(claim(c, raj(), at("2026-03-09T13:10:00Z"), false)).after.assignee == "raj");
}

TEST_CASE("an acknowledgement without words is for a case that has had no response yet")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const acked = changed(acknowledge(c, ana(), "", at("2026-03-09T13:10:00Z"))).after;
    CHECK(acked.responded_at);
    auto const again = acknowledge(acked, ana(), "", at("2026-03-09T13:10:01Z"));
    REQUIRE(std::holds_alternative<rejection>(again));
    CHECK(std::get<rejection>(again).why.find("has had its response; `update 1 <text>`") != std::string::npos);
    // With words it still goes to the customer.
    CHECK(std::holds_alternative<case_change>(acknowledge(acked, ana(), "Still on it", at("2026-03-09T14:00:00Z"))));
}

TEST_CASE("waiting on the customer pauses the status clock and moves its deadline by the paused span")
{
    auto c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // Mon 09:00 EDT
    c = changed(claim(c, ana(), at("2026-03-09T14:00:00Z"))).after;                      // Mon 10:00: due Tue 10:00
    CHECK(*c.status.due == utc("2026-03-10T14:00:00Z"));
    c = changed(request_info(c, ana(), "Which build?", at("2026-03-09T16:00:00Z"))).after;  // Mon 12:00
    CHECK(c.state == case_state::waiting);
    CHECK_FALSE(c.status.due);
    CHECK(status_of(c, sla_kind::status_update, utc("2026-03-10T20:00:00Z"), default_program()) ==
          clock_status::paused);
    CHECK(remaining_when_paused(c, default_program()) == std::chrono::hours{7});
    // Nothing fires while paused, however long it takes.
    CHECK_FALSE(c.next_alarm_at);

    // The customer answers Tue 12:00: 9 business hours paused, so due Wed 10:00 EDT.
    auto const ch = changed(reply(c, carol(), "Build 4.2.1", at("2026-03-10T16:00:00Z")));
    CHECK(ch.after.state == case_state::responded);
    CHECK(ch.after.paused_business == std::chrono::hours{9});
    CHECK(*ch.after.status.due == utc("2026-03-11T14:00:00Z"));
    CHECK(has_notice(ch, "resumed", audience::case_thread));
}

TEST_CASE("a status update restarts the status clock")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    c = changed(claim(c, ana(), at("2026-03-09T14:00:00Z"))).after;   // Mon 10:00 EDT
    // Weekly = 45 business hours: next Monday 10:00 EDT.
    CHECK(*c.status.due == utc("2026-03-16T14:00:00Z"));
    c = changed(post_update(c, ana(), "Fix is in QA", at("2026-03-12T18:00:00Z"))).after;   // Thu 14:00
    CHECK(*c.status.anchor == utc("2026-03-12T18:00:00Z"));
    CHECK(*c.status.due == utc("2026-03-19T18:00:00Z"));
}

TEST_CASE("raising the severity past a missed target breaches at once")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));   // Mon 09:00 EDT, due 13:00
    auto const ch = changed(change_severity(c, lea(), severity::critical, "production is down",
                                            at("2026-03-09T15:00:00Z")));             // 11:00: critical was due 10:00
    CHECK(ch.after.level == severity::critical);
    CHECK(*ch.after.initial.due == utc("2026-03-09T14:00:00Z"));
    CHECK(ch.after.initial.breached);
    CHECK(has_notice(ch, "breach", audience::leads));
    CHECK(has_notice(ch, "severity", audience::case_thread));
}

TEST_CASE("a target missed just before the ping ladder's next step is not pinged again a minute later")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));   // Mon 09:00 EDT
    // 10:59: as critical it was due 10:00, so the change breaches at once, 59m late.
    auto const ch = changed(change_severity(c, lea(), severity::critical, "production is down",
                                            at("2026-03-09T14:59:00Z")));
    REQUIRE(ch.after.initial.breached);
    CHECK(has_notice(ch, "breach", audience::leads));
    // The ladder's first step (1h past the deadline, 11:00) is a minute away: the breach
    // notice stands for it, and the next ping is the step after (4h more: 15:00).
    auto const next = next_alarm(ch.after, sla_kind::initial_response, default_program());
    REQUIRE(next);
    CHECK(next->kind == alarm_kind::ping);
    CHECK(next->at == utc("2026-03-09T19:00:00Z"));
    CHECK_FALSE(fire_due(ch.after, at("2026-03-09T15:00:00Z")));
    // Found 20 minutes late, the first step (40 minutes on) is still pinged.
    auto const soon = changed(change_severity(c, lea(), severity::critical, "production is down",
                                              at("2026-03-09T14:20:00Z")));
    CHECK(next_alarm(soon.after, sla_kind::initial_response, default_program())->at == utc("2026-03-09T15:00:00Z"));
}

TEST_CASE("a routine ping keeps every step of a ladder whose later steps are short")
{
    auto const base = default_program();
    escalation_policy hourly_after_four;
    hourly_after_four.repeat = {business_span{std::chrono::hours{4}, 0, 0}, business_span{std::chrono::hours{1}, 0, 0}};
    program const rules{base.support_hours(),
                        {base.policy(severity::critical), base.policy(severity::normal), base.policy(severity::low)},
                        hourly_after_four};
    auto const ctx = [&](const char* when) { return domain_context{rules, utc(when), "TekStack"}; };
    auto c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // due Mon 10:00 EDT
    refresh_deadlines(c, rules);
    auto step = fire_due(c, ctx("2026-03-09T13:45:00Z"));   // the reminder
    REQUIRE(step);
    step = fire_due(step->after, ctx("2026-03-09T14:00:01Z"));   // the breach, the second after the deadline
    REQUIRE(step);
    step = fire_due(step->after, ctx("2026-03-09T18:00:00Z"));   // ping 1: 4h past the deadline
    REQUIRE(step);
    CHECK(step->after.initial.pings == 1);
    // Then hourly: the next comes at 5h, not skipped for falling soon after the last.
    CHECK(next_alarm(step->after, sla_kind::initial_response, rules)->at == utc("2026-03-09T19:00:00Z"));
}

TEST_CASE("new support hours re-time a running clock but not a response already given")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));   // due 13:00 EDT
    auto const claimed = changed(claim(c, ana(), at("2026-03-09T16:00:00Z")));              // 12:00: on time
    // Normal's first response shrinks to 2h: the claim stays on time, nothing to re-time...
    auto const base = default_program();
    auto normal = base.policy(severity::normal);
    normal.initial_response = business_span{std::chrono::hours{2}, 0, 0};
    program const faster{base.support_hours(), {base.policy(severity::critical), normal, base.policy(severity::low)},
                         base.escalation()};
    domain_context const later{faster, utc("2026-03-09T17:00:00Z"), "TekStack"};
    CHECK_FALSE(retime(claimed.after, later));
    CHECK(deadline_text(claimed.after, sla_kind::initial_response, utc("2026-03-09T17:00:00Z"), faster)
              .find("(late)") == std::string::npos);
    // ...while an open case's deadline moves to 11:00 EDT, with a history line.
    auto const moved = retime(c, later);
    REQUIRE(moved);
    CHECK(*moved->after.initial.due == utc("2026-03-09T15:00:00Z"));
    CHECK(moved->events.front().what == "retimed");
}

TEST_CASE("a deadline at closing time is missed only when support opens again")
{
    // Fri 6 Mar 17:00 EST, critical: 1 business hour, due Fri 18:00 EST (23:00Z), the close.
    auto const c = opened(severity::critical, category::error, utc("2026-03-06T22:00:00Z"));
    REQUIRE(c.initial.due);
    CHECK(*c.initial.due == utc("2026-03-06T23:00:00Z"));
    // No business time passes over the weekend: no breach on Friday evening or Saturday...
    auto const reminded = fire_due(c, at("2026-03-06T22:45:00Z"));
    REQUIRE(reminded);
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-06T23:00:00Z")));
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-07T15:00:00Z")));
    CHECK(status_of(reminded->after, sla_kind::initial_response, utc("2026-03-07T15:00:00Z"), default_program()) !=
          clock_status::breached);
    CHECK(deadline_text(reminded->after, sla_kind::initial_response, utc("2026-03-07T15:00:00Z"), default_program()) ==
          "Fri 6 Mar 2026 18:00 EST (late once support reopens, Mon 9 Mar 2026 09:00 EDT)");
    // ...and a response then is on time.
    auto const saturday = changed(claim(reminded->after, ana(), at("2026-03-07T15:00:00Z")));
    CHECK_FALSE(saturday.after.initial.breached);
    CHECK(deadline_text(saturday.after, sla_kind::initial_response, utc("2026-03-07T15:00:00Z"), default_program()).find("(late)") ==
          std::string::npos);
    // Unanswered, the breach fires when support opens, Mon 9 Mar 09:00 EDT (13:00Z): the
    // second after, as a response at 09:00 itself is on time.
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-09T13:00:00Z")));
    auto const breached = fire_due(reminded->after, at("2026-03-09T13:00:01Z"));
    REQUIRE(breached);
    CHECK(breached->after.initial.breached);
    CHECK(has_notice(*breached, "breach", audience::leads));
    // A response after that is late.
    auto const monday = changed(claim(reminded->after, ana(), at("2026-03-09T13:05:00Z")));
    CHECK(deadline_text(monday.after, sla_kind::initial_response, utc("2026-03-09T13:05:00Z"), default_program()).find("(late)") !=
          std::string::npos);
}

TEST_CASE("a pass after a deadline at closing time, before support opens, still reminds")
{
    // Normal, opened Fri 6 Mar 14:00 EST: due Fri 18:00, missed only Mon 9 Mar 09:00 EDT.
    auto const c = opened(severity::normal, category::error, utc("2026-03-06T19:00:00Z"));
    // The first pass comes Friday evening, after the deadline: the response can still be on time.
    auto const late_pass = fire_due(c, at("2026-03-06T23:00:01Z"));
    REQUIRE(late_pass);
    CHECK_FALSE(late_pass->after.initial.breached);
    REQUIRE(has_notice(*late_pass, "reminder", audience::case_thread));
    CHECK(late_pass->notices.front().text.find("is missed if it has not come when support opens, Mon 9 Mar 2026 "
                                               "09:00 EDT") != std::string::npos);
    // A response over the weekend is on time and needs no reminder in the same change.
    auto const saturday = changed(claim(c, ana(), at("2026-03-07T15:00:00Z")));
    CHECK_FALSE(has_notice(saturday, "reminder", audience::case_thread));
    CHECK_FALSE(saturday.after.initial.breached);
}

TEST_CASE("a breach states the target as the program does")
{
    // Low, opened Mon 09:00 EDT: 1 business day, due at Monday's close, missed Tuesday 09:00.
    auto const c = opened(severity::low, category::question, utc("2026-03-09T13:00:00Z"));
    auto reminded = fire_due(c, at("2026-03-09T20:00:00Z"));
    REQUIRE(reminded);
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-10T12:59:00Z")));
    auto const breached = fire_due(reminded->after, at("2026-03-10T13:00:01Z"));
    REQUIRE(breached);
    REQUIRE_FALSE(breached->notices.empty());
    auto const& text = breached->notices.back().text;
    CAPTURE(text);
    CHECK(text.find("missed its initial response target of 1 business day, due Mon 9 Mar 2026 18:00 EDT") !=
          std::string::npos);
}

TEST_CASE("a customer's words on a resolved case reach the team")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const claimed = changed(claim(c, ana(), at("2026-03-09T13:10:00Z")));
    auto const resolved = changed(resolve(claimed.after, ana(), "fixed in 4.2", at("2026-03-09T14:00:00Z")));
    REQUIRE(resolved.after.state == case_state::resolved);
    auto const wrote = changed(reply(resolved.after, carol(), "Still failing after the upgrade", at("2026-03-09T15:00:00Z")));
    CHECK(wrote.after.state == case_state::resolved);   // reopening stays the customer's choice
    REQUIRE(has_notice(wrote, "customer_reply", audience::agents));
    CHECK(wrote.notices.back().text.find("Still failing after the upgrade") != std::string::npos);
    CHECK(wrote.notices.back().mention_owner);
    // On an open case the thread already shows it: no extra notice.
    auto const open_note = changed(reply(claimed.after, carol(), "More detail", at("2026-03-09T13:20:00Z")));
    CHECK_FALSE(has_notice(open_note, "customer_reply", audience::agents));
}

TEST_CASE("a customer's words on a closed or declined case reach the team, and the customer hears so")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const resolved = changed(resolve(c, ana(), "fixed", at("2026-03-09T14:00:00Z")));
    auto const closed = changed(close(resolved.after, carol(), at("2026-03-09T14:10:00Z")));
    auto const wrote = changed(reply(closed.after, carol(), "It is slow again", at("2026-03-09T15:00:00Z")));
    CHECK(wrote.after.state == case_state::closed);
    REQUIRE(has_notice(wrote, "customer_reply", audience::agents));
    REQUIRE(has_notice(wrote, "customer_reply", audience::case_thread));
    auto const& team = wrote.notices[wrote.notices.size() - 2];
    CHECK(team.text.find("wrote on closed #") != std::string::npos);
    CHECK(team.text.find("It is slow again") != std::string::npos);
    CHECK(wrote.notices.back().text.find("is closed; the team has your message. `reopen") != std::string::npos);

    auto const question = opened(severity::normal, category::work_order, utc("2026-03-09T13:00:00Z"));
    REQUIRE(question.state == case_state::declined);
    auto const argued = changed(reply(question, carol(), "But it is a bug", at("2026-03-09T15:00:00Z")));
    REQUIRE(has_notice(argued, "customer_reply", audience::agents));
    CHECK(argued.notices[argued.notices.size() - 2].text.find("`category ") != std::string::npos);
}

TEST_CASE("lowering the severity recomputes from the original anchor")
{
    auto c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // due 10:00
    auto const ch = changed(change_severity(c, ana(), severity::low, "cosmetic only", at("2026-03-09T13:30:00Z")));
    // Low: 1 business day (9h) from Mon 09:00 → Mon 18:00 EDT, the close of that day.
    CHECK(*ch.after.initial.due == utc("2026-03-09T22:00:00Z"));
    CHECK_FALSE(ch.after.initial.breached);
}

TEST_CASE("a customer's request for critical waits for a lead, who approves or declines it")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const asked = changed(change_severity(c, carol(), severity::critical, "all invoicing stopped",
                                               at("2026-03-09T13:10:00Z")));
    CHECK(asked.after.level == severity::normal);
    REQUIRE(asked.after.pending_request);
    CHECK(has_notice(asked, "severity_request", audience::leads));

    SUBCASE("approved") {
        auto const ok = changed(decide_request(asked.after, lea(), true, "", at("2026-03-09T13:20:00Z")));
        CHECK(ok.after.level == severity::critical);
        CHECK_FALSE(ok.after.pending_request);
        CHECK(*ok.after.initial.due == utc("2026-03-09T14:00:00Z"));
    }
    SUBCASE("declined with a reason the customer sees") {
        auto const no = changed(decide_request(asked.after, lea(), false, "a workaround exists",
                                               at("2026-03-09T13:20:00Z")));
        CHECK(no.after.level == severity::normal);
        CHECK_FALSE(no.after.pending_request);
        REQUIRE(has_notice(no, "severity_declined", audience::case_thread));
    }
    SUBCASE("declining needs a reason") {
        CHECK(std::holds_alternative<rejection>(decide_request(asked.after, lea(), false, "", at("2026-03-09T13:20:00Z"))));
    }
    SUBCASE("asking again while the leads decide posts nothing more") {
        CHECK(std::holds_alternative<rejection>(
            change_severity(asked.after, carol(), severity::critical, "still down", at("2026-03-09T13:15:00Z"))));
    }
    SUBCASE("an agent's change settles the request, and the leads hear so") {
        auto const set = changed(change_severity(asked.after, ana(), severity::low, "cosmetic after all",
                                                 at("2026-03-09T13:20:00Z")));
        CHECK_FALSE(set.after.pending_request);
        CHECK(has_notice(set, "severity_request", audience::leads));
    }
}

TEST_CASE("a customer's request for critical on a question is declined at once, saying what would change it")
{
    auto c = opened(severity::normal, category::question, utc("2026-03-09T13:00:00Z"));
    auto const out = change_severity(c, carol(), severity::critical, "urgent", at("2026-03-09T13:10:00Z"));
    REQUIRE(std::holds_alternative<rejection>(out));
    CHECK(std::get<rejection>(out).why.find("say so in its thread") != std::string::npos);
}

TEST_CASE("a request for critical no longer waits once an agent reclassifies the case, and the leads hear so")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const asked = changed(change_severity(c, carol(), severity::critical, "all invoicing stopped",
                                               at("2026-03-09T13:10:00Z")));
    auto const moved = changed(change_category(asked.after, ana(), category::work_order, at("2026-03-09T13:20:00Z")));
    CHECK_FALSE(moved.after.pending_request);
    CHECK(has_notice(moved, "severity_request", audience::leads));
    CHECK(std::holds_alternative<rejection>(decide_request(moved.after, lea(), true, "", at("2026-03-09T13:30:00Z"))));
    // The customer who asked hears it too.
    CHECK(has_notice(moved, "severity_request", audience::case_thread));
}

TEST_CASE("resolve, close and reopen follow the lifecycle")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    c = changed(claim(c, ana(), at("2026-03-09T13:30:00Z"))).after;

    SUBCASE("a customer cannot close an unresolved case, and hears why in words") {
        auto const out = close(c, carol(), at("2026-03-09T14:00:00Z"));
        REQUIRE(std::holds_alternative<rejection>(out));
        CHECK(std::get<rejection>(out).why == "#1 is being worked on; you can close it once the team has resolved it.");
    }
    SUBCASE("resolved, confirmed by the customer, reopened") {
        c = changed(resolve(c, ana(), "patched in 4.2.2", at("2026-03-09T14:00:00Z"))).after;
        CHECK(c.state == case_state::resolved);
        CHECK_FALSE(c.next_alarm_at);
        c = changed(close(c, carol(), at("2026-03-09T15:00:00Z"))).after;
        CHECK(c.state == case_state::closed);
        CHECK(std::holds_alternative<rejection>(claim(c, ana(), at("2026-03-09T15:30:00Z"))));
        auto const reopened = changed(reopen(c, carol(), "it came back", at("2026-03-10T13:00:00Z")));
        CHECK(reopened.notices.front().text == "Carol Chen reopened #1: it came back.");
        c = reopened.after;
        CHECK(c.state == case_state::responded);
        CHECK(*c.status.anchor == utc("2026-03-10T13:00:00Z"));
        CHECK(c.status.due);
    }
    SUBCASE("an open case cannot be reopened") {
        CHECK(std::holds_alternative<rejection>(reopen(c, carol(), "", at("2026-03-09T14:00:00Z"))));
    }
}

TEST_CASE("reclassifying a declined request into scope starts its clock then")
{
    auto c = opened(severity::normal, category::change_request, utc("2026-03-09T13:00:00Z"));
    CHECK(c.state == case_state::declined);
    auto const ch = changed(change_category(c, ana(), category::error, at("2026-03-10T13:00:00Z")));
    CHECK(ch.after.state == case_state::open);
    CHECK(*ch.after.initial.anchor == utc("2026-03-10T13:00:00Z"));
    CHECK(*ch.after.initial.due == utc("2026-03-10T17:00:00Z"));
}

TEST_CASE("reclassifying a critical case out of error lowers it to normal, and says so")
{
    auto c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));
    auto const ch = changed(change_category(c, ana(), category::question, at("2026-03-09T13:10:00Z")));
    CHECK(ch.after.level == severity::normal);
    REQUIRE_FALSE(ch.notices.empty());
    CHECK(ch.notices.back().text ==
          "#1 is now question (was error). Its severity is now normal: only a software error can be Critical. "
          "Initial response due Mon 9 Mar 2026 13:00 EDT.");

    // Lowered before its Critical target was missed: Normal's target is what runs now,
    // with its own reminder.
    auto const reminded = fire_due(c, at("2026-03-09T13:45:00Z"));
    REQUIRE(reminded);
    auto const early = changed(change_category(reminded->after, ana(), category::question, at("2026-03-09T13:50:00Z")));
    CHECK_FALSE(early.after.initial.reminded);
    CHECK(status_of(early.after, sla_kind::initial_response, utc("2026-03-09T13:50:00Z"), default_program()) ==
          clock_status::running);
    // Lowered after it was missed: the breach stays (no category change wipes one).
    auto const breached = fire_due(reminded->after, at("2026-03-09T14:00:01Z"));
    REQUIRE(breached);
    auto const late = changed(change_category(breached->after, ana(), category::question, at("2026-03-09T14:30:00Z")));
    CHECK(late.after.initial.breached);
    CHECK(status_of(late.after, sla_kind::initial_response, utc("2026-03-09T14:30:00Z"), default_program()) ==
          clock_status::breached);
    CHECK_FALSE(has_notice(late, "breach", audience::leads));   // not told twice
}

TEST_CASE("a declined case closed and reopened stays declined, and its clock owes nothing for that time")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));   // due 13:00 EDT
    auto const declined = changed(change_category(c, ana(), category::work_order, at("2026-03-09T14:00:00Z")));
    auto const closed = changed(close(declined.after, ana(), at("2026-03-09T15:00:00Z")));
    auto const reopened = changed(reopen(closed.after, carol(), "we still need it", at("2026-03-10T13:00:00Z")));
    CHECK(reopened.after.state == case_state::declined);
    CHECK_FALSE(reopened.after.next_alarm_at);
    // Brought into the program on Wednesday: the 3h it had left run from then.
    auto const back = changed(change_category(reopened.after, ana(), category::error, at("2026-03-11T13:00:00Z")));
    CHECK(back.after.state == case_state::open);
    CHECK(*back.after.initial.due == utc("2026-03-11T16:00:00Z"));
}

TEST_CASE("a case declined and brought back resumes its clocks where they stood, breach included")
{
    // Normal, opened Mon 09:00 EDT: due 13:00, breached the second after.
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const reminded = fire_due(c, at("2026-03-09T16:00:00Z"));
    REQUIRE(reminded);
    auto const breached = fire_due(reminded->after, at("2026-03-09T17:00:01Z"));
    REQUIRE(breached);
    auto const declined = changed(change_category(breached->after, ana(), category::change_request,
                                                  at("2026-03-09T17:10:00Z")));
    CHECK(declined.after.state == case_state::declined);
    auto const back = changed(change_category(declined.after, ana(), category::error, at("2026-03-09T19:00:00Z")));
    CHECK(back.after.state == case_state::open);
    CHECK(*back.after.initial.anchor == utc("2026-03-09T13:00:00Z"));
    CHECK(back.after.initial.breached);
    CHECK(status_of(back.after, sla_kind::initial_response, utc("2026-03-09T19:00:00Z"), default_program()) ==
          clock_status::breached);
    auto const said = std::find_if(back.notices.begin(), back.notices.end(),
                                   [](auto const& n) { return n.kind == "category"; });
    REQUIRE(said != back.notices.end());
    CHECK(said->text == "#1 is now error and covered by the Support Program. Initial response was due Mon 9 Mar 2026 "
                        "13:00 EDT.");

    // Declined 10 minutes in: the time declined owes nothing, and the clock resumes with
    // the 3h50m it had left, not a fresh 4h (toggling the category buys no time).
    auto const early = changed(change_category(c, ana(), category::change_request, at("2026-03-09T13:10:00Z")));
    auto const again = changed(change_category(early.after, ana(), category::error, at("2026-03-09T17:00:00Z")));
    CHECK_FALSE(again.after.initial.breached);
    CHECK(*again.after.initial.due == utc("2026-03-09T20:50:00Z"));
    CHECK_FALSE(again.after.paused_at);

    // The status clock likewise: a missed update stays missed…
    auto const claimed = changed(claim(c, ana(), at("2026-03-09T14:00:00Z"))).after;   // update due a week on
    auto const late = fire_due(fire_due(claimed, at("2026-03-16T13:00:00Z"))->after, at("2026-03-16T14:00:01Z"));
    REQUIRE(late);
    REQUIRE(late->after.status.breached);
    auto const out_late = changed(change_category(late->after, ana(), category::work_order, at("2026-03-16T15:00:00Z")));
    auto const in_late = changed(change_category(out_late.after, ana(), category::error, at("2026-03-16T15:05:00Z")));
    CHECK(in_late.after.status.breached);
    CHECK(*in_late.after.status.due == *late->after.status.due);
    // …and one not yet due moves by the time declined.
    auto const out = changed(change_category(claimed, ana(), category::work_order, at("2026-03-10T14:00:00Z")));
    auto const in = changed(change_category(out.after, ana(), category::error, at("2026-03-11T14:00:00Z")));
    CHECK_FALSE(in.after.status.breached);
    CHECK(*in.after.status.due == utc("2026-03-17T14:00:00Z"));   // a business day later than 16 Mar
}

TEST_CASE("a case declined while waiting on the customer comes back waiting, its status clock still paused")
{
    auto c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));   // Mon 09:00 EDT
    c = changed(claim(c, ana(), at("2026-03-09T14:00:00Z"))).after;   // weekly update: 45h from Mon 10:00
    c = changed(request_info(c, ana(), "Which build?", at("2026-03-09T16:00:00Z"))).after;  // Mon 12:00: 43h left
    REQUIRE(c.state == case_state::waiting);

    auto const out = changed(change_category(c, ana(), category::work_order, at("2026-03-09T18:00:00Z")));
    CHECK(out.after.state == case_state::declined);
    CHECK(out.after.declined_while_waiting);
    auto const back = changed(change_category(out.after, ana(), category::error, at("2026-03-10T14:00:00Z")));
    CHECK(back.after.state == case_state::waiting);
    CHECK_FALSE(back.after.declined_while_waiting);
    CHECK_FALSE(back.after.next_alarm_at);   // nothing is owed while the customer is asked
    CHECK(status_of(back.after, sla_kind::status_update, utc("2026-03-10T14:00:00Z"), default_program()) ==
          clock_status::paused);
    CHECK(remaining_when_paused(back.after, default_program()) == std::chrono::hours{43});
    auto const said = std::find_if(back.notices.begin(), back.notices.end(),
                                   [](auto const& n) { return n.kind == "category"; });
    REQUIRE(said != back.notices.end());
    CHECK(said->text == "#1 is now error and covered by the Support Program. It waits on the customer again: the "
                        "status clock stays paused until they answer.");

    // The customer answers Tue 12:00: the whole span since Mon 12:00, waiting and
    // declined, owes nothing (9 business hours), so the 43h left run to Tue 17 Mar 10:00 EDT.
    auto const answered = changed(reply(back.after, carol(), "Build 4.2.1", at("2026-03-10T16:00:00Z")));
    CHECK(answered.after.state == case_state::responded);
    CHECK(answered.after.paused_business == std::chrono::hours{9});
    CHECK(*answered.after.status.due == utc("2026-03-17T14:00:00Z"));

    // The customer answers while it is declined: it comes back to the team, the time
    // waiting and declined owing nothing.
    auto const answered_out = changed(reply(out.after, carol(), "Build 4.2.1", at("2026-03-09T20:00:00Z")));
    CHECK_FALSE(answered_out.after.declined_while_waiting);
    auto const back_answered =
        changed(change_category(answered_out.after, ana(), category::error, at("2026-03-10T16:00:00Z")));
    CHECK(back_answered.after.state == case_state::responded);
    CHECK(*back_answered.after.status.due == utc("2026-03-17T14:00:00Z"));

    // Closed while declined and reopened: the reopening asks the team, not the customer.
    auto const closed = changed(close(out.after, ana(), at("2026-03-09T18:30:00Z"))).after;
    auto const reopened = changed(reopen(closed, carol(), "still broken", at("2026-03-10T13:00:00Z"))).after;
    CHECK(reopened.state == case_state::declined);
    CHECK_FALSE(reopened.declined_while_waiting);
    CHECK(changed(change_category(reopened, ana(), category::error, at("2026-03-10T14:00:00Z"))).after.state ==
          case_state::responded);
}

TEST_CASE("a case closed before anyone responded owes its initial response when reopened")
{
    auto const c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // due 10:00 EDT

    SUBCASE("its deadline already missed: the breach stays, and the pings go on") {
        auto const breached = fire_due(fire_due(c, at("2026-03-09T13:45:00Z"))->after, at("2026-03-09T14:00:01Z"));
        REQUIRE(breached);
        auto const closed = changed(close(breached->after, ana(), at("2026-03-09T14:10:00Z"))).after;
        CHECK_FALSE(fire_due(closed, at("2026-03-09T15:30:00Z")));   // closed: nothing fires
        auto const back = changed(reopen(closed, carol(), "nobody answered", at("2026-03-09T15:45:00Z")));
        CHECK(back.after.state == case_state::open);
        CHECK(*back.after.initial.anchor == utc("2026-03-09T13:00:00Z"));
        CHECK(back.after.initial.breached);
        CHECK(has_notice(back, "ping", audience::leads));   // the ladder's 1h step passed while closed
        // The customer's reopening reaches the agents' channel too.
        CHECK(has_notice(back, "reopened", audience::agents));
        CHECK(has_notice(back, "reopened", audience::case_thread));
    }
    SUBCASE("its deadline not yet missed: the clock resumes where it stood, the time closed owing nothing") {
        auto const closed = changed(close(c, ana(), at("2026-03-09T13:20:00Z"))).after;   // 40 minutes left
        auto const back = changed(reopen(closed, carol(), "nobody answered", at("2026-03-10T14:00:00Z")));
        CHECK(back.after.state == case_state::open);
        CHECK_FALSE(back.after.initial.breached);
        CHECK(*back.after.initial.due == utc("2026-03-10T14:40:00Z"));
        CHECK_FALSE(has_notice(back, "breach", audience::leads));
    }
}

TEST_CASE("a response after a deadline no scheduler pass has seen still leaves the breach on record")
{
    auto const c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // due 10:00 EDT
    // Claimed at 10:30 with no pass since the case was opened.
    auto const late = changed(claim(c, ana(), at("2026-03-09T14:30:00Z")));
    CHECK(late.after.initial.breached);
    CHECK(has_notice(late, "breach", audience::leads));
    REQUIRE(late.events.size() >= 2);
    CHECK(late.events[0].what == "breach");
    CHECK(late.events.back().detail == "initial response, late");
    CHECK_FALSE(has_notice(late, "reminder", audience::case_thread));   // past its deadline: no reminder

    // Before the deadline, a reminder not yet sent stays unsent: the claim is what it
    // would have asked for.
    auto const early = changed(claim(c, ana(), at("2026-03-09T13:50:00Z")));
    CHECK_FALSE(early.after.initial.breached);
    CHECK_FALSE(has_notice(early, "reminder", audience::case_thread));
    CHECK(early.events.size() == 2);   // claimed, responded
}

TEST_CASE("a claim that takes a case over names whom it was taken from")
{
    auto const c = opened(severity::normal, category::error, utc("2026-03-09T13:00:00Z"));
    auto const mine = changed(claim(c, ana(), at("2026-03-09T13:30:00Z"))).after;
    auto const taken = changed(claim(mine, raj(), at("2026-03-09T14:00:00Z"), true));
    REQUIRE_FALSE(taken.notices.empty());
    CHECK(taken.notices.back().text == "Raj Patel took #1 over from Ana Alvarez and is working on it.");
}

TEST_CASE("alarms fire in order and each only once")
{
    auto const c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));  // due 14:00Z
    CHECK_FALSE(fire_due(c, at("2026-03-09T13:44:59Z")));

    auto const reminded = fire_due(c, at("2026-03-09T13:45:00Z"));
    REQUIRE(reminded);
    CHECK(reminded->after.initial.reminded);
    CHECK(has_notice(*reminded, "reminder", audience::case_thread));
    CHECK(has_notice(*reminded, "reminder", audience::agents));
    CHECK(reminded->notices[0].mention_owner);
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-09T13:45:00Z")));

    // A response at the deadline is within it: the breach fires the second after, and a
    // claim at the deadline is on time however the pass and the claim are ordered.
    CHECK_FALSE(fire_due(reminded->after, at("2026-03-09T14:00:00Z")));
    auto const on_time = changed(claim(reminded->after, ana(), at("2026-03-09T14:00:00Z")));
    CHECK_FALSE(on_time.after.initial.breached);
    CHECK(on_time.events.back().detail == "initial response");
    auto const breached = fire_due(reminded->after, at("2026-03-09T14:00:01Z"));
    REQUIRE(breached);
    CHECK(breached->after.initial.breached);
    CHECK(has_notice(*breached, "breach", audience::leads));
    CHECK_FALSE(fire_due(breached->after, at("2026-03-09T14:30:00Z")));

    // The ladder's first repeat is 1 business hour after the deadline.
    auto const pinged = fire_due(breached->after, at("2026-03-09T15:00:00Z"));
    REQUIRE(pinged);
    CHECK(pinged->after.initial.pings == 1);
    CHECK(has_notice(*pinged, "ping", audience::leads));

    // Acting stops the chain.
    auto const claimed = changed(claim(pinged->after, ana(), at("2026-03-09T15:10:00Z")));
    // The next alarm is now the status update's reminder: claimed Mon 11:10 EDT, daily
    // update due Tue 11:10 EDT, reminded 15 minutes before.
    CHECK(*claimed.after.next_alarm_at == utc("2026-03-10T14:55:00Z"));
    CHECK(status_of(claimed.after, sla_kind::initial_response, utc("2026-03-09T15:10:00Z"), default_program()) ==
          clock_status::met);
}

TEST_CASE("after downtime the breach supersedes its reminder and the ladder steps already passed")
{
    auto const c = opened(severity::critical, category::error, utc("2026-03-09T13:00:00Z"));   // due Mon 10:00 EDT
    // Back on Tuesday 12:00 EDT: 8 business hours late; ladder 1h, 4h(=5h), 1d(=14h) → two steps passed.
    auto const ch = fire_due(c, at("2026-03-10T16:00:00Z"));
    REQUIRE(ch);
    CHECK(ch->after.initial.reminded);
    CHECK(ch->after.initial.breached);
    CHECK(ch->after.initial.pings == 2);
    CHECK_FALSE(has_notice(*ch, "reminder", audience::case_thread));
    CHECK(has_notice(*ch, "breach", audience::leads));   // it says how late: no "still breached" with it
    int pings = 0;
    for (auto const& n : ch->notices)
        pings += n.kind == "ping";
    CHECK(pings == 0);
    // The next ping comes at the ladder's next step, still ahead.
    auto const step = next_alarm(ch->after, sla_kind::initial_response, default_program());
    REQUIRE(step);
    CHECK(step->kind == alarm_kind::ping);
    CHECK(step->at > utc("2026-03-10T16:00:00Z"));
    auto const next = fire_due(ch->after, {default_program(), step->at, "TekStack"});
    REQUIRE(next);
    CHECK(next->after.initial.pings == 3);
    CHECK(has_notice(*next, "ping", audience::leads));
}

TEST_CASE("the directory tells agents from customers by configuration, team and channel")
{
    auto const people = sample_directory();
    // Configured people are who configuration says, on any platform.
    CHECK(people.identify(platform::slack, "U0ANA", "", acme_channel)->who == role::agent);
    CHECK(people.identify(platform::teams, "29:gus", "", globex_channel)->customer == "globex");
    // Our own Slack team's members are agents; strangers in a customer channel speak for it.
    CHECK(people.identify(platform::slack, "U0NEW", "T0VENDOR", acme_channel)->who == role::agent);
    auto const stranger = people.identify(platform::slack, "U0NEW", "T0ACME", acme_channel);
    REQUIRE(stranger);
    CHECK(stranger->who == role::customer);
    CHECK(stranger->customer == "acme");
    CHECK(stranger->id == "slack:U0NEW");
    // Outside any customer channel, a stranger is nobody.
    CHECK_FALSE(people.identify(platform::slack, "U0NEW", "T0ACME", agents_channel));
    // A Teams user of another tenant in globex's channel is globex's.
    CHECK(people.identify(platform::teams, "29:new", "tenant-x", globex_channel)->customer == "globex");
}

TEST_CASE("in a customer's Teams channel our tenant's id makes nobody an agent: guests carry it too")
{
    auto const sample = sample_directory();
    auto team = sample.team();
    team.teams_tenant = "tenant-vendor";
    directory const people{sample.customers(), sample.people(), sample.channels(), sample.routes(), team};
    // A Teams activity names the tenant of the conversation, which for a customer's guest
    // in a team we host is ours: in globex's channel an unlisted sender is globex's...
    auto const guest = people.identify(platform::teams, "29:guest", "tenant-vendor", globex_channel);
    REQUIRE(guest);
    CHECK(guest->who == role::customer);
    CHECK(guest->customer == "globex");
    // ...configured staff are staff there...
    CHECK(people.identify(platform::teams, "29:raj", "tenant-vendor", globex_channel)->who == role::agent);
    // ...and in our own channels the tenant still makes our people agents.
    CHECK(people.identify(platform::teams, "29:new", "tenant-vendor", "19:agents@thread.tacv2")->who == role::agent);
    CHECK_FALSE(people.identify(platform::teams, "29:new", "tenant-x", "19:agents@thread.tacv2"));
}
