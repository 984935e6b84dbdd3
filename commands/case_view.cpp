#include "commands/case_view.hpp"

#include "bot/describe.hpp"
#include "bot/sla.hpp"

#include <fmt/format.h>

namespace bot::commands {

std::vector<reply_field> case_fields(const case_record& c, wall_time now, const program& rules,
                                     const directory& people)
{
    std::vector<reply_field> f{
        {"Case", case_tag(c.id)},
        {"Title", c.title},
        {"Customer", people.customer_name(c.customer)},
        {"State", std::string{to_string(c.state)}},
        {"Severity", std::string{to_string(c.level)}},
        {"Category", std::string{to_string(c.kind)}},
        {"Assignee", c.assignee.empty() ? "unclaimed" : c.assignee_name},
        {"Initial response", deadline_text(c, sla_kind::initial_response, now, rules)},
        {"Next status update", deadline_text(c, sla_kind::status_update, now, rules)},
    };
    if (is_covered(c.kind))
        f.push_back({"Typical resolution", rules.policy(c.level).typical_resolution});
    f.push_back({"Opened", rules.support_hours().local_text(c.created_at)});
    if (c.pending_request)
        f.push_back({"Pending request", fmt::format("{} (asked by {}: {})", to_string(c.pending_request->level),
                                                    people.display_name(c.pending_request->requested_by),
                                                    c.pending_request->reason)});
    return f;
}

std::string case_line(const case_record& c, wall_time now, const program& rules, const directory& people)
{
    std::string clock;
    if (c.state == case_state::open)
        clock = "initial response " + deadline_text(c, sla_kind::initial_response, now, rules);
    else if (c.state == case_state::responded || c.state == case_state::waiting)
        clock = "status update " + deadline_text(c, sla_kind::status_update, now, rules);
    else
        clock = "no clock";
    return fmt::format("{} · {} · {} · {} · {} · {}{} · {}", case_tag(c.id), to_string(c.level), to_string(c.kind),
                       people.customer_name(c.customer), to_string(c.state), clock,
                       c.assignee.empty() ? "" : " · " + c.assignee_name, c.title);
}

}  // namespace bot::commands
