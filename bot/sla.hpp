#pragma once
// Deadlines of a case's two clocks, derived from their anchors, and the alarms
// (reminder, breach, repeat pings, further escalation) still to come.
#include "bot/case_record.hpp"
#include "bot/program.hpp"

#include <optional>

namespace bot {

enum class clock_status {
    off,        // the clock does not run (out of scope, no cadence, not started, finished)
    running,
    due_soon,   // within the reminder lead
    breached,   // the deadline passed and nobody acted yet
    met,        // the team acted (for the initial response: in time or late)
    paused,     // waiting on the customer
};
std::string_view to_string(clock_status s) noexcept;

enum class alarm_kind { reminder, breach, ping, escalate };

struct alarm {
    sla_kind clock = sla_kind::initial_response;
    alarm_kind kind = alarm_kind::reminder;
    wall_time at{};
};

// Whether the clock counts against the team right now.
bool is_running(const case_record& c, sla_kind k, const program& p) noexcept;

// The window of clock `k` for the case's severity, in business seconds (status: 0 if none).
std::chrono::seconds window_of(const case_record& c, sla_kind k, const program& p) noexcept;

// The last instant at which deadline `due` is still met: `due`, unless support is
// closed then. A deadline at closing time (say Fri 18:00) is missed only when support
// opens again (Mon 09:00): the closed hours between pass no business time, so a
// response in them is still within the window. A response at missed_at() is on time
// ("within 1 business hour"); the breach fires the second after (breach_at()).
wall_time missed_at(const calendar& cal, wall_time due);
wall_time breach_at(const calendar& cal, wall_time due);

// Whether a response at `at` came after deadline `due`: after missed_at(cal, due).
bool is_late(const calendar& cal, wall_time due, wall_time at);

// Recomputes both due instants and next_alarm_at from anchors, pauses and flags.
void refresh_deadlines(case_record& c, const program& p);

// The next alarm of one clock, if any.
std::optional<alarm> next_alarm(const case_record& c, sla_kind k, const program& p);

clock_status status_of(const case_record& c, sla_kind k, wall_time now, const program& p);

// Business time left before the status deadline when the clock paused.
std::chrono::seconds remaining_when_paused(const case_record& c, const program& p);

}  // namespace bot
