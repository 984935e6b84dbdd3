#pragma once
// A case_store that forwards to another and adds up the time spent in it, so a
// scheduler pass splits into reading due cases, writing changes, and the rest (the
// domain deciding and routing). Adds two clock reads per call; not thread-safe.
#include "bot/case_store.hpp"

#include <chrono>

namespace bot::bench {

class timed_store final : public case_store {
public:
    explicit timed_store(case_store& inner) : inner_(inner) {}

    struct totals {
        double due_cases = 0;     // seconds in due_cases()
        double commit_batch = 0;  // seconds in commit_batch()
        std::size_t reads = 0;
        std::size_t batches = 0;
    };
    const totals& spent() const noexcept { return spent_; }
    void reset() noexcept { spent_ = {}; }

    result<case_id> allocate_case_id() override { return inner_.allocate_case_id(); }
    result<std::optional<case_record>> find(case_id id) override { return inner_.find(id); }
    result<std::optional<case_record>> find_by_thread(platform where, std::string_view channel,
                                                      std::string_view thread) override
    {
        return inner_.find_by_thread(where, channel, thread);
    }
    result<std::vector<case_record>> list(const case_query& q) override { return inner_.list(q); }
    result<std::vector<case_event>> history(case_id id) override { return inner_.history(id); }
    result<void> commit(const stored_change& change) override { return inner_.commit(change); }
    result<std::vector<case_id>> commit_batch(std::span<const stored_change> changes) override
    {
        auto const start = std::chrono::steady_clock::now();
        auto out = inner_.commit_batch(changes);
        spent_.commit_batch += elapsed(start);
        ++spent_.batches;
        return out;
    }
    result<std::vector<case_record>> due_cases(wall_time now, std::size_t limit) override
    {
        auto const start = std::chrono::steady_clock::now();
        auto out = inner_.due_cases(now, limit);
        spent_.due_cases += elapsed(start);
        ++spent_.reads;
        return out;
    }
    result<void> enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key) override
    {
        return inner_.enqueue(messages, dedupe_key);
    }
    result<std::vector<contact>> contacts(std::string_view customer) override { return inner_.contacts(customer); }
    result<bool> add_contact(const contact& c) override { return inner_.add_contact(c); }
    result<bool> remove_contact(std::string_view customer, std::string_view address) override
    {
        return inner_.remove_contact(customer, address);
    }

private:
    static double elapsed(std::chrono::steady_clock::time_point start)
    {
        return std::chrono::duration<double>{std::chrono::steady_clock::now() - start}.count();
    }

    case_store& inner_;
    totals spent_;
};

}  // namespace bot::bench
