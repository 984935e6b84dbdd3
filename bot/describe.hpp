#pragma once
// Human-readable sentences about the program and a case, shared by the domain's
// notices and the commands' replies so every surface says the same thing.
#include "bot/case_record.hpp"
#include "bot/program.hpp"
#include "bot/sla.hpp"

#include <string>

namespace bot {

// "Mon–Fri 09:00–18:00 America/New_York" (or "around the clock").
std::string hours_text(const calendar& cal);

// "#42"
std::string case_tag(case_id id);

// The deadline of one clock as a customer reads it: "Mon 9 Mar 2026 10:00 EDT (running)",
// "met Mon 9 Mar 2026 09:40 EDT", "paused (3h left)", "none (as reasonable)".
std::string deadline_text(const case_record& c, sla_kind k, wall_time now, const program& p);

// "1h", "4h", "1 business day", "1 business week", "as reasonable".
std::string span_text(const business_span& s);

// What the program covers, and the alternatives, for an out-of-scope category.
std::string coverage_text(category c, std::string_view vendor);

// When a case opened out of hours: "Support is closed now; your clock starts at …".
std::string closed_note(const calendar& cal, wall_time now);

}  // namespace bot
