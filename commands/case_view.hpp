#pragma once
// A case as reply fields (the case card): the same fields on every surface.
#include "bot/case_record.hpp"
#include "bot/directory.hpp"
#include "bot/program.hpp"
#include "commands/reply.hpp"

#include <vector>

namespace bot::commands {

// Case, Title, Customer, State, Severity, Category, Assignee, Initial response,
// Next status update, Typical resolution, Opened.
std::vector<reply_field> case_fields(const case_record& c, wall_time now, const program& rules,
                                     const directory& people);

// "#42 · critical · error · Acme Corp · open · initial response due … · title"
std::string case_line(const case_record& c, wall_time now, const program& rules, const directory& people);

}  // namespace bot::commands
