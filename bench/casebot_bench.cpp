// casebot_bench: how fast the scheduler pass and the command layer run against the
// real SQLite store on disk. Prints tables; asserts nothing about speed. The figures
// and how to read them: docs/benchmarks.md.
#include "bench/bench_support.hpp"
#include "bench/suites.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {
using namespace bot::bench;

constexpr const char* usage = R"(Usage: casebot_bench <all|scheduler|commands> [options]

Measures casebot against its real SQLite store (WAL, synchronous=NORMAL, as the
store opens it) in a scratch directory, single-threaded, and prints the figures.

  scheduler   For each size, builds a database of that many open cases made by the
              domain (bot::open_case, claim, post_update), 1% of them with a reminder
              due at the pass instant, then times bot::run_scheduler_pass with nothing
              due, with the 1% due, and once more at the same instant (records 0).
  commands    A support day's mix through commands::register_all().run():
              40% new, 20% claim N, 20% update N, 10% show N, 10% list; then `new` only;
              then `list mine` and `list breached`, timed apart from the mix.
              Reports p50/p99 latency per command kind and commands per second.
  all         Both.

Options:
  --sizes N,N,…     scheduler database sizes (default 10000,100000,1000000)
  --count N         commands per command run (default 20000)
  --seed-cases N    cases on file before the commands run (default 10000)
  --reps N          repeats of the non-destructive passes, best and median shown (default 5)
  --quick           a smoke run: sizes 1000,10000, count 2000, seed-cases 1000, reps 3
                    (explicit options still win)
  --dir PATH        where the scratch directory goes (default: the system temp directory)
  --keep            keep the databases (prints where) instead of deleting them
  -h, --help        this text

Exit status: 0 when every check held (each pass recorded what was due, every command
got the reply the mix expects), 1 when one failed or on an error, 2 for bad usage.
The machine facts printed first matter: the figures are only comparable on one machine.
)";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::size_t parse_count(std::string_view option, std::string_view text)
{
    std::size_t value = 0;
    auto const* end = text.data() + text.size();
    auto const [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value == 0)
        throw usage_error(fmt::format("{} expects a positive whole number, not '{}'", option, text));
    return value;
}

std::vector<std::size_t> parse_sizes(std::string_view text)
{
    std::vector<std::size_t> sizes;
    while (!text.empty()) {
        auto const comma = text.find(',');
        sizes.push_back(parse_count("--sizes", text.substr(0, comma)));
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    if (sizes.empty())
        throw usage_error("--sizes expects a comma-separated list such as 10000,100000");
    return sizes;
}

struct options {
    std::string suite;
    bool help = false;
    bool quick = false;
    bool keep = false;
    std::optional<std::vector<std::size_t>> sizes;
    std::optional<std::size_t> count, seed_cases, reps;
    std::optional<std::filesystem::path> dir;
};

options parse_options(int argc, char** argv)
{
    options o;
    std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto const a = args[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= args.size())
                throw usage_error(fmt::format("{} needs a value", a));
            return args[++i];
        };
        if (a == "-h" || a == "--help")
            o.help = true;
        else if (a == "--quick")
            o.quick = true;
        else if (a == "--keep")
            o.keep = true;
        else if (a == "--sizes")
            o.sizes = parse_sizes(value());
        else if (a == "--count")
            o.count = parse_count(a, value());
        else if (a == "--seed-cases")
            o.seed_cases = parse_count(a, value());
        else if (a == "--reps")
            o.reps = parse_count(a, value());
        else if (a == "--dir")
            o.dir = std::filesystem::path{value()};
        else if (!a.starts_with("-") && o.suite.empty())
            o.suite = a;
        else
            throw usage_error(fmt::format("unknown argument '{}'", a));
    }
    if (!o.help && o.suite != "all" && o.suite != "scheduler" && o.suite != "commands")
        throw usage_error(o.suite.empty() ? "say what to run: all, scheduler or commands"
                                          : fmt::format("unknown benchmark '{}'", o.suite));
    return o;
}

void print_machine()
{
    auto const m = read_machine_facts();
    fmt::print("casebot_bench\n");
    fmt::print("   cpu      {} × {}\n", m.cores, m.cpu_model);
    fmt::print("   sqlite   {}\n", m.sqlite_version);
    fmt::print("   build    {} ({}, {})\n", m.compiler, CASEBOT_BENCH_BUILD_TYPE, m.build);
    fmt::print("   load     {} (1, 5, 15 min; the machine may be shared)\n", m.load_average);
    std::fflush(stdout);
}

int run(const options& o)
{
    scheduler_options sched;
    commands_options cmds;
    if (o.quick) {
        sched.sizes = {1000, 10000};
        sched.reps = 3;
        cmds.count = 2000;
        cmds.seed_cases = 1000;
    }
    if (o.sizes)
        sched.sizes = *o.sizes;
    if (o.reps)
        sched.reps = static_cast<int>(std::min<std::size_t>(*o.reps, 1000));
    if (o.count)
        cmds.count = *o.count;
    if (o.seed_cases)
        cmds.seed_cases = *o.seed_cases;
    sched.keep = cmds.keep = o.keep;

    print_machine();
    scratch_dir scratch{o.dir.value_or(std::filesystem::temp_directory_path())};
    if (o.keep) {
        scratch.keep();
        fmt::print("   databases kept in {}\n", scratch.path().string());
    }
    int failures = 0;
    if (o.suite == "all" || o.suite == "scheduler")
        failures += run_scheduler_suite(sched, scratch.path());
    if (o.suite == "all" || o.suite == "commands")
        failures += run_commands_suite(cmds, scratch.path());
    fmt::print("\n   load afterwards: {}\n", load_average());
    if (failures > 0)
        fmt::print("casebot_bench: {} check{} failed\n", failures, failures == 1 ? "" : "s");
    return failures > 0 ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv)
{
    try {
        auto const o = parse_options(argc, argv);
        if (o.help) {
            fmt::print("{}", usage);
            return 0;
        }
        return run(o);
    } catch (const usage_error& e) {
        fmt::print(stderr, "casebot_bench: {}\nTry `casebot_bench --help`.\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fflush(stdout);
        fmt::print(stderr, "casebot_bench: error: {}\n", e.what());
        return 1;
    }
}
