#include "support/fake_case_store.hpp"

#include "bot/sla.hpp"

#include <algorithm>

namespace bot::test {
namespace {
bool in_scope(const case_record& c, const case_query& q)
{
    if (q.customer && c.customer != *q.customer)
        return false;
    switch (q.scope) {
    case list_scope::open: return !is_finished(c.state);
    case list_scope::mine: return !is_finished(c.state) && (c.assignee == q.actor_id || c.opened_by == q.actor_id);
    case list_scope::breached:
        return !is_finished(c.state) && ((c.state == case_state::open && c.initial.breached) ||
                                         (c.state == case_state::responded && c.status.breached));
    case list_scope::waiting: return c.state == case_state::waiting;
    case list_scope::all: return true;
    }
    return false;
}
}  // namespace

result<case_id> fake_case_store::allocate_case_id()
{
    if (auto e = take_failure())
        return *e;
    return next_id_++;
}

result<std::optional<case_record>> fake_case_store::find(case_id id)
{
    if (auto e = take_failure())
        return *e;
    auto it = cases_.find(id);
    if (it == cases_.end())
        return std::optional<case_record>{};
    return std::optional<case_record>{it->second};
}

result<std::optional<case_record>> fake_case_store::find_by_thread(platform where, std::string_view channel,
                                                                   std::string_view thread)
{
    if (auto e = take_failure())
        return *e;
    for (auto const& [id, c] : cases_)
        if (c.origin.where == where && c.origin.channel == channel && !thread.empty() &&
            (c.origin.thread == thread || c.card_ref == thread))
            return std::optional<case_record>{c};
    return std::optional<case_record>{};
}

result<std::vector<case_record>> fake_case_store::list(const case_query& q)
{
    if (auto e = take_failure())
        return *e;
    std::vector<case_record> out;
    for (auto const& [id, c] : cases_)
        if (in_scope(c, q) && out.size() < q.limit)
            out.push_back(c);
    return out;
}

result<std::vector<case_event>> fake_case_store::history(case_id id)
{
    if (auto e = take_failure())
        return *e;
    std::vector<case_event> out;
    std::copy_if(events_.begin(), events_.end(), std::back_inserter(out), [&](auto const& e) { return e.id == id; });
    return out;
}

result<void> fake_case_store::commit(const stored_change& change)
{
    if (auto e = take_failure())
        return *e;
    auto const id = change.after.id;
    auto it = cases_.find(id);
    if (change.expected_version == 0 ? it != cases_.end()
                                     : (it == cases_.end() || it->second.version != change.expected_version))
        return errc::conflict;
    if (!change.dedupe_key.empty() && !event_keys_.insert(change.dedupe_key).second)
        return errc::duplicate;
    cases_[id] = change.after;
    events_.insert(events_.end(), change.events.begin(), change.events.end());
    for (auto m : change.messages) {
        m.id = next_message_id_++;
        messages_.push_back(std::move(m));
    }
    return {};
}

result<std::vector<case_id>> fake_case_store::commit_batch(std::span<const stored_change> changes)
{
    if (auto e = take_failure())
        return *e;
    std::vector<case_id> conflicted;
    for (auto const& c : changes)
        if (auto r = commit(c); !r) {
            if (r.error() != errc::conflict)
                return r.error();
            conflicted.push_back(c.after.id);
        }
    return conflicted;
}

result<std::vector<case_record>> fake_case_store::due_cases(wall_time now, std::size_t limit)
{
    if (auto e = take_failure())
        return *e;
    std::vector<case_record> out;
    for (auto const& [id, c] : cases_)
        if (c.next_alarm_at && *c.next_alarm_at <= now)
            out.push_back(c);
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return *a.next_alarm_at < *b.next_alarm_at; });
    if (out.size() > limit)
        out.resize(limit);
    return out;
}

result<void> fake_case_store::enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key)
{
    if (auto e = take_failure())
        return *e;
    if (!dedupe_key.empty() && !event_keys_.insert(std::string{dedupe_key}).second)
        return errc::duplicate;
    for (auto m : messages) {
        m.id = next_message_id_++;
        messages_.push_back(std::move(m));
    }
    return {};
}

result<std::vector<contact>> fake_case_store::contacts(std::string_view customer)
{
    if (auto e = take_failure())
        return *e;
    std::vector<contact> out;
    std::copy_if(contacts_.begin(), contacts_.end(), std::back_inserter(out),
                 [&](auto const& c) { return c.customer == customer; });
    return out;
}

result<bool> fake_case_store::add_contact(const contact& c)
{
    if (auto e = take_failure())
        return *e;
    for (auto const& existing : contacts_)
        if (existing.customer == c.customer && existing.address == c.address)
            return false;
    contacts_.push_back(c);
    return true;
}

result<bool> fake_case_store::remove_contact(std::string_view customer, std::string_view address)
{
    if (auto e = take_failure())
        return *e;
    auto const before = contacts_.size();
    std::erase_if(contacts_, [&](auto const& c) { return c.customer == customer && c.address == address; });
    return contacts_.size() != before;
}

}  // namespace bot::test
