#include "bench/bench_support.hpp"
#include "bench/dataset.hpp"
#include "bench/suites.hpp"
#include "commands/dispatcher.hpp"
#include "store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <random>
#include <stdexcept>

namespace bot::bench {
namespace {
using std::chrono::minutes;
using std::chrono::seconds;

// list_mine and list_breached are not part of the day's mix: they are timed apart.
enum class kind { new_case, claim, update, show, list_team, list_customer, list_mine, list_breached };
constexpr std::size_t kind_count = 8;

struct speaker {
    actor who;
    platform where = platform::slack;
    std::string channel;
};

// The day's cast, as the chat surfaces would identify them.
struct cast {
    speaker carol, gus, ana, raj, ana_agents;

    explicit cast(const directory& people)
    {
        auto as = [&](std::string_view id, std::string_view channel) {
            auto const* link = people.any_channel(channel);
            if (!link)
                throw std::logic_error(fmt::format("the world has no channel {}", channel));
            auto a = people.as_person(id);
            if (!a)
                throw std::logic_error(fmt::format("the world has no person {}", id));
            a->where = link->where;
            return speaker{*a, link->where, std::string{channel}};
        };
        auto customer_channel = [&](std::string_view customer) -> std::string {
            for (auto const& l : people.channels())
                if (l.customer == customer)
                    return l.channel;
            throw std::logic_error(fmt::format("the world has no channel for {}", customer));
        };
        auto const& routes = people.routes().agents_channels;
        if (routes.empty())
            throw std::logic_error("the world has no agents' channel");
        carol = as("carol", customer_channel("acme"));
        gus = as("gus", customer_channel("globex"));
        ana = as("ana", customer_channel("acme"));
        raj = as("raj", customer_channel("globex"));
        // The agents' channel is a team channel, not a customer's: routing names it.
        ana_agents = speaker{ana.who, routes.front().where, routes.front().channel};
        ana_agents.who.where = routes.front().where;
    }
};

struct sample_set {
    std::array<std::vector<double>, kind_count> by_kind;
    std::vector<double> all;
    double wall = 0;
    double cpu = 0;
    std::size_t unexpected = 0;
    std::size_t skipped = 0;
};

class desk {
public:
    desk(const commands::dispatcher& dispatch, commands::context& ctx, bench_clock& clock, const cast& people,
         std::deque<case_id> unclaimed, std::vector<case_id> claimed)
        : dispatch_(dispatch),
          ctx_(ctx),
          clock_(clock),
          cast_(people),
          unclaimed_(std::move(unclaimed)),
          claimed_(std::move(claimed))
    {
        for (auto id : claimed_)
            max_id_ = std::max(max_id_, id);
        for (auto id : unclaimed_)
            max_id_ = std::max(max_id_, id);
    }

    void run(const std::vector<kind>& plan, sample_set& out)
    {
        auto const cpu = thread_cpu_seconds();
        auto const start = std::chrono::steady_clock::now();
        for (auto const k : plan)
            one(k, out);
        out.wall = seconds_since(start);
        out.cpu = thread_cpu_seconds() - cpu;
    }

private:
    void one(kind k, sample_set& out)
    {
        clock_.advance(seconds{2});  // a busy desk: a command every two seconds of business time
        std::string text;
        const speaker* by = nullptr;
        auto expected = commands::reply_kind::ok;
        auto const n = counter_++;
        switch (k) {
        case kind::new_case: {
            by = n % 2 == 0 ? &cast_.carol : &cast_.gus;
            auto const& title = titles_[n % titles_.size()];
            text = n % 10 == 0 ? "new critical error " + title : n % 10 < 3 ? "new low question " + title : "new " + title;
            break;
        }
        case kind::claim: {
            if (unclaimed_.empty()) {
                ++out.skipped;  // nothing left to claim: not measured
                return;
            }
            auto const id = unclaimed_.front();
            unclaimed_.pop_front();
            claimed_.push_back(id);
            by = n % 2 == 0 ? &cast_.ana : &cast_.raj;
            text = fmt::format("claim {}", id);
            break;
        }
        case kind::update: {
            auto const id = claimed_[pick(claimed_.size())];
            by = n % 2 == 0 ? &cast_.ana : &cast_.raj;
            text = fmt::format("update {} Deployed a fix to staging; verifying it against your data set now.", id);
            break;
        }
        case kind::show:
            by = &cast_.ana_agents;
            text = fmt::format("show {}", 1 + static_cast<case_id>(pick(static_cast<std::size_t>(max_id_))));
            expected = commands::reply_kind::info;
            break;
        case kind::list_team:
            by = &cast_.ana_agents;
            text = "list";
            expected = commands::reply_kind::info;
            break;
        case kind::list_customer:
            by = &cast_.carol;
            text = "list";
            expected = commands::reply_kind::info;
            break;
        case kind::list_mine:
            by = &cast_.ana_agents;
            text = "list mine";
            expected = commands::reply_kind::info;
            break;
        case kind::list_breached:
            by = &cast_.ana_agents;
            text = "list breached";
            expected = commands::reply_kind::info;
            break;
        }

        commands::invocation in;
        in.who = by->who;
        in.where = by->where;
        in.channel = by->channel;
        auto const start = std::chrono::steady_clock::now();
        auto const r = dispatch_.run(text, in, ctx_);
        double const took = seconds_since(start);

        out.by_kind[static_cast<std::size_t>(k)].push_back(took);
        out.all.push_back(took);
        if (!r || r->kind != expected) {
            if (++out.unexpected <= 3)
                fmt::print("  UNEXPECTED reply to `{}` by {}: {}\n", text, by->who.id,
                           r ? r->text : commands::apology(r.error()).text);
            return;
        }
        if (k == kind::new_case && r->case_ref) {
            unclaimed_.push_back(*r->case_ref);
            max_id_ = std::max(max_id_, *r->case_ref);
        }
    }

    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>{0, n - 1}(rng_); }

