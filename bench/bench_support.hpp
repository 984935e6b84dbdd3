#pragma once
// What both benchmark suites share: the configured world, a settable clock, a
// scratch directory on disk, latency statistics and the facts about the machine.
#include "bot/clock.hpp"
#include "config/settings.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace bot::bench {

// config/demo.toml, embedded at build time (demo_world.cpp.in).
extern const char* const demo_world_toml;

// The demo world (two customers, two agents, a lead) and the default Support Program,
// parsed with config::parse_settings. Throws std::runtime_error naming the bad key.
config::settings demo_settings();

// A clock the benchmark sets: commands and the scheduler see the instant it chose.
class bench_clock final : public bot::clock {
public:
    explicit bench_clock(wall_time start) : now_(start) {}
    wall_time now() const override { return now_; }
    mono_time monotonic() const override { return mono_time{} + (now_ - wall_time{}); }
    void set(wall_time t) { now_ = t; }
    void advance(std::chrono::seconds d) { now_ += d; }

private:
    wall_time now_;
};

using seconds_f = std::chrono::duration<double>;

inline double seconds_since(std::chrono::steady_clock::time_point start)
{
    return seconds_f{std::chrono::steady_clock::now() - start}.count();
}

// CPU time the calling thread has used so far, in seconds (CLOCK_THREAD_CPUTIME_ID):
// on a shared machine, wall time minus CPU time is waiting (I/O, or for a core).
double thread_cpu_seconds() noexcept;

// Order statistics of a set of latencies, in seconds (nearest-rank percentiles).
struct latency_summary {
    std::size_t count = 0;
    double total = 0;
    double mean = 0;
    double p50 = 0;
    double p99 = 0;
    double max = 0;
};
latency_summary summarize(std::vector<double> samples);

// "812 ns", "37.5 µs", "4.21 ms", "2.35 s": three significant digits.
std::string human_time(double seconds);
// "1,000,000"
std::string grouped(std::size_t n);
// "512 KiB", "1.3 GiB"
std::string human_bytes(std::uintmax_t bytes);

// A fresh directory (mkdtemp) under `base`, removed with everything in it on
// destruction unless keep() was called. Throws std::filesystem::filesystem_error.
class scratch_dir {
public:
    explicit scratch_dir(const std::filesystem::path& base);
    ~scratch_dir();
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    void keep() noexcept { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

// Removes a SQLite database with its -wal and -shm files; errors are ignored.
void remove_database(const std::filesystem::path& db) noexcept;
// The database file plus its WAL, in bytes.
std::uintmax_t database_bytes(const std::filesystem::path& db) noexcept;

struct machine_facts {
    unsigned cores = 0;          // online processors (what nproc prints)
    std::string cpu_model;       // /proc/cpuinfo "model name"
    std::string sqlite_version;  // the library linked in
    std::string compiler;
    std::string build;           // "optimized (NDEBUG)" or "assertions on"
    std::string load_average;    // /proc/loadavg: 1, 5, 15 minutes
};
machine_facts read_machine_facts();
// The 1-minute load average now, for noting how busy the shared machine was.
std::string load_average();

}  // namespace bot::bench
