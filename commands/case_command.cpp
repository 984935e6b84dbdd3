#include "commands/case_command.hpp"

#include "bot/change_messages.hpp"
#include "bot/describe.hpp"
#include "commands/parser.hpp"
#include "commands/permissions.hpp"

namespace bot::commands {

reply not_found(case_id id)
{
    return reply::refusal("I can't find " + case_tag(id) + " among the cases you can see.");
}

result<std::optional<case_record>> visible_case(const invocation& in, context& ctx, case_id id)
{
    auto found = ctx.cases.find(id);
    if (!found)
        return found.error();
    if (!*found || !may_see(in.who, **found) ||
        (!in.scope_customer.empty() && (*found)->customer != in.scope_customer))
        return std::optional<case_record>{};
    return found;
}

bool names_a_case_unseen(case_store& cases, const std::string& text, const actor& who)
{
    if (who.is_staff())
        return false;
    auto const parsed = parse_command(text);
    auto const* cmd = std::get_if<command>(&parsed);
    if (cmd == nullptr || !cmd->id)
        return false;
    auto const found = cases.find(*cmd->id);
    return found && (!*found || !may_see(who, **found));
}

domain_context domain_of(const context& ctx)
{
    return domain_context{ctx.rules, ctx.clock.now(), ctx.vendor, &ctx.people};
}

result<void> commit_change(context& ctx, case_change change)
{
    auto stored = with_messages(std::move(change), ctx.people);
    stored.dedupe_key = std::exchange(ctx.dedupe_key, {});
    return ctx.cases.commit(stored);
}

result<reply> change_case(const invocation& in, context& ctx, case_id id, const case_op& op, const on_done& done)
{
    // A conflict means someone changed the case between our read and our write
    // (another agent, the scheduler): decide again on what is stored now.
    constexpr int attempts = 3;
    for (int i = 0;; ++i) {
        auto current = visible_case(in, ctx, id);
        if (!current)
            return current.error();
        if (!*current)
            return not_found(id);
        auto const dc = domain_of(ctx);
        auto decided = op(**current, dc);
        if (auto const* no = std::get_if<rejection>(&decided))
            return reply::refusal(no->why);
        auto change = std::get<case_change>(std::move(decided));
        auto after = change.after;
        auto saved = commit_change(ctx, std::move(change));
        if (saved) {
            auto r = done(after);
            r.case_ref = id;
            return r;
        }
        if (saved.error() != errc::conflict || i + 1 == attempts)
            return saved.error();
    }
}

}  // namespace bot::commands