    const commands::dispatcher& dispatch_;
    commands::context& ctx_;
    bench_clock& clock_;
    const cast& cast_;
    std::deque<case_id> unclaimed_;
    std::vector<case_id> claimed_;
    case_id max_id_ = 0;
    std::size_t counter_ = 0;
    std::mt19937_64 rng_{20250416};
    std::array<std::string, 4> titles_{"Export to CSV fails for reports over 10k rows",
                                       "SSO login loops back to the sign-in page",
                                       "Webhook deliveries return 502 intermittently",
                                       "How do I add a custom field to the case form?"};
};

// count commands in the day's proportions, shuffled with a fixed seed.
std::vector<kind> support_day(std::size_t count)
{
    std::vector<kind> plan;
    plan.reserve(count);
    auto add = [&](kind k, std::size_t n) { plan.insert(plan.end(), n, k); };
    add(kind::claim, count * 20 / 100);
    add(kind::update, count * 20 / 100);
    add(kind::show, count * 10 / 100);
    add(kind::list_team, count * 5 / 100);
    add(kind::list_customer, count * 5 / 100);
    add(kind::new_case, count - plan.size());
    std::shuffle(plan.begin(), plan.end(), std::mt19937_64{42});
    return plan;
}

void print_row(std::string_view name, std::string_view share, const latency_summary& l, double per_second)
{
    fmt::print("   {:<26} {:>5} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n", name, share, grouped(l.count), human_time(l.p50),
               human_time(l.p99), human_time(l.mean), human_time(l.max), fmt::format("{:.0f}", per_second));
}

void print_table(const sample_set& s, std::size_t planned)
{
    fmt::print("   {:<26} {:>5} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "kind", "share", "count", "p50", "p99", "mean",
               "max", "cmds/s");
    auto share = [&](std::size_t n) {
        return fmt::format("{:.0f}%", 100.0 * static_cast<double>(n) / static_cast<double>(planned));
    };
    auto row = [&](std::string_view name, const std::vector<double>& v) {
        auto const l = summarize(v);
        if (l.count == 0)
            return;
        print_row(name, share(l.count), l, l.mean > 0 ? 1.0 / l.mean : 0.0);
    };
    row("new", s.by_kind[static_cast<std::size_t>(kind::new_case)]);
    row("claim N", s.by_kind[static_cast<std::size_t>(kind::claim)]);
    row("update N …", s.by_kind[static_cast<std::size_t>(kind::update)]);
    row("show N", s.by_kind[static_cast<std::size_t>(kind::show)]);
    std::vector<double> lists = s.by_kind[static_cast<std::size_t>(kind::list_team)];
    auto const& customer_lists = s.by_kind[static_cast<std::size_t>(kind::list_customer)];
    lists.insert(lists.end(), customer_lists.begin(), customer_lists.end());
    row("list", lists);
    row("  by an agent (everyone's)", s.by_kind[static_cast<std::size_t>(kind::list_team)]);
    row("  by a customer (own org)", customer_lists);
    row("list mine (agent)", s.by_kind[static_cast<std::size_t>(kind::list_mine)]);
    row("list breached (agent)", s.by_kind[static_cast<std::size_t>(kind::list_breached)]);
    auto const all = summarize(s.all);
    print_row("overall", share(all.count), all, s.wall > 0 ? static_cast<double>(all.count) / s.wall : 0.0);
    if (all.count > 0)
        fmt::print("   per command: {} wall, {} CPU (the difference waited for the disk or for a core)\n",
                   human_time(s.wall / static_cast<double>(all.count)), human_time(s.cpu / static_cast<double>(all.count)));
}

}  // namespace

