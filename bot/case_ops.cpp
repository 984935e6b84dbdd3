#include "bot/case_ops.hpp"

#include "bot/describe.hpp"
#include "bot/sla.hpp"
#include "bot/utf8.hpp"

#include <fmt/format.h>

namespace bot {
namespace {
using std::chrono::seconds;

std::string_view clock_name(sla_kind k)
{
    return k == sla_kind::initial_response ? "initial response" : "status update";
}

sla_clock& clock_of(case_record& c, sla_kind k)
{
    return k == sla_kind::initial_response ? c.initial : c.status;
}

// Counts a clock's targets afresh from the same start: its reminder, breach and pings
// may fire again (a new severity's targets).
void restart_targets(sla_clock& clk)
{
    auto const anchor = clk.anchor;
    clk = sla_clock{};
    clk.anchor = anchor;
}

// The clock that runs while a case is in `state`: the initial response's until it is
// given, then the status update's.
sla_clock& running_clock(case_record& c, case_state state)
{
    return state == case_state::open ? c.initial : c.status;
}

// Collects one change to a case; finish() derives deadlines and fires whatever the
// change made due at once (a severity raised past a missed target, say).
class draft {
public:
    // Whatever the scheduler would have fired by now fires first (its pass may not have
    // run since the deadline): a response a minute after a missed deadline still leaves
    // the breach on record, and the leads told, as design.md's "at the deadline" says.
    // (A re-timing, whose history line must say why what fires fires, skips it.)
    enum class overdue { fire_first, leave };
    draft(const case_record& c, const domain_context& ctx, overdue alarms = overdue::fire_first) : ctx_(ctx)
    {
        change_.after = c;
        change_.expected_version = c.version;
        if (alarms == overdue::fire_first)
            catch_up();
    }

    case_record& c() { return change_.after; }
    const program& rules() const { return ctx_.rules; }
    wall_time now() const { return ctx_.now; }
    const calendar& cal() { return ctx_.rules.calendar_for(c().level); }

    void event(std::string_view actor_id, std::string what, std::string detail = {})
    {
        change_.events.push_back({c().id, ctx_.now, std::string{actor_id}, std::move(what), std::move(detail)});
    }

    void notify(audience to, std::string kind, std::string text, bool mention_owner = false)
    {
        change_.notices.push_back({to, std::move(kind), std::move(text), mention_owner});
    }

    // The first response stops the initial clock and starts the status clock.
    void respond(const actor& who)
    {
        if (c().responded_at)
            return;
        c().responded_at = ctx_.now;
        if (c().state == case_state::open)
            c().state = case_state::responded;
        c().status = sla_clock{};
        c().status.anchor = ctx_.now;
        c().paused_business = seconds{0};
        bool const late = c().initial.breached || (c().initial.due && is_late(cal(), *c().initial.due, ctx_.now));
        event(who.id, "responded", late ? "initial response, late" : "initial response");
    }

    // A status update: the status clock starts again from now.
    void restart_status_clock()
    {
        c().status = sla_clock{};
        c().status.anchor = ctx_.now;
        c().paused_business = seconds{0};
        if (c().state == case_state::waiting)
            c().paused_at = ctx_.now;
    }

    // The case was away (closed, declined) since `since`: that time owes nothing, so the
    // initial clock resumes with the time it had left.
    void resume_initial_clock(wall_time since)
    {
        if (c().initial.anchor)
            c().initial.anchor = cal().add(*c().initial.anchor, cal().between(since, ctx_.now));
    }

    void pause_for_customer()
    {
        if (c().state == case_state::waiting)
            return;
        c().state = case_state::waiting;
        c().paused_at = ctx_.now;
        event(bot_actor, "paused", "status clock paused: waiting on the customer");
    }

    void resume_from_waiting()
    {
        if (c().state != case_state::waiting)
            return;
        seconds paused{0};
        if (c().paused_at)
            paused = cal().between(*c().paused_at, ctx_.now);
        c().paused_business += paused;
        c().paused_at.reset();
        c().state = case_state::responded;
        event(bot_actor, "resumed", "status clock resumed; deadline moved by " + format_duration(paused));
    }

    // Fires every alarm due by now, in order. Without `reminders_ahead` it stops at a
    // reminder whose target can still be met: catch_up() runs before the change, which
    // may be the very thing it would remind of.
    void fire_alarms(bool reminders_ahead = true);
    void catch_up();

