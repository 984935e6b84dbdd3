#pragma once
// One scheduler pass: every case whose next alarm is due gets its reminders,
// breaches and pings recorded and their messages enqueued, in the same
// transaction. The store's index on the due instant keeps the cost proportional
// to what is due. A second pass at the same instant finds nothing.
#include "bot/case_store.hpp"
#include "bot/directory.hpp"
#include "bot/program.hpp"

#include <string>
#include <vector>

namespace bot {

struct pass_report {
    std::size_t cases = 0;                      // cases whose alarms were recorded
    std::size_t conflicts = 0;                  // cases changed meanwhile, retried in the same pass
    std::vector<outbound_message> enqueued;     // every message the pass put in the outbox
};

struct pass_options {
    std::size_t batch = 500;                    // cases per transaction
    std::string vendor = "the vendor";
    bool keep_messages = true;                  // fill pass_report::enqueued
};

result<pass_report> run_scheduler_pass(case_store& store, const program& rules, const directory& people,
                                       wall_time now, const pass_options& options = {});

// Recomputes the deadlines of every open case under `rules` (after the support hours,
// holidays or targets changed) and commits those that moved, with their card updates
// and any alarm now due. Returns how many moved.
result<std::size_t> retime_open_cases(case_store& store, const program& rules, const directory& people,
                                      wall_time now, const pass_options& options = {});

}  // namespace bot