int run_commands_suite(const commands_options& opts, const std::filesystem::path& dir)
{
    auto s = demo_settings();
    auto const db = dir / "commands.db";
    remove_database(db);
    s.database = db.string();
    wall_time const opened_at = reference_instant();
    bench_clock clock{opened_at + minutes{1}};
    int failures = 0;

    fmt::print("\n== Commands: commands::register_all().run() on the SQLite store, one thread\n");
    fmt::print("   world: config/demo.toml; clock starts {}, +2 s per command\n",
               s.rules.support_hours().local_text(clock.now()));
    std::fflush(stdout);

    auto opened = store::sqlite_store::open(s.database, clock);
    if (!opened)
        throw std::runtime_error(fmt::format("cannot open {}: {}", s.database, opened.error().message()));
    auto& store = **opened;
    if (auto synced = store.sync_directory(s.people); !synced)
        throw std::runtime_error("sync_directory failed: " + synced.error().message());

    // Cases on file before the day starts: the same realistic mix as the scheduler's, none due.
    case_factory const factory{s.rules, s.people, s.vendor, opened_at, 0};
    auto seeded = load_cases(store, factory, 1, opts.seed_cases);
    if (!seeded)
        throw std::runtime_error("seeding cases failed: " + seeded.error().message());
    fmt::print("   seeded {} cases in {} ({} unclaimed, {} claimed)\n", grouped(seeded->cases),
               human_time(seeded->seconds), grouped(seeded->unclaimed.size()), grouped(seeded->claimed.size()));
    std::fflush(stdout);

    commands::context ctx{store, clock, s.rules, s.people, s.vendor};
    auto const dispatch = commands::register_all();
    cast const people{s.people};
    desk day{dispatch,
             ctx,
             clock,
             people,
             std::deque<case_id>(seeded->unclaimed.begin(), seeded->unclaimed.end()),
             seeded->claimed};

    auto const mix = support_day(opts.count);
    sample_set mixed;
    day.run(mix, mixed);
    fmt::print("\n   Support-day mix, {} commands:\n", grouped(opts.count));
    print_table(mixed, mix.size());

    std::vector<kind> const writes(opts.count, kind::new_case);
    sample_set news;
    day.run(writes, news);
    fmt::print("\n   `new` only (the write path), {} commands, on the same database afterwards:\n",
               grouped(opts.count));
    print_table(news, writes.size());

    // Two list scopes a support day also sees, timed apart from the mix: the store
    // answers them by reading every open case (docs/benchmarks.md).
    std::vector<kind> scopes;
    for (std::size_t i = 0; i < std::max<std::size_t>(opts.count / 100, 10); ++i)
        scopes.push_back(i % 2 == 0 ? kind::list_mine : kind::list_breached);
    sample_set scoped;
    day.run(scopes, scoped);
    fmt::print("\n   List scopes outside the mix, {} commands, on the same database afterwards:\n",
               grouped(scopes.size()));
    print_table(scoped, scopes.size());
    fmt::print("   database after the three runs: {}\n", human_bytes(database_bytes(db)));

    for (auto const* run : {&mixed, &news, &scoped}) {
        if (run->unexpected > 0) {
            ++failures;
            fmt::print("  CHECK FAILED: {} commands got an unexpected reply\n", run->unexpected);
        }
        if (run->skipped > 0) {
            ++failures;
            fmt::print("  CHECK FAILED: {} claims found nothing to claim\n", run->skipped);
        }
    }
    std::fflush(stdout);
    opened->reset();
    if (!opts.keep)
        remove_database(db);
    return failures;
}

}  // namespace bot::bench
