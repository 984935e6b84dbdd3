#pragma once
// A case: what the customer asked, where, and the state of its two SLA clocks.
#include "bot/clock.hpp"
#include "bot/vocabulary.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bot {

// Where a case lives: the conversation it was raised in and, once known, its thread.
struct case_origin {
    platform where = platform::cli;
    std::string channel;
    std::string thread;   // platform message id of the thread root; empty until the card is posted
    friend bool operator==(const case_origin&, const case_origin&) = default;
};

enum class sla_kind { initial_response, status_update };

// One contractual clock. The deadline is derived from the anchor (sla.hpp); the
// flags remember which reminders and pings already went out so none goes twice.
struct sla_clock {
    std::optional<wall_time> anchor;   // when the window started
    std::optional<wall_time> due;      // derived: anchor + window (+ paused span)
    bool reminded = false;             // the reminder before the deadline was recorded
    bool breached = false;             // the deadline passed without the team acting
    int pings = 0;                     // repeat breach pings recorded after the first
    bool escalated = false;            // the further escalation target was pinged
    friend bool operator==(const sla_clock&, const sla_clock&) = default;
};

// A customer's pending request to raise the severity, awaiting a lead.
struct severity_request {
    severity level = severity::critical;
    std::string requested_by;
    std::string reason;
    wall_time at{};
    friend bool operator==(const severity_request&, const severity_request&) = default;
};

struct case_record {
    case_id id = 0;                     // 0 until stored; then unique across platforms
    std::string customer;               // customer organisation id (configuration)
    case_origin origin;
    std::string card_ref;               // platform message id of the case card, once posted
    std::string title;
    std::string description;
    category kind = category::question;
    severity level = severity::normal;
    case_state state = case_state::open;
    std::string opened_by;              // actor id
    std::string assignee;               // actor id; empty while unclaimed
    std::string assignee_name;          // display name of the assignee, for messages

    wall_time created_at{};
    std::optional<wall_time> responded_at;
    std::optional<wall_time> updated_at;      // last status update by an agent
    std::optional<wall_time> resolved_at;
    std::optional<wall_time> closed_at;
    std::optional<wall_time> paused_at;       // set while waiting on the customer, or since it was declined
    std::chrono::seconds paused_business{0};  // business time paused since the status anchor
    bool declined_while_waiting = false;      // declined while waiting on the customer: it returns waiting

    sla_clock initial;                  // creation → initial response
    sla_clock status;                   // last update (or response) → next status update
    std::optional<severity_request> pending_request;
    std::optional<wall_time> next_alarm_at;   // derived: the scheduler's index
    std::int64_t version = 0;           // bumped on every stored change

    friend bool operator==(const case_record&, const case_record&) = default;
};

// One line of a case's append-only history: who did what, when, and why.
struct case_event {
    case_id id = 0;
    wall_time at{};
    std::string actor;     // actor id, or "casebot" for the bot's own decisions
    std::string what;      // event name: opened, claimed, severity, reminder, breach, …
    std::string detail;    // human-readable text: the reason, the note, the old → new value
    friend bool operator==(const case_event&, const case_event&) = default;
};

inline constexpr std::string_view bot_actor = "casebot";

}  // namespace bot
