#include "bot/describe.hpp"
#include "bot/sla.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace bot::commands {
namespace {
constexpr std::size_t max_listed = 10;

// A stretch during which a clock stood still, and why.
struct standstill {
    wall_interval when;
    std::string_view why;   // "paused" (waiting on the customer), "closed", "declined"
};

// For a change of category ("question → work-order"), whether the case is in the program after it.
std::optional<bool> covered_after(const case_event& e)
{
    if (e.what != "category")
        return std::nullopt;
    auto const space = e.detail.rfind(' ');
    auto const kind = parse_category(std::string_view{e.detail}.substr(space == std::string::npos ? 0 : space + 1));
    if (!kind)
        return std::nullopt;
    return is_covered(*kind);
}

// What is left of `span` outside the spans away (closed, declined) among `still`.
std::vector<wall_interval> outside_away(wall_interval span, const std::vector<standstill>& still)
{
    std::vector<wall_interval> pieces{span};
    for (auto const& away : still) {
        if (away.why == "paused")
            continue;
        std::vector<wall_interval> left;
        for (auto const& piece : pieces) {
            if (piece.from < away.when.from)
                left.push_back({piece.from, std::min(piece.to, away.when.from)});
            if (away.when.to < piece.to)
                left.push_back({std::max(piece.from, away.when.to), piece.to});
        }
        pieces = std::move(left);
    }
    return pieces;
}

// From the history, in order of their start: the spans the case waited on the
// customer (paused → resumed), and those it spent away from the program, closed
// (closed → reopened) or declined (filed or reclassified outside it → back in).
// One still going at `now` ends there. A wait can also end without a "resumed": the
// case resolved or closed, or brought back into the program to the team (a customer
// who answered while it was declined); `waiting_now` tells which waits still run.
std::vector<standstill> standstills(const std::vector<case_event>& history, wall_time now, bool waiting_now)
{
    std::vector<standstill> out;
    bool waiting = false;
    wall_time waiting_since{};
    bool came_back = false;   // returned to the program since the wait began…
    wall_time back_in{};      // …at this time
    auto const end_wait = [&](wall_time at) {
        if (waiting)
            out.push_back({{waiting_since, std::max(waiting_since, at)}, "paused"});
        waiting = false;
    };
    bool away = false;
    standstill away_span{};
    bool closed = false;
    bool covered = true;
    for (auto const& e : history) {
        if (e.what == "paused") {
            end_wait(came_back ? back_in : e.at);   // one that ended unrecorded
            waiting = true;
            waiting_since = e.at;
            came_back = false;
        } else if (e.what == "resumed") {
            end_wait(e.at);
        } else if (e.what == "resolved" || e.what == "closed") {
            end_wait(e.at);
            closed = closed || e.what == "closed";
        } else if (e.what == "reopened") {
            closed = false;
        } else if (e.what == "declined") {   // filed outside the program
            covered = false;
        } else if (auto const in = covered_after(e)) {
            if (*in && !covered) {   // the last return is the one that counts
                came_back = true;
                back_in = e.at;
            }
            covered = *in;
        }
        bool const away_now = closed || !covered;
        if (away_now && !away) {
            away_span = {{e.at, e.at}, closed ? "closed" : "declined"};
        } else if (!away_now && away) {
            away_span.when.to = e.at;
            out.push_back(away_span);
        }
        away = away_now;
    }
    end_wait(waiting_now || !came_back ? now : back_in);
    if (away) {
        away_span.when.to = std::max(away_span.when.from, now);
        out.push_back(away_span);
    }
    // A wait's time away from the program is named for the time away: the waits are
    // cut around the away spans, so that no two spans overlap (calendar::explain
    // carves them in order, each from what the ones before it left).
    std::vector<standstill> apart;
    for (auto const& st : out) {
        if (st.why != "paused")
            apart.push_back(st);
        else
            for (auto const& piece : outside_away(st.when, out))
                apart.push_back({piece, st.why});
    }
    std::stable_sort(apart.begin(), apart.end(), [](auto const& a, auto const& b) { return a.when.from < b.when.from; });
    return apart;
}

// The name of a span in the listing: a calendar gap, counted time, or why the clock stood still.
std::string_view span_name(const calendar_span& s, const std::vector<standstill>& still)
{
    switch (s.kind) {
    case span_kind::counted: return "counted";
    case span_kind::night: return "night";
    case span_kind::weekend: return "weekend";
    case span_kind::holiday: return "holiday";
    case span_kind::paused:
        for (auto const& st : still)
            if (st.when.from <= s.from && s.from < st.when.to)
                return st.why;
        return "paused";
    }
    return "?";
}

std::vector<wall_interval> intervals_of(const std::vector<standstill>& still)
{
    std::vector<wall_interval> out;
    for (auto const& st : still)
        out.push_back(st.when);
    return out;
}

std::chrono::seconds counted_in(const std::vector<calendar_span>& spans)
{
    std::chrono::seconds counted{0};
    for (auto const& s : spans)
        if (s.kind == span_kind::counted)
            counted += s.to - s.from;
    return counted;
}

// When the initial response's clock really started. A case that came back from being
// closed or declined had its start moved later by the time away (case_ops: the time
// away owes nothing); from the real start, with that time carved out, the arithmetic
// shows what happened. The start is when the case entered the program: its opening,
// or the reclassification that brought it in. If counting from there does not come
// to the target (an older case whose clock restarted), the clock's own start stands.
wall_time initial_start(const case_record& c, const std::vector<case_event>& history,
                        const std::vector<standstill>& away, const context& ctx)
{
    auto const anchor = *c.initial.anchor;
    if (away.empty() || !c.initial.due)
        return anchor;
    std::optional<wall_time> entered;
    for (auto const& e : history) {
        if (e.what == "opened")
            entered = e.at;
        else if (e.what == "declined")
            entered.reset();   // filed outside the program: it entered when reclassified
        else if (!entered && covered_after(e).value_or(false))
            entered = e.at;
    }
    if (!entered || *entered >= anchor)
        return anchor;
    auto const spans = ctx.rules.calendar_for(c.level).explain(*entered, *c.initial.due, intervals_of(away));
    return counted_in(spans) == window_of(c, sla_kind::initial_response, ctx.rules) ? *entered : anchor;
}

std::string explain_clock(const case_record& c, sla_kind k, const std::vector<case_event>& history,
                          const context& ctx)
{
    auto const& rules = ctx.rules;
    auto const& cal = rules.calendar_for(c.level);
    auto const& clk = k == sla_kind::initial_response ? c.initial : c.status;
    auto const now = ctx.clock.now();
    auto const name = k == sla_kind::initial_response ? "Initial response" : "Status update";
    auto const& policy = rules.policy(c.level);
    auto const span = k == sla_kind::initial_response ? policy.initial_response : *policy.status_update;
    auto const basis = policy.around_the_clock ? "counted around the clock" : "of support time";

    // Every clock stands still while the case is away (closed, declined); the status
    // clock also while the case waits on the customer.
    auto still = standstills(history, now, c.state == case_state::waiting);
    // The initial response's clock never waits on the customer, and once the response
    // is given, nothing later concerns it.
    if (k == sla_kind::initial_response)
        std::erase_if(still, [&](const standstill& st) {
            return st.why == "paused" || (c.responded_at && st.when.from >= *c.responded_at);
        });
    auto const start = k == sla_kind::initial_response ? initial_start(c, history, still, ctx) : *clk.anchor;

    std::string out = fmt::format("{}: {} {} for {} cases, from {}.", name, span_text(span), basis,
                                  to_string(c.level), cal.local_text(start));
    if (!policy.around_the_clock)
        out += fmt::format(" Support hours: {}.", hours_text(cal));

    wall_time end;
    if (k == sla_kind::status_update && c.state == case_state::waiting && c.paused_at) {
        end = std::max(*c.paused_at, *clk.anchor);
        out += fmt::format("\nPaused since {} (waiting on the customer); {} left when it resumes.",
                           cal.local_text(*c.paused_at), format_duration(remaining_when_paused(c, rules)));
    } else if (clk.due) {
        end = *clk.due;
        auto const state = deadline_text(c, k, now, rules);
        out += state.starts_with("met") ? fmt::format("\nDue {}; {}.", cal.local_text(end), state)
                                        : fmt::format("\nDue {}.", state);
    } else {
        return out;
    }

    auto const spans = cal.explain(start, end, intervals_of(still));
    // What was skipped, tallied by name in a fixed order.
    constexpr std::array<std::string_view, 6> skipped_names{"night", "weekend", "holiday", "paused", "closed",
                                                            "declined"};
    std::array<std::pair<int, std::chrono::seconds>, skipped_names.size()> skipped{};
    for (auto const& s : spans) {
        auto const i = std::find(skipped_names.begin(), skipped_names.end(), span_name(s, still));
        if (i == skipped_names.end())
            continue;   // counted
        auto& tally = skipped[static_cast<std::size_t>(i - skipped_names.begin())];
        ++tally.first;
        tally.second += s.to - s.from;
    }
    out += fmt::format("\nCounted {} of business time", format_duration(counted_in(spans)));
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < skipped.size(); ++i) {
        auto const [count, total] = skipped[i];
        if (count == 0)
            continue;
        bool const gap = i < 3;   // "2 nights", but "1 closed span"
        parts.push_back(fmt::format("{} {}{}{} ({})", count, skipped_names[i], gap ? "" : " span",
                                    count == 1 ? "" : "s", format_duration(total)));
    }
    if (!parts.empty()) {
        out += "; skipped ";
        for (std::size_t i = 0; i < parts.size(); ++i)
            out += (i == 0 ? "" : ", ") + parts[i];
    }
    out += ":";
    for (std::size_t i = 0; i < spans.size() && i < max_listed; ++i)
        out += fmt::format("\n  {} {} → {} ({})", span_name(spans[i], still), cal.local_text(spans[i].from),
                           cal.local_text(spans[i].to), format_duration(spans[i].to - spans[i].from));
    if (spans.size() > max_listed)
        out += fmt::format("\n  … and {} more", spans.size() - max_listed);
    return out;
}
}  // namespace