    // ", 2h late" when the scheduler fires after the deadline (downtime), else nothing.
    std::string late_by(wall_time due)
    {
        auto const late = cal().between(due, ctx_.now);
        return late > seconds{0} ? ", " + format_duration(late) + " late" : "";
    }

    outcome finish()
    {
        refresh_deadlines(c(), ctx_.rules);
        fire_alarms();
        c().version = change_.expected_version + 1;
        return std::move(change_);
    }

    bool fired_anything() const { return !change_.events.empty(); }

private:
    void fire(const alarm& a);
    // Counts as done the ping ladder's steps after `due` that fall by `until`: after
    // downtime, or a change that made a target already missed, one notice stands for
    // them.
    void pass_ladder_steps(sla_clock& clk, wall_time due, wall_time until);

    const domain_context& ctx_;
    case_change change_;
};

// The target as the program states it ("1 business day", not the 9h it counts).
std::string target_text(const case_record& c, sla_kind k, const program& p)
{
    auto const& policy = p.policy(c.level);
    if (k == sla_kind::initial_response)
        return span_text(policy.initial_response);
    if (policy.status_update)
        return span_text(*policy.status_update);
    return format_duration(window_of(c, k, p));
}

std::string customer_name(const case_record& c, const domain_context& ctx)
{
    return ctx.people ? ctx.people->customer_name(c.customer) : c.customer;
}

std::string who_has_it(const case_record& c)
{
    return c.assignee.empty() ? "unclaimed" : "assigned to " + c.assignee_name;
}

void draft::pass_ladder_steps(sla_clock& clk, wall_time due, wall_time until)
{
    // The ladder only grows (its last step repeats), so this ends; the bound guards
    // against a broken program.
    for (int guard = 0; guard < 1000 && cal().add(due, rules().ping_offset(c().level, clk.pings + 1)) <= until;
         ++guard)
        ++clk.pings;
}

void draft::fire(const alarm& a)
{
    auto& clk = clock_of(c(), a.clock);
    auto const what = clock_name(a.clock);
    auto const tag = case_tag(c().id);
    auto const due = *clk.due;
    switch (a.kind) {
    case alarm_kind::reminder: {
        clk.reminded = true;
        if (breach_at(cal(), due) <= ctx_.now)
            break;  // the breach fires in this same pass; a reminder after the fact helps nobody
        // Past a deadline at closing time, before support opens: it can still be met.
        auto const text =
            due <= ctx_.now && missed_at(cal(), due) > due
                ? fmt::format("Reminder: {} ({}) needs its {}: it was due {}, and is missed if it has not come "
                              "when support opens, {}. {}",
                              tag, to_string(c().level), what, cal().local_text(due),
                              cal().local_text(missed_at(cal(), due)), c().title)
                : fmt::format("Reminder: {} ({}) needs its {} by {}, {} of support time from now. {}", tag,
                              to_string(c().level), what, cal().local_text(due),
                              format_duration(cal().between(ctx_.now, due)), c().title);
        event(bot_actor, "reminder", fmt::format("{} due {}", what, cal().local_text(due)));
        notify(audience::case_thread, "reminder", text, true);
        notify(audience::agents, "reminder", text, true);
        break;
    }
    case alarm_kind::breach: {
        clk.breached = true;
        // Found late (downtime, a severity raised past a missed target): the breach notice,
        // which says how late, stands for the ladder's steps already passed and any due
        // within half its first interval, so no "still breached" follows a minute after.
        if (!rules().escalation().repeat.empty())
            pass_ladder_steps(clk, due, cal().add(ctx_.now, rules().ping_offset(c().level, 1) / 2));
        auto const target = target_text(c(), a.clock, rules());
        event(bot_actor, "breach", fmt::format("{} target of {} missed; it was due {}", what, target,
                                               cal().local_text(due)));
        notify(audience::leads, "breach",
               fmt::format("Breach: {} ({}, {}) missed its {} target of {}, due {}{}; {}. {}", tag,
                           to_string(c().level), customer_name(c(), ctx_), what, target, cal().local_text(due),
                           late_by(due), who_has_it(c()), c().title));
        break;
    }
    case alarm_kind::ping: {
        // After downtime, several steps may have passed: record them all, ping once.
        ++clk.pings;
        pass_ladder_steps(clk, due, ctx_.now);
        auto const late = format_duration(cal().between(due, ctx_.now));
        event(bot_actor, "ping", fmt::format("{} still missing, {} late (ping {})", what, late, clk.pings));
        notify(audience::leads, "ping",
               fmt::format("Still breached: {} ({}, {}) has had no {} for {} past its deadline of {}; {}. {}", tag,
                           to_string(c().level), customer_name(c(), ctx_), what, late, cal().local_text(due),
                           who_has_it(c()), c().title));
        break;
    }
    case alarm_kind::escalate: {
        clk.escalated = true;
        auto const late = format_duration(cal().between(due, ctx_.now));
        event(bot_actor, "escalated", fmt::format("{} {} late: escalated further", what, late));
        notify(audience::escalation, "escalation",
               fmt::format("Escalation: {} ({}, {}) is {} late on its {} (due {}); {}. {}", tag, to_string(c().level),
                           customer_name(c(), ctx_), late, what, cal().local_text(due), who_has_it(c()), c().title));
        break;
    }
    }
}

void draft::catch_up()
{
    // next_alarm_at is derived when the case is stored: nothing due, nothing to do.
    if (!c().next_alarm_at || *c().next_alarm_at > ctx_.now)
        return;
    refresh_deadlines(c(), rules());
    fire_alarms(false);
}

void draft::fire_alarms(bool reminders_ahead)
{
    // Each alarm sets a flag, so this ends; the bound guards against a broken program.
    for (int guard = 0; guard < 64; ++guard) {
        std::optional<alarm> first;
        for (auto k : {sla_kind::initial_response, sla_kind::status_update})
            if (auto a = next_alarm(c(), k, rules()); a && a->at <= ctx_.now && (!first || a->at < first->at))
                first = a;
        if (!first)
            return;
        if (!reminders_ahead && first->kind == alarm_kind::reminder &&
            breach_at(cal(), *clock_of(c(), first->clock).due) > ctx_.now)
            return;
        fire(*first);
        refresh_deadlines(c(), rules());
    }
}

// ": <note>." after a sentence's subject, or "." without a note: "Ana resolved #1: fixed in 4.2."
std::string with_note(const std::string& note)
{
    if (note.empty())
        return ".";
    auto const last = note.back();
    return ": " + note + (last == '.' || last == '!' || last == '?' ? "" : ".");
}

// " Its severity is now normal: only a software error can be Critical." when a category
// change lowered it, else "".
std::string lowered_text(const case_record& before, const case_record& after)
{
    if (before.level == after.level)
        return "";
    return fmt::format(" Its severity is now {}: only a software error can be Critical.", to_string(after.level));
}

// Where an unresolved case stands, for its customer: "#1 is being worked on".
std::string_view standing_for_customer(case_state s)
{
    switch (s) {
    case case_state::open: return "waiting for the team's first response";
    case case_state::waiting: return "waiting for your reply";
    case case_state::declined: return "not covered by the Support Program";
    default: return "being worked on";
    }
}

rejection finished_case(const case_record& c)
{
    return {fmt::format("{} is {}; reopen it first.", case_tag(c.id), to_string(c.state))};
}

std::string card_text(const case_record& c, const domain_context& ctx)
{
    auto const& cal = ctx.rules.calendar_for(c.level);
    std::string text = fmt::format("Case {} opened: {}\nSeverity: {} · Category: {}", case_tag(c.id), c.title,
                                   to_string(c.level), to_string(c.kind));
    if (!is_covered(c.kind))
        return text + "\n" + coverage_text(c.kind, ctx.vendor) + " It is recorded without SLA clocks.";
    text += fmt::format("\nInitial response due: {} ({} of support time)", cal.local_text(*c.initial.due),
                        span_text(ctx.rules.policy(c.level).initial_response));
    if (auto note = closed_note(cal, ctx.now); !note.empty())
        text += "\n" + note;
    return text;
}
}  // namespace

outcome open_case(const new_case_request& req, const actor& who, const domain_context& ctx)
{
    case_record fresh;
    fresh.id = req.id;
    fresh.customer = req.customer;
    fresh.origin = req.origin;
    fresh.title = req.title;
    fresh.description = req.description;
    fresh.kind = req.kind;
    fresh.level = req.level;
    fresh.opened_by = who.id;
    fresh.created_at = ctx.now;
    draft d{fresh, ctx};
    auto& c = d.c();
    d.event(who.id, "opened",
            fmt::format("{} {}: {}", to_string(req.level), to_string(req.kind), req.title));
    if (c.level == severity::critical && !may_be_critical(c.kind)) {
        c.level = severity::normal;
        d.event(bot_actor, "severity", "critical → normal: only a software error can be Critical");
    }
    if (!is_covered(c.kind)) {
        c.state = case_state::declined;
        d.event(bot_actor, "declined", coverage_text(c.kind, ctx.vendor));
    } else {
        c.initial.anchor = ctx.now;
        refresh_deadlines(c, ctx.rules);
    }
    d.notify(audience::case_thread, "case_card", card_text(c, ctx));
    if (is_covered(c.kind))
        d.notify(audience::agents, "new_case",
                 fmt::format("New {} case {} from {}: {} (initial response due {})", to_string(c.level), case_tag(c.id),
                             customer_name(c, ctx), c.title, d.cal().local_text(*c.initial.due)),
                 true);
    return d.finish();
}

outcome claim(const case_record& c, const actor& agent, const domain_context& ctx, bool take_over)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (c.assignee == agent.id)
        return rejection{fmt::format("You already have {}.", case_tag(c.id))};
    if (!c.assignee.empty() && !take_over)
        return rejection{fmt::format("{} already has {}; `claim {}` takes it over.",
                                     c.assignee_name.empty() ? c.assignee : c.assignee_name, case_tag(c.id), c.id)};
    draft d{c, ctx};
    auto const previous = c.assignee_name;
    d.c().assignee = agent.id;
    d.c().assignee_name = agent.name;
    d.event(agent.id, "claimed", previous.empty() ? "" : "taken over from " + previous);
    d.respond(agent);
    d.notify(audience::case_thread, "claimed",
             previous.empty()
                 ? fmt::format("{} claimed {} and is working on it.", agent.name, case_tag(c.id))
                 : fmt::format("{} took {} over from {} and is working on it.", agent.name, case_tag(c.id), previous));
    return d.finish();
}

