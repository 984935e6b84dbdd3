#include "bench/bench_support.hpp"
#include "bench/dataset.hpp"
#include "bench/sqlite_probe.hpp"
#include "bench/suites.hpp"
#include "bench/timed_store.hpp"
#include "bot/scheduler.hpp"
#include "store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace bot::bench {
namespace {
using std::chrono::hours;

// What the store runs for due_cases(), for EXPLAIN QUERY PLAN (the columns do not matter).
constexpr const char* due_query = "SELECT * FROM cases WHERE next_alarm_at <= 1744830000 "
                                  "ORDER BY next_alarm_at, id LIMIT 500";

std::unique_ptr<store::sqlite_store> open_store(const std::filesystem::path& db, const bot::clock& clock)
{
    auto opened = store::sqlite_store::open(db.string(), clock);
    if (!opened)
        throw std::runtime_error(fmt::format("cannot open {}: {}", db.string(), opened.error().message()));
    return std::move(*opened);
}

struct timed_pass {
    double seconds = 0;          // wall time of the whole pass
    double cpu = 0;              // CPU time of this thread during it
    timed_store::totals spent;   // of which in due_cases() and commit_batch()
    pass_report report;
};

timed_pass time_pass(timed_store& store, const config::settings& s, wall_time at)
{
    pass_options const options{s.scheduler.batch, s.vendor, false};
    store.reset();
    auto const cpu = thread_cpu_seconds();
    auto const start = std::chrono::steady_clock::now();
    auto report = run_scheduler_pass(store, s.rules, s.people, at, options);
    double const took = seconds_since(start);
    double const cpu_took = thread_cpu_seconds() - cpu;
    if (!report)
        throw std::runtime_error("scheduler pass failed: " + report.error().message());
    return {took, cpu_took, store.spent(), std::move(*report)};
}

struct size_result {
    std::size_t cases = 0;
    double build = 0;
    std::uintmax_t bytes = 0;
    std::size_t alarmed = 0;
    std::size_t planned_due = 0;
    std::vector<double> idle;        // (a) nothing due
    timed_pass due;                  // (b) 1% due
    std::int64_t enqueued = 0;
    std::vector<double> again;       // (c) same instant again
    std::size_t again_recorded = 0;  // summed over the repeats
};

double best(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
double median(std::vector<double> v) { return summarize(std::move(v)).p50; }

}  // namespace

int run_scheduler_suite(const scheduler_options& opts, const std::filesystem::path& dir)
{
    auto const s = demo_settings();
    wall_time const at = reference_instant();
    wall_time const before = at - hours{2};  // earlier than every alarm of the dataset
    bench_clock clock{at};
    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        if (!ok) {
            ++failures;
            fmt::print("  CHECK FAILED: {}\n", what);
            std::fflush(stdout);
        }
    };

    fmt::print("\n== Scheduler pass: bot::run_scheduler_pass on the SQLite store (batch {}, keep_messages=false)\n",
               s.scheduler.batch);
    fmt::print("   pass instant {}; \"nothing due\" runs at {} (2h earlier), on the same database\n",
               s.rules.support_hours().local_text(at), s.rules.support_hours().local_text(before));
    fmt::print("   open cases: 15% fresh & unclaimed, 75% claimed with a recent update, 10% waiting on the\n"
               "   customer; 1 in 100 has its reminder due (initial response or status update)\n");
    std::fflush(stdout);

