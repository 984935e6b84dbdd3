#pragma once
// The shape most commands share: find a case the caller may see, let the domain
// decide, commit the change with its messages, answer. Conflicts (the case changed
// meanwhile) are retried on fresh data.
#include "bot/case_ops.hpp"
#include "bot/errc.hpp"
#include "commands/context.hpp"
#include "commands/reply.hpp"

#include <functional>
#include <optional>
#include <string>

namespace bot::commands {

// The same answer for a case that does not exist and one the caller may not see.
reply not_found(case_id id);

// The case if it exists and the caller may see it; nullopt otherwise.
result<std::optional<case_record>> visible_case(const invocation& in, context& ctx, case_id id);

// Whether `text` is a customer's command naming a case they cannot see (no case by that
// number, or another organisation's): such a message reads better as their words,
// "why 500" about an HTTP error, "@casebot Reopen 3 tabs and it crashes", and opens a
// case instead of answering "I can't find #500". False for the support team, and on a
// storage error (the command runs, and says so).
bool names_a_case_unseen(case_store& cases, const std::string& text, const actor& who);

domain_context domain_of(const context& ctx);

// Commits a change (routing its notices); errors pass up unchanged.
result<void> commit_change(context& ctx, case_change change);

using case_op = std::function<outcome(const case_record& current, const domain_context& dc)>;
using on_done = std::function<reply(const case_record& after)>;

// Runs `op` on case `id` for the caller and commits it; `done` words the reply.
result<reply> change_case(const invocation& in, context& ctx, case_id id, const case_op& op, const on_done& done);

}  // namespace bot::commands