outcome acknowledge(const case_record& c, const actor& agent, const std::string& text, const domain_context& ctx)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (text.empty() && c.responded_at)
        return rejection{fmt::format("{} has had its response; `update {} <text>` posts news on it.",
                                     case_tag(c.id), c.id)};
    draft d{c, ctx};
    d.event(agent.id, "acknowledged", text);
    d.respond(agent);
    d.notify(audience::case_thread, "acknowledged",
             fmt::format("{} acknowledged {}{}", agent.name, case_tag(c.id), with_note(text)));
    return d.finish();
}

outcome request_info(const case_record& c, const actor& agent, const std::string& question,
                     const domain_context& ctx)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (question.empty())
        return rejection{"Say what you need from the customer."};
    draft d{c, ctx};
    d.event(agent.id, "info_requested", question);
    d.respond(agent);
    d.pause_for_customer();
    d.notify(audience::case_thread, "info_requested",
             fmt::format("{} needs more information on {}: {}\nThe status clock is paused until you reply.",
                         agent.name, case_tag(c.id), question));
    return d.finish();
}

outcome post_update(const case_record& c, const actor& agent, const std::string& text, const domain_context& ctx,
                    bool in_case_thread)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (text.empty())
        return rejection{"An update needs its text."};
    draft d{c, ctx};
    bool const first = !c.responded_at;
    d.event(agent.id, "update", text);
    d.respond(agent);
    if (!first)
        d.restart_status_clock();
    if (!in_case_thread)
        d.notify(audience::case_thread, "update",
                 fmt::format("Update on {} from {}: {}", case_tag(c.id), agent.name, text));
    return d.finish();
}

