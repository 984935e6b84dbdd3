#pragma once
// The two measurements casebot_bench runs. Each prints its own table and returns
// the number of failed checks (0: every pass and command did what the mix meant),
// so the smoke test catches a benchmark that silently measures nothing.
#include <cstddef>
#include <filesystem>
#include <vector>

namespace bot::bench {

struct scheduler_options {
    std::vector<std::size_t> sizes{10000, 100000, 1000000};  // open cases per database
    int reps = 5;                                            // repeats of the non-destructive passes
    bool keep = false;                                       // leave the databases on disk
};

// For each size: builds a database of that many open cases (1% with a reminder due
// at the pass instant), then times bot::run_scheduler_pass with nothing due, with
// the 1% due, and again at the same instant (idempotence). Databases live in `dir`.
int run_scheduler_suite(const scheduler_options& opts, const std::filesystem::path& dir);

struct commands_options {
    std::size_t count = 20000;        // commands in the mixed run, and in the `new`-only run
    std::size_t seed_cases = 10000;   // cases on file before the first command
    bool keep = false;
};

// A support day's mix (40% new, 20% claim, 20% update, 10% show, 10% list) through
// commands::register_all().run() on the SQLite store, single thread; then `new` only.
int run_commands_suite(const commands_options& opts, const std::filesystem::path& dir);

}  // namespace bot::bench
