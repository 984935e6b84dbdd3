#include "bot/scheduler.hpp"

#include "bot/case_ops.hpp"
#include "bot/change_messages.hpp"

#include <algorithm>
#include <span>

namespace bot {

result<pass_report> run_scheduler_pass(case_store& store, const program& rules, const directory& people,
                                       wall_time now, const pass_options& options)
{
    pass_report report;
    domain_context const ctx{rules, now, options.vendor, &people};
    auto const batch = std::max<std::size_t>(options.batch, 1);
    // Each round takes the earliest due cases; a round that commits nothing ends the
    // pass (whatever conflicted persistently waits for the next tick).
    for (;;) {
        auto due = store.due_cases(now, batch);
        if (!due)
            return due.error();
        if (due->empty())
            break;
        std::vector<stored_change> changes;
        changes.reserve(due->size());
        for (auto const& c : *due)
            if (auto change = fire_due(c, ctx))
                changes.push_back(with_messages(std::move(*change), people));
        if (changes.empty())
            break;
        auto conflicted = store.commit_batch(changes);
        if (!conflicted)
            return conflicted.error();
        report.conflicts += conflicted->size();
        auto const committed = changes.size() - conflicted->size();
        report.cases += committed;
        if (options.keep_messages)
            for (auto& ch : changes)
                if (std::find(conflicted->begin(), conflicted->end(), ch.after.id) == conflicted->end())
                    for (auto& m : ch.messages)
                        report.enqueued.push_back(std::move(m));
        if (committed == 0)
            break;
    }
    return report;
}

result<std::size_t> retime_open_cases(case_store& store, const program& rules, const directory& people,
                                      wall_time now, const pass_options& options)
{
    case_query all_open;
    all_open.scope = list_scope::open;
    all_open.limit = 1'000'000;
    auto const open = store.list(all_open);
    if (!open)
        return open.error();
    domain_context const ctx{rules, now, options.vendor, &people};
    std::vector<stored_change> changes;
    for (auto const& c : *open)
        if (auto change = retime(c, ctx))
            changes.push_back(with_messages(std::move(*change), people));
    // A case that changed meanwhile was timed by that change, under the same rules.
    std::size_t moved = 0;
    auto const batch = std::max<std::size_t>(options.batch, 1);
    for (std::size_t first = 0; first < changes.size(); first += batch) {
        auto const part = std::span{changes}.subspan(first, std::min(batch, changes.size() - first));
        auto conflicted = store.commit_batch(part);
        if (!conflicted)
            return conflicted.error();
        moved += part.size() - conflicted->size();
    }
    return moved;
}

}  // namespace bot
