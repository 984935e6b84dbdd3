#include "bench/bench_support.hpp"

#include "bench/sqlite_probe.hpp"

#include <fmt/format.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace bot::bench {

config::settings demo_settings()
{
    auto parsed = config::parse_settings(demo_world_toml, "demo.toml (built in)", config::no_env());
    if (!parsed)
        throw std::runtime_error(parsed.error().what());
    return std::move(*parsed);
}

double thread_cpu_seconds() noexcept
{
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

latency_summary summarize(std::vector<double> samples)
{
    latency_summary s;
    s.count = samples.size();
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    for (double x : samples)
        s.total += x;
    s.mean = s.total / static_cast<double>(s.count);
    // Nearest rank: the smallest sample with at least p of the samples at or below it.
    auto rank = [&](double p) {
        auto const r = static_cast<std::size_t>(std::ceil(p * static_cast<double>(s.count)));
        return samples[std::clamp<std::size_t>(r, 1, s.count) - 1];
    };
    s.p50 = rank(0.50);
    s.p99 = rank(0.99);
    s.max = samples.back();
    return s;
}

std::string human_time(double seconds)
{
    auto three = [](double v, const char* unit) {
        if (v >= 100)
            return fmt::format("{:.0f} {}", v, unit);
        if (v >= 10)
            return fmt::format("{:.1f} {}", v, unit);
        return fmt::format("{:.2f} {}", v, unit);
    };
    if (seconds >= 1)
        return three(seconds, "s");
    if (seconds >= 1e-3)
        return three(seconds * 1e3, "ms");
    if (seconds >= 1e-6)
        return three(seconds * 1e6, "µs");
    return fmt::format("{:.0f} ns", seconds * 1e9);
}

std::string grouped(std::size_t n)
{
    auto digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string human_bytes(std::uintmax_t bytes)
{
    auto const b = static_cast<double>(bytes);
    if (b >= 1024.0 * 1024 * 1024)
        return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
    if (b >= 1024.0 * 1024)
        return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
    return fmt::format("{:.0f} KiB", b / 1024.0);
}

scratch_dir::scratch_dir(const std::filesystem::path& base)
{
    std::filesystem::create_directories(base);
    auto pattern = (base / "casebot_bench.XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        throw std::filesystem::filesystem_error("cannot create a scratch directory", base,
                                                std::error_code{errno, std::generic_category()});
    path_ = pattern;
}

scratch_dir::~scratch_dir()
{
    if (keep_)
        return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // a destructor does not throw
}

void remove_database(const std::filesystem::path& db) noexcept
{
    std::error_code ec;
    for (auto const* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(db.string() + suffix, ec);
}

std::uintmax_t database_bytes(const std::filesystem::path& db) noexcept
{
    std::uintmax_t total = 0;
    for (auto const* suffix : {"", "-wal"}) {
        std::error_code ec;
        auto const n = std::filesystem::file_size(db.string() + suffix, ec);
        if (!ec)
            total += n;
    }
    return total;
}

namespace {
std::string cpu_model()
{
    std::ifstream in{"/proc/cpuinfo"};
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto const colon = line.find(':');
            if (colon != std::string::npos)
                return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "unknown";
}
}  // namespace

std::string load_average()
{
    std::ifstream in{"/proc/loadavg"};
    std::string one, five, fifteen;
    if (!(in >> one >> five >> fifteen))
        return "unknown";
    return one + " " + five + " " + fifteen;
}

machine_facts read_machine_facts()
{
    machine_facts m;
    auto const online = ::sysconf(_SC_NPROCESSORS_ONLN);
    m.cores = online > 0 ? static_cast<unsigned>(online) : std::thread::hardware_concurrency();
    m.cpu_model = cpu_model();
    m.sqlite_version = sqlite_library_version();
#if defined(__clang__)
    m.compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    m.compiler = fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
    m.compiler = "unknown";
#endif
#ifdef NDEBUG
    m.build = "optimized, NDEBUG";
#else
    m.build = "assertions on (not a release build: figures are pessimistic)";
#endif
    m.load_average = load_average();
    return m;
}

}  // namespace bot::bench