outcome reply(const case_record& c, const actor& who, const std::string& text, const domain_context& ctx,
              bool in_case_thread)
{
    if (who.is_staff())
        return post_update(c, who, text, ctx, in_case_thread);
    if (c.state == case_state::closed || c.state == case_state::declined) {
        // Nobody works a closed or declined case: the team hears of it, and decides.
        draft d{c, ctx};
        d.event(who.id, "customer_reply", text);
        // The answer a waiting case was declined with has come: brought back, the case
        // is the team's to work, not waiting on the customer again.
        d.c().declined_while_waiting = false;
        d.notify(audience::agents, "customer_reply",
                 fmt::format("{} wrote on {} {}: {} ({})", who.name, to_string(c.state), case_tag(c.id),
                             shorten(text, 300),
                             c.state == case_state::closed
                                 ? fmt::format("`reopen {} <reason>` if it needs more work", c.id)
                                 : fmt::format("`category {} error` if the Support Program covers it", c.id)),
                 true);
        d.notify(audience::case_thread, "customer_reply",
                 c.state == case_state::closed
                     ? fmt::format("{} is closed; the team has your message. `reopen {} <reason>` reopens it.",
                                   case_tag(c.id), c.id)
                     : fmt::format("{} is not covered by the Support Program; the team has your message.",
                                   case_tag(c.id)));
        return d.finish();
    }
    draft d{c, ctx};
    d.event(who.id, "customer_reply", text);
    bool const was_waiting = c.state == case_state::waiting;
    d.resume_from_waiting();
    if (was_waiting)
        d.notify(audience::case_thread, "resumed",
                 fmt::format("Thanks, {}: {} is back with the team and its status clock runs again.", who.name,
                             case_tag(c.id)),
                 true);
    // Nobody watches a resolved case's clock: tell the team the customer wrote.
    if (c.state == case_state::resolved) {
        d.notify(audience::agents, "customer_reply",
                 fmt::format("{} wrote on resolved {}: {} (`reopen {}` if it needs more work)", who.name,
                             case_tag(c.id), shorten(text, 300), c.id),
                 true);
    }
    return d.finish();
}

