#pragma once
// Realistic stored cases, made by the domain as the commands would have made them
// (bot::open_case, then bot::claim, bot::post_update or bot::request_info at later
// instants), so created_at, the SLA clocks and next_alarm_at are what casebot itself
// computes. Creation instants are chosen around one reference instant so that
// exactly one case in `due_every` has a reminder due there and no other case has
// any alarm due by then.
#include "bot/case_store.hpp"
#include "bot/directory.hpp"
#include "bot/program.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace bot::bench {

// Wed 16 Apr 2025 15:00 EDT: six hours into a support day (09:00–18:00 America/New_York),
// the instant the mix below is built around.
wall_time reference_instant();

// What a generated case is.
enum class case_profile {
    fresh,          // opened within the last hours, unclaimed; its reminder is still ahead
    in_progress,    // opened 1–21 days ago, claimed, a recent status update; next reminder ahead
    waiting,        // like in_progress, then waiting on the customer: paused, no alarm
    due_initial,    // opened 3–4 business hours ago, unclaimed: initial-response reminder due
    due_status,     // last update 5 business days minus 5–55 min ago: status reminder due
};

struct generated_case {
    stored_change change;   // an insert (expected_version 0), its history, no messages
    case_profile profile = case_profile::fresh;
};

// Makes case number `id`. Pure and deterministic (each case's randomness is seeded by
// its id), so batches can be made on another thread. Throws std::logic_error when the
// domain disagrees with the plan (a due case that would not fire exactly one reminder,
// or a case meant to wait whose alarm is due): the benchmark would measure the wrong thing.
class case_factory {
public:
    // `people` must configure carol (acme, Slack), gus (globex, Teams), ana and raj (agents).
    case_factory(const program& rules, const directory& people, std::string vendor,
                 wall_time at = reference_instant(), std::size_t due_every = 100);

    wall_time at() const noexcept { return at_; }
    bool is_due(case_id id) const noexcept
    {
        return due_every_ > 0 && id > 0 && static_cast<std::size_t>(id) % due_every_ == due_every_ / 2;
    }
    generated_case make(case_id id) const;

private:
    const program& rules_;
    const directory& people_;
    std::string vendor_;
    wall_time at_;
    std::size_t due_every_;
    actor carol_, gus_, ana_, raj_;
};

struct load_report {
    std::size_t cases = 0;
    std::size_t due = 0;                 // with a reminder due at the factory's instant
    std::size_t alarmed = 0;             // with any alarm to come: rows of the partial index
    std::vector<case_id> unclaimed;      // open and nobody's yet (fresh and due_initial)
    std::vector<case_id> claimed;        // claimed, still open (in_progress, waiting, due_status)
    std::size_t events = 0;              // history lines written
    double seconds = 0;                  // wall time of the whole load
};

// Inserts cases first_id … first_id + count - 1 through commit_batch, `batch` per
// transaction, making the next batch on a second thread while the store writes one.
result<load_report> load_cases(case_store& store, const case_factory& factory, case_id first_id,
                               std::size_t count, std::size_t batch = 10000);

}  // namespace bot::bench
