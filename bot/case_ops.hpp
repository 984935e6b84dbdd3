#pragma once
// Every way a case changes, as pure decisions: given the case, who acts, the
// time and the program, return the new case with its history lines and the
// notices it causes, or a rejection saying why not. Roles are checked by the
// caller (bot/permissions.hpp); these functions check the case's own state.
#include "bot/actor.hpp"
#include "bot/case_record.hpp"
#include "bot/directory.hpp"
#include "bot/message.hpp"
#include "bot/program.hpp"

#include <string>
#include <variant>
#include <vector>

namespace bot {

struct case_change {
    case_record after;
    std::int64_t expected_version = 0;   // the stored case must still have it; 0 for a new case
    std::vector<case_event> events;
    std::vector<notice> notices;
};

struct rejection {
    std::string why;
};

using outcome = std::variant<case_change, rejection>;

struct domain_context {
    const program& rules;
    wall_time now;
    std::string vendor = "the vendor";
    // Names customers in the agents' and leads' lines ("from Acme"); without it, or
    // for a customer it does not know, the customer's id stands in.
    const directory* people = nullptr;
};

struct new_case_request {
    case_id id = 0;                 // allocated by the store beforehand, so every message can name it
    std::string customer;
    case_origin origin;
    std::string title;
    std::string description;
    category kind = category::question;
    severity level = severity::normal;
};

outcome open_case(const new_case_request& req, const actor& who, const domain_context& ctx);

// An agent takes the case; the first claim is its initial response. `take_over`: a
// case another agent has becomes this one's (a typed `claim`); false refuses it (a
// card's button or a 👀 pressed on a card that was out of date, or by two at once).
outcome claim(const case_record& c, const actor& agent, const domain_context& ctx, bool take_over = true);
// An agent acknowledges receipt (counts as the initial response); without words, only
// while the case has had no response yet (a second press of the card's button says so).
outcome acknowledge(const case_record& c, const actor& agent, const std::string& text, const domain_context& ctx);
// An agent asks the customer for information: a response; the status clock pauses.
outcome request_info(const case_record& c, const actor& agent, const std::string& question,
                     const domain_context& ctx);
// An agent posts a status update: the status clock restarts.
// `in_case_thread`: written in the case's own thread, where everyone already reads it,
// so nothing repeats it there.
outcome post_update(const case_record& c, const actor& agent, const std::string& text, const domain_context& ctx,
                    bool in_case_thread = false);
// A reply in the case's conversation: from an agent it is the response or a status
// update; from a customer it adds details and resumes a case waiting on them.
outcome reply(const case_record& c, const actor& who, const std::string& text, const domain_context& ctx,
              bool in_case_thread = false);
// Staff change the severity (reason required); customers ask for Critical (a lead
// decides) or lower/raise among normal and low directly.
outcome change_severity(const case_record& c, const actor& who, severity level, const std::string& reason,
                        const domain_context& ctx);
outcome decide_request(const case_record& c, const actor& lead, bool approve, const std::string& reason,
                       const domain_context& ctx);
outcome change_category(const case_record& c, const actor& agent, category kind, const domain_context& ctx);
outcome assign(const case_record& c, const actor& lead, const actor& assignee, const domain_context& ctx);
outcome escalate(const case_record& c, const actor& who, const std::string& reason, const domain_context& ctx);
outcome resolve(const case_record& c, const actor& agent, const std::string& note, const domain_context& ctx);
outcome close(const case_record& c, const actor& who, const domain_context& ctx);
outcome reopen(const case_record& c, const actor& who, const std::string& reason, const domain_context& ctx);

// Records every reminder, breach and ping due by ctx.now, with their notices.
// nullopt when nothing is due. Firing twice fires nothing the second time.
std::optional<case_change> fire_due(const case_record& c, const domain_context& ctx);

// The case's deadlines recomputed under ctx.rules, when they differ from the stored
// ones (support hours, holidays or targets changed since they were computed), with
// whatever alarm the new deadlines make due; nullopt when nothing moves.
std::optional<case_change> retime(const case_record& c, const domain_context& ctx);

}  // namespace bot