outcome change_severity(const case_record& c, const actor& who, severity level, const std::string& reason,
                        const domain_context& ctx)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (!is_covered(c.kind))
        return rejection{fmt::format("{} is not covered by the Support Program, so it has no severity clock.",
                                     case_tag(c.id))};
    if (reason.empty())
        return rejection{"A severity change needs a reason."};
    if (level == c.level)
        return rejection{fmt::format("{} is already {}.", case_tag(c.id), to_string(level))};
    // design.md §3: a request for Critical on anything but a software error is declined
    // at once, with the reason, and with what would change it.
    if (level == severity::critical && !may_be_critical(c.kind))
        return rejection{
            who.is_staff()
                ? fmt::format("Only a software error can be Critical; {} is a {}. `category {} error` first.",
                              case_tag(c.id), to_string(c.kind), c.id)
                : fmt::format("Only a software error can be Critical, and {} is filed as a {}. If it is a software "
                              "error, say so in its thread: the team can reclassify it.",
                              case_tag(c.id), to_string(c.kind))};

    draft d{c, ctx};
    if (!who.is_staff() && level == severity::critical) {
        if (c.pending_request)
            return rejection{fmt::format("Your request for {} to become Critical is already with the leads.",
                                         case_tag(c.id))};
        d.c().pending_request = severity_request{level, who.id, reason, ctx.now};
        d.event(who.id, "severity_requested", fmt::format("{} → critical: {}", to_string(c.level), reason));
        d.notify(audience::leads, "severity_request",
                 fmt::format("{} asks for {} ({}) to become Critical: {}. A lead decides with `approve {}` or "
                             "`decline {} <reason>`.",
                             who.name, case_tag(c.id), customer_name(c, ctx), reason, c.id, c.id));
        d.notify(audience::case_thread, "severity_request",
                 fmt::format("Your request for {} to become Critical is with the leads.", case_tag(c.id)));
        return d.finish();
    }

    auto& n = d.c();
    n.level = level;
    // A request the leads were asked to decide is settled by this change: they hear so,
    // or a later `approve` would meet "no request waiting" with no word why.
    if (c.pending_request)
        d.notify(audience::leads, "severity_request",
                 fmt::format("{} set {} to {}; the request for it to become Critical no longer waits for a decision.",
                             who.name, case_tag(c.id), to_string(level)));
    n.pending_request.reset();
    // New targets from the original anchors; their reminders and breaches may fire again.
    restart_targets(running_clock(n, c.state));
    d.event(who.id, "severity", fmt::format("{} → {}: {}", to_string(c.level), to_string(level), reason));
    refresh_deadlines(n, ctx.rules);
    std::string deadline;
    if (c.state == case_state::open && n.initial.due)
        deadline = " Initial response due " + d.cal().local_text(*n.initial.due) + ".";
    else if (n.status.due)
        deadline = " Next status update due " + d.cal().local_text(*n.status.due) + ".";
    d.notify(audience::case_thread, "severity",
             fmt::format("{} is now {} ({}): {}.{}", case_tag(c.id), to_string(level), who.name, reason, deadline));
    return d.finish();
}

