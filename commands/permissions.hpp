#pragma once
// Who may run which command, and which cases they may see (design.md §1).
#include "bot/actor.hpp"
#include "bot/case_record.hpp"
#include "commands/parser.hpp"

namespace bot::commands {

// The role matrix. Finer rules (a customer closes only a resolved case, asks for
// Critical instead of setting it) live with the case operations.
bool may_run(role r, verb v) noexcept;

// Customers see only their own organisation's cases; the team sees all.
bool may_see(const actor& who, const case_record& c) noexcept;

// "the support team", "the support leads": who may run `v` when the caller may not.
std::string_view who_may(verb v) noexcept;

}  // namespace bot::commands