    std::vector<size_result> results;
    for (auto const n : opts.sizes) {
        auto const db = dir / fmt::format("scheduler_{}.db", n);
        remove_database(db);
        size_result r;
        fmt::print("   building {} cases … ", grouped(n));
        std::fflush(stdout);
        {
            auto store = open_store(db, clock);
            if (auto synced = store->sync_directory(s.people); !synced)
                throw std::runtime_error("sync_directory failed: " + synced.error().message());
            case_factory const factory{s.rules, s.people, s.vendor, at, 100};
            auto loaded = load_cases(*store, factory, 1, n);
            if (!loaded)
                throw std::runtime_error("loading cases failed: " + loaded.error().message());
            r.cases = loaded->cases;
            r.build = loaded->seconds;
            r.alarmed = loaded->alarmed;
            r.planned_due = (n + 50) / 100;  // ids 50, 150, 250, … (case_factory::is_due)
            check(loaded->due == r.planned_due, fmt::format("{} cases due, planned {}", loaded->due, r.planned_due));
            fmt::print("{} ({} history lines, {} in the alarm index, {} due)\n", human_time(r.build),
                       grouped(loaded->events), grouped(r.alarmed), grouped(loaded->due));
            std::fflush(stdout);
        }
        // Measure on a store opened afresh, as a restarted server would.
        auto store = open_store(db, clock);
        r.bytes = database_bytes(db);
        {
            timed_store timed{*store};
            sqlite_probe probe{db.string()};
            if (results.empty())
                fmt::print("   due_cases() query plan: {}\n", probe.query_plan(due_query));

            // (a) Nothing due.
            for (int i = 0; i < opts.reps; ++i) {
                auto const pass = time_pass(timed, s, before);
                check(pass.report.cases == 0, fmt::format("nothing-due pass recorded {} cases", pass.report.cases));
                r.idle.push_back(pass.seconds);
            }

            // (b) 1% due: destructive, so once per database.
            auto const outbox_before = probe.scalar("SELECT count(*) FROM outbox");
            auto const last_event = probe.scalar("SELECT max(seq) FROM case_events");
            r.due = time_pass(timed, s, at);
            r.enqueued = probe.scalar("SELECT count(*) FROM outbox") - outbox_before;
            auto const reminders = probe.scalar(
                fmt::format("SELECT count(*) FROM case_events WHERE seq > {} AND what = 'reminder'", last_event));
            check(r.due.report.cases == r.planned_due,
                  fmt::format("due pass recorded {} cases, expected {}", r.due.report.cases, r.planned_due));
            check(r.due.report.conflicts == 0, fmt::format("{} conflicts", r.due.report.conflicts));
            check(reminders == static_cast<std::int64_t>(r.planned_due),
                  fmt::format("{} reminders recorded, expected {}", reminders, r.planned_due));
            check(r.planned_due == 0 || r.enqueued > 0, "the due pass enqueued no messages");

            // (c) The same instant again: everything due was recorded, nothing is left.
            for (int i = 0; i < opts.reps; ++i) {
                auto const pass = time_pass(timed, s, at);
                r.again_recorded += pass.report.cases;
                r.again.push_back(pass.seconds);
            }
            check(r.again_recorded == 0, fmt::format("the repeated pass recorded {} cases", r.again_recorded));
        }
        results.push_back(std::move(r));
        store.reset();  // the last connection: checkpoints and removes the WAL
        if (!opts.keep)
            remove_database(db);
    }

    fmt::print("\n   Passes with nothing to record (wall time, best and median of {}):\n", opts.reps);
    fmt::print("   {:>9} {:>8} {:>9} {:>11} | {:>9} {:>9} | {:>9} {:>9} {:>8}\n", "", "", "", "", "nothing", "due",
               "again at", "the same", "instant");
    fmt::print("   {:>9} {:>8} {:>9} {:>11} | {:>9} {:>9} | {:>9} {:>9} {:>8}\n", "cases", "build", "db size",
               "alarm index", "best", "median", "best", "median", "recorded");
    for (auto const& r : results)
        fmt::print("   {:>9} {:>8} {:>9} {:>11} | {:>9} {:>9} | {:>9} {:>9} {:>8}\n", grouped(r.cases),
                   human_time(r.build), human_bytes(r.bytes), grouped(r.alarmed), human_time(best(r.idle)),
                   human_time(median(r.idle)), human_time(best(r.again)), human_time(median(r.again)),
                   r.again_recorded);

    fmt::print("\n   The pass with 1% due (once per database; due_cases() and commit_batch() are the store,\n"
               "   the rest is the domain deciding and routing):\n");
    fmt::print("   {:>9} {:>7} {:>9} {:>9} {:>11} {:>14} {:>9} {:>9} {:>9}\n", "cases", "due", "pass", "cpu",
               "due_cases()", "commit_batch()", "domain", "messages", "per case");
    for (auto const& r : results) {
        auto const& d = r.due;
        auto const n = static_cast<double>(std::max<std::size_t>(d.report.cases, 1));
        auto const domain = std::max(0.0, d.seconds - d.spent.due_cases - d.spent.commit_batch);
        fmt::print("   {:>9} {:>7} {:>9} {:>9} {:>11} {:>14} {:>9} {:>9} {:>9}\n", grouped(r.cases),
                   grouped(d.report.cases), human_time(d.seconds), human_time(d.cpu), human_time(d.spent.due_cases),
                   human_time(d.spent.commit_batch), human_time(domain),
                   grouped(static_cast<std::size_t>(r.enqueued)), human_time(d.seconds / n));
    }
    std::fflush(stdout);
    return failures;
}

}  // namespace bot::bench