outcome decide_request(const case_record& c, const actor& lead, bool approve, const std::string& reason,
                       const domain_context& ctx)
{
    if (!c.pending_request)
        return rejection{fmt::format("{} has no severity request waiting for a decision.", case_tag(c.id))};
    if (approve) {
        auto const req = *c.pending_request;
        auto decided = c;   // the request is what is being settled, not something left waiting
        decided.pending_request.reset();
        return change_severity(decided, lead, req.level, "approved request: " + req.reason, ctx);
    }
    if (reason.empty())
        return rejection{"Declining needs a reason for the customer."};
    draft d{c, ctx};
    d.c().pending_request.reset();
    d.event(lead.id, "severity_declined", reason);
    d.notify(audience::case_thread, "severity_declined",
             fmt::format("The request for {} to become Critical was declined by {}: {}", case_tag(c.id), lead.name,
                         reason));
    return d.finish();
}

outcome change_category(const case_record& c, const actor& agent, category kind, const domain_context& ctx)
{
    if (c.kind == kind)
        return rejection{fmt::format("{} is already {}.", case_tag(c.id), to_string(kind))};
    if (c.state == case_state::closed || c.state == case_state::resolved)
        return finished_case(c);
    draft d{c, ctx};
    auto& n = d.c();
    n.kind = kind;
    d.event(agent.id, "category", fmt::format("{} → {}", to_string(c.kind), to_string(kind)));
    if (n.level == severity::critical && !may_be_critical(kind)) {
        n.level = severity::normal;
        d.event(bot_actor, "severity", "critical → normal: only a software error can be Critical");
        // Normal's targets from the same anchor, with their own reminder and breach; a
        // Critical target already missed stays missed (no category change wipes a breach).
        if (auto& running = running_clock(n, c.state); !running.breached)
            restart_targets(running);
    }
    // A request for Critical on what is no longer a software error cannot be granted:
    // the leads and the customer hear that it no longer waits.
    if (n.pending_request && !may_be_critical(kind)) {
        n.pending_request.reset();
        d.notify(audience::leads, "severity_request",
                 fmt::format("{} made {} a {}; the request for it to become Critical no longer waits for a decision.",
                             agent.name, case_tag(c.id), to_string(kind)));
        d.notify(audience::case_thread, "severity_request",
                 fmt::format("The request for {} to become Critical no longer applies: the team filed it as a {}, "
                             "and only a software error can be Critical.",
                             case_tag(c.id), to_string(kind)));
    }
    auto const lowered = lowered_text(c, n);
    if (!is_covered(kind)) {
        if (c.state != case_state::declined) {
            // paused_at marks when the case's clocks stopped: now, as it leaves the
            // program, or for a case waiting on the customer when it began waiting (its
            // status clock already stands still). The time it spends declined owes
            // nothing if it comes back, and one waiting comes back waiting.
            bool const waiting = c.state == case_state::waiting && c.paused_at;
            if (!waiting)
                n.paused_at = ctx.now;
            n.declined_while_waiting = waiting;
        }
        n.state = case_state::declined;
        d.notify(audience::case_thread, "declined",
                 fmt::format("{} is now {}. {}{}", case_tag(c.id), to_string(kind), coverage_text(kind, ctx.vendor),
                             lowered));
    } else if (c.state == case_state::declined) {
        // A case that was waiting on the customer goes back to waiting for them.
        bool const back_to_waiting = c.declined_while_waiting && n.responded_at;
        n.state = back_to_waiting ? case_state::waiting : n.responded_at ? case_state::responded : case_state::open;
        n.declined_while_waiting = false;
        // The time spent declined owes nothing: each clock resumes with the time it had
        // left, and a target already missed stays missed, breach and pings included (a
        // round trip through a declined category neither wipes a breach nor buys time).
        // A case filed outside the program has no clock yet: it starts now.
        // (A case declined before casebot recorded when has no paused_at: its clocks that
        // were not missed start now, as they used to.)
        // Waiting again: the status clock stays paused from when the case began waiting,
        // and the customer's answer credits the whole pause (resume_from_waiting).
        n.paused_at.reset();
        if (back_to_waiting)
            n.paused_at = c.paused_at.value_or(ctx.now);
        if (!n.initial.anchor || (!c.paused_at && !n.responded_at && !n.initial.breached)) {
            n.initial = sla_clock{};
            n.initial.anchor = ctx.now;
        } else if (!n.responded_at && !n.initial.breached) {
            d.resume_initial_clock(*c.paused_at);
        }
        if (n.responded_at && !n.status.breached && !back_to_waiting) {
            if (c.paused_at) {
                n.paused_business += d.cal().between(*c.paused_at, ctx.now);
            } else {
                n.status = sla_clock{};
                n.status.anchor = ctx.now;
                n.paused_business = seconds{0};
            }
        }
        refresh_deadlines(n, ctx.rules);
        std::string due;
        if (n.initial.due && n.state == case_state::open)
            due = fmt::format(" Initial response {} {}.", *n.initial.due > ctx.now ? "due" : "was due",
                              d.cal().local_text(*n.initial.due));
        if (back_to_waiting)
            due = " It waits on the customer again: the status clock stays paused until they answer.";
        d.notify(audience::case_thread, "category",
                 fmt::format("{} is now {} and covered by the Support Program.{}", case_tag(c.id), to_string(kind),
                             due));
    } else {
        refresh_deadlines(n, ctx.rules);
        std::string due;
        if (!lowered.empty() && n.state == case_state::open && n.initial.due)
            due = " Initial response due " + d.cal().local_text(*n.initial.due) + ".";
        d.notify(audience::case_thread, "category",
                 fmt::format("{} is now {} (was {}).{}{}", case_tag(c.id), to_string(kind), to_string(c.kind),
                             lowered, due));
    }
    return d.finish();
}