// why <id>: the arithmetic behind each deadline: hours counted and what was skipped.
result<reply> why(const command& cmd, const invocation& in, context& ctx)
{
    auto found = visible_case(in, ctx, *cmd.id);
    if (!found)
        return found.error();
    if (!*found)
        return not_found(*cmd.id);
    auto const& c = **found;
    if (!is_covered(c.kind))
        return reply::info(fmt::format("{} is a {}: not covered by the Support Program, so it has no deadlines.",
                                       case_tag(c.id), to_string(c.kind)));
    auto history = ctx.cases.history(c.id);
    if (!history)
        return history.error();

    std::string text = fmt::format("Why {} is due when it is ({}, {}):", case_tag(c.id), to_string(c.level),
                                   to_string(c.state));
    if (c.initial.anchor)
        text += "\n" + explain_clock(c, sla_kind::initial_response, *history, ctx);
    if (c.status.anchor && ctx.rules.policy(c.level).status_update &&
        (c.state == case_state::responded || c.state == case_state::waiting))
        text += "\n" + explain_clock(c, sla_kind::status_update, *history, ctx);
    else if (!ctx.rules.policy(c.level).status_update)
        text += fmt::format("\nStatus updates: none scheduled for {} cases (as reasonable).", to_string(c.level));
    auto r = reply::info(std::move(text));
    r.case_ref = c.id;
    return r;
}

}  // namespace bot::commands
