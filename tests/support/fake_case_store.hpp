#pragma once
// An in-memory case_store for command and scheduler tests, with the same
// optimistic-version semantics as the SQLite store and injectable failures.
#include "bot/case_store.hpp"

#include <map>
#include <set>
#include <optional>

namespace bot::test {

class fake_case_store final : public bot::case_store {
public:
    fake_case_store() = default;

    result<case_id> allocate_case_id() override;
    result<std::optional<case_record>> find(case_id id) override;
    result<std::optional<case_record>> find_by_thread(platform where, std::string_view channel,
                                                      std::string_view thread) override;
    result<std::vector<case_record>> list(const case_query& q) override;
    result<std::vector<case_event>> history(case_id id) override;
    result<void> commit(const stored_change& change) override;
    result<std::vector<case_id>> commit_batch(std::span<const stored_change> changes) override;
    result<std::vector<case_record>> due_cases(wall_time now, std::size_t limit) override;
    result<void> enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key) override;
    result<std::vector<contact>> contacts(std::string_view customer) override;
    result<bool> add_contact(const contact& c) override;
    result<bool> remove_contact(std::string_view customer, std::string_view address) override;

    // The next call of any method fails with `e`.
    void fail_next(errc e) { fail_next_ = e; }

    // Test access.
    const case_record& get(case_id id) const { return cases_.at(id); }
    const std::vector<outbound_message>& messages() const { return messages_; }
    std::vector<outbound_message> take_messages() { return std::exchange(messages_, {}); }
    const std::vector<case_event>& events() const { return events_; }
    std::size_t size() const { return cases_.size(); }

private:
    std::optional<errc> take_failure() { return std::exchange(fail_next_, std::nullopt); }

    std::map<case_id, case_record> cases_;
    std::vector<case_event> events_;
    std::vector<outbound_message> messages_;
    std::vector<contact> contacts_;
    std::set<std::string> event_keys_;
    case_id next_id_ = 1;
    std::int64_t next_message_id_ = 1;
    std::optional<errc> fail_next_;
};

}  // namespace bot::test