outcome assign(const case_record& c, const actor& lead, const actor& assignee, const domain_context& ctx)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (!assignee.is_staff())
        return rejection{fmt::format("{} is not on the support team.", assignee.name)};
    if (c.assignee == assignee.id)
        return rejection{fmt::format("{} already has {}.", assignee.name, case_tag(c.id))};
    draft d{c, ctx};
    d.c().assignee = assignee.id;
    d.c().assignee_name = assignee.name;
    d.event(lead.id, "assigned", assignee.name);
    d.notify(audience::case_thread, "assigned",
             fmt::format("{} assigned {} to {}.", lead.name, case_tag(c.id), assignee.name), true);
    return d.finish();
}

outcome escalate(const case_record& c, const actor& who, const std::string& reason, const domain_context& ctx)
{
    if (is_finished(c.state))
        return finished_case(c);
    if (reason.empty())
        return rejection{"Say why you escalate."};
    draft d{c, ctx};
    d.event(who.id, "escalated", reason);
    d.notify(audience::leads, "escalation",
             fmt::format("{} escalated {} ({}, {}, {}): {}. {}", who.name, case_tag(c.id), to_string(c.level),
                         customer_name(c, ctx), who_has_it(c), reason, c.title));
    d.notify(audience::case_thread, "escalated",
             fmt::format("{} escalated {} to the support leads: {}", who.name, case_tag(c.id), reason));
    return d.finish();
}

outcome resolve(const case_record& c, const actor& agent, const std::string& note, const domain_context& ctx)
{
    if (is_finished(c.state))
        return rejection{fmt::format("{} is already {}.", case_tag(c.id), to_string(c.state))};
    draft d{c, ctx};
    d.respond(agent);
    auto& n = d.c();
    n.state = case_state::resolved;
    n.resolved_at = ctx.now;
    n.paused_at.reset();
    n.pending_request.reset();
    d.event(agent.id, "resolved", note);
    d.notify(audience::case_thread, "resolved",
             fmt::format("{} resolved {}{} Reply `close {}` to confirm, or `reopen {} <reason>` if it is not fixed.",
                         agent.name, case_tag(c.id), with_note(note), c.id, c.id));
    return d.finish();
}

outcome close(const case_record& c, const actor& who, const domain_context& ctx)
{
    if (c.state == case_state::closed)
        return rejection{fmt::format("{} is already closed.", case_tag(c.id))};
    if (!who.is_staff() && c.state != case_state::resolved)
        return rejection{fmt::format("{} is {}; you can close it once the team has resolved it.", case_tag(c.id),
                                     standing_for_customer(c.state))};
    draft d{c, ctx};
    auto& n = d.c();
    n.state = case_state::closed;
    n.closed_at = ctx.now;
    if (c.state != case_state::declined)
        n.paused_at.reset();   // a declined case keeps when it left the program
    n.pending_request.reset();
    d.event(who.id, "closed", who.is_staff() ? "" : "confirmed by the customer");
    d.notify(audience::case_thread, "closed", fmt::format("{} closed {}.", who.name, case_tag(c.id)));
    return d.finish();
}

outcome reopen(const case_record& c, const actor& who, const std::string& reason, const domain_context& ctx)
{
    if (c.state == case_state::declined)
        return rejection{fmt::format("{} is not covered by the Support Program; an agent can reclassify it.",
                                     case_tag(c.id))};
    if (c.state != case_state::resolved && c.state != case_state::closed)
        return rejection{fmt::format("{} is {}, not resolved or closed.", case_tag(c.id), to_string(c.state))};
    draft d{c, ctx};
    auto& n = d.c();
    n.resolved_at.reset();
    n.closed_at.reset();
    // Reopened by someone who needs more from the team: whatever it was waiting for
    // before it was declined is no longer what it waits for.
    n.declined_while_waiting = false;
    if (!is_covered(n.kind)) {
        // Closed while declined: it comes back declined, still outside the program (an
        // agent's `category` brings it in, its clocks resuming as they stood).
        n.state = case_state::declined;
        if (!n.paused_at)
            n.paused_at = ctx.now;
    } else if (n.responded_at) {
        // The team already responded once: what is owed now is the next status update.
        n.state = case_state::responded;
        n.status = sla_clock{};
        n.status.anchor = ctx.now;
        n.paused_business = seconds{0};
    } else {
        // Closed before anyone responded: the initial response is still owed. A target
        // already missed stays missed, breach and pings included; otherwise the clock
        // resumes where it stood when the case was closed (the time closed owes nothing).
        n.state = case_state::open;
        if (!n.initial.breached && c.closed_at)
            d.resume_initial_clock(*c.closed_at);
    }
    d.event(who.id, "reopened", reason);
    d.notify(audience::case_thread, "reopened",
             fmt::format("{} reopened {}{}", who.name, case_tag(c.id), with_note(reason)), true);
    // A customer's reopening must reach the team where it works, not only the case's thread.
    if (!who.is_staff())
        d.notify(audience::agents, "reopened",
                 fmt::format("{} reopened {} ({}, {}, {}){} {}", who.name, case_tag(c.id), to_string(c.level),
                             customer_name(c, ctx), who_has_it(c), with_note(reason), c.title),
                 true);
    return d.finish();
}

std::optional<case_change> fire_due(const case_record& c, const domain_context& ctx)
{
    if (!c.next_alarm_at || *c.next_alarm_at > ctx.now)
        return std::nullopt;
    draft d{c, ctx, draft::overdue::leave};   // finish() fires them all, reminders included
    auto out = d.finish();
    return std::get<case_change>(std::move(out));
}

std::optional<case_change> retime(const case_record& c, const domain_context& ctx)
{
    auto recomputed = c;
    refresh_deadlines(recomputed, ctx.rules);
    if (recomputed.initial.due == c.initial.due && recomputed.status.due == c.status.due &&
        recomputed.next_alarm_at == c.next_alarm_at)
        return std::nullopt;
    auto const& cal = ctx.rules.calendar_for(c.level);
    std::string detail = "deadlines recomputed: the support hours or targets changed";
    if (recomputed.initial.due && recomputed.initial.due != c.initial.due)
        detail += "; initial response now due " + cal.local_text(*recomputed.initial.due);
    if (recomputed.status.due && recomputed.status.due != c.status.due)
        detail += "; next status update now due " + cal.local_text(*recomputed.status.due);
    draft d{c, ctx, draft::overdue::leave};
    d.event(bot_actor, "retimed", std::move(detail));
    return std::get<case_change>(d.finish());
}

}  // namespace bot
