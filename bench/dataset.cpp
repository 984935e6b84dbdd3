#include "bench/dataset.hpp"

#include "bench/bench_support.hpp"
#include "bot/case_ops.hpp"
#include "bot/time_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>

namespace bot::bench {
namespace {
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// splitmix64: small, fast and good enough to spread instants; seeded per case.
class case_random {
public:
    explicit case_random(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}

    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }
    // Uniform in [0, n), n > 0.
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    // A whole number of seconds in [lo, hi), hi > lo.
    seconds between(seconds lo, seconds hi)
    {
        auto const span = static_cast<std::uint64_t>((hi - lo).count());
        return lo + seconds{static_cast<std::int64_t>(below(span))};
    }

private:
    std::uint64_t state_;
};

constexpr std::array titles{
    "Export to CSV fails for reports over 10k rows",
    "SSO login loops back to the sign-in page",
    "Invoice PDF shows the wrong VAT rate",
    "How do I add a custom field to the case form?",
    "Nightly sync job stopped after the upgrade",
    "Dashboard widgets load very slowly since Monday",
    "Webhook deliveries return 502 intermittently",
    "Question about API rate limits for bulk import",
    "Users in the EU region cannot upload attachments",
    "Search results miss records created today",
};

case_change must(outcome decided, case_id id, std::string_view step)
{
    if (auto const* no = std::get_if<rejection>(&decided))
        throw std::logic_error(fmt::format("dataset: case {}: {} was rejected: {}", id, step, no->why));
    return std::get<case_change>(std::move(decided));
}

actor configured(const directory& people, std::string_view id)
{
    auto a = people.as_person(id);
    if (!a)
        throw std::logic_error(fmt::format("dataset: the world has no person {}", id));
    return *a;
}

const channel_link& channel_of(const directory& people, std::string_view customer)
{
    for (auto const& link : people.channels())
        if (link.customer == customer)
            return link;
    throw std::logic_error(fmt::format("dataset: the world has no channel for {}", customer));
}

std::string_view profile_name(case_profile p)
{
    switch (p) {
    case case_profile::fresh: return "fresh";
    case case_profile::in_progress: return "in progress";
    case case_profile::waiting: return "waiting";
    case case_profile::due_initial: return "due (initial response)";
    case case_profile::due_status: return "due (status update)";
    }
    return "?";
}
}  // namespace

wall_time reference_instant()
{
    static const wall_time at = *parse_rfc3339("2025-04-16T15:00:00-04:00");
    return at;
}

case_factory::case_factory(const program& rules, const directory& people, std::string vendor, wall_time at,
                           std::size_t due_every)
    : rules_(rules),
      people_(people),
      vendor_(std::move(vendor)),
      at_(at),
      due_every_(due_every),
      carol_(configured(people, "carol")),
      gus_(configured(people, "gus")),
      ana_(configured(people, "ana")),
      raj_(configured(people, "raj"))
{
}

generated_case case_factory::make(case_id id) const
{
    case_random rnd{static_cast<std::uint64_t>(id)};
    bool const acme = rnd.below(2) == 0;  // not by id parity: due ids are all even
    auto const& link = channel_of(people_, acme ? "acme" : "globex");
    actor opener = acme ? carol_ : gus_;
    opener.where = link.where;
    actor agent = rnd.below(2) == 0 ? ana_ : raj_;
    agent.where = link.where;

    generated_case out;
    if (is_due(id)) {
        out.profile = rnd.below(10) < 6 ? case_profile::due_initial : case_profile::due_status;
    } else {
        auto const u = rnd.below(1000);
        out.profile = u < 150 ? case_profile::fresh : u < 900 ? case_profile::in_progress : case_profile::waiting;
    }
    bool const due = out.profile == case_profile::due_initial || out.profile == case_profile::due_status;

    new_case_request req;
    req.id = id;
    req.customer = link.customer;
    req.origin = {link.where, link.channel, ""};
    req.title = titles[static_cast<std::size_t>(rnd.below(titles.size()))];
    req.description = req.title;
    auto const s = rnd.below(100);
    req.level = due ? severity::normal : s < 5 ? severity::critical : s < 75 ? severity::normal : severity::low;
    req.kind = req.level == severity::critical || rnd.below(10) < 4 ? category::error : category::question;

    // When it was opened: recently for unclaimed cases (their initial clock is short),
    // days or weeks ago for claimed ones.
    wall_time created{};
    switch (out.profile) {
    case case_profile::fresh: {
        // Inside the reminder lead: critical 1h − 15m, normal 4h − 1h, low 9h − 2h of support time.
        auto const limit = req.level == severity::critical ? minutes{40}
                           : req.level == severity::normal ? minutes{170}
                                                           : minutes{350};
        created = at_ - rnd.between(seconds{0}, limit);
        break;
    }
    case case_profile::due_initial:
        // Normal: the reminder is 3h after opening, the deadline 4h (all within today's hours).
        created = at_ - rnd.between(minutes{185}, minutes{235});
        break;
    case case_profile::due_status: created = at_ - rnd.between(days{8}, days{21}); break;
    case case_profile::in_progress:
    case case_profile::waiting: created = at_ - rnd.between(days{1}, days{21}); break;
    }

    auto opened = must(open_case(req, opener, domain_context{rules_, created, vendor_}), id, "open_case");
    auto events = std::move(opened.events);
    case_record c = std::move(opened.after);
    auto then = [&](outcome decided, std::string_view step) {
        auto change = must(std::move(decided), id, step);
        for (auto& e : change.events)
            events.push_back(std::move(e));
        c = std::move(change.after);
    };

    if (out.profile != case_profile::fresh && out.profile != case_profile::due_initial) {
        auto const claimed_at = created + rnd.between(minutes{5}, minutes{45});
        then(claim(c, agent, domain_context{rules_, claimed_at, vendor_}), "claim");
        // The last status update (or question): recent enough that the next reminder is
        // ahead (normal: 5 business days, reminder 1h before; critical: 1 business day,
        // reminder 15m before), except for due_status, whose reminder is just due.
        auto const room = std::min<seconds>(days{4}, at_ - claimed_at - hours{1});
        wall_time last{};
        if (out.profile == case_profile::due_status)
            last = at_ - days{7} + rnd.between(minutes{5}, minutes{55});
        else if (req.level == severity::critical)
            last = at_ - rnd.between(seconds{0}, hours{5});
        else
            last = at_ - rnd.between(seconds{0}, room);
        domain_context const ctx{rules_, last, vendor_};
        if (out.profile == case_profile::waiting)
            then(request_info(c, agent, "Could you send the full error message and the time it happened?", ctx),
                 "request_info");
        else
            then(post_update(c, agent, "We reproduced it and are working on a fix; next update tomorrow.", ctx),
                 "post_update");
    }

    // The case card went out as the thread root: the store learns its thread at delivery.
    c.origin.thread = fmt::format("{}.{:06}", created.time_since_epoch().count(), id % 1000000);
    c.card_ref = c.origin.thread;

    if (due) {
        auto fired = fire_due(c, domain_context{rules_, at_, vendor_});
        if (!fired || fired->events.size() != 1 || fired->events.front().what != "reminder")
            throw std::logic_error(fmt::format("dataset: case {} ({}) should have exactly one reminder due at {}", id,
                                               profile_name(out.profile), format_utc(at_)));
    } else if (c.next_alarm_at && *c.next_alarm_at <= at_) {
        throw std::logic_error(fmt::format("dataset: case {} ({}) has an alarm due at {}, before {}", id,
                                           profile_name(out.profile), format_utc(*c.next_alarm_at),
                                           format_utc(at_)));
    }

    out.change.after = std::move(c);
    out.change.expected_version = 0;
    out.change.events = std::move(events);
    return out;
}

namespace {
struct batch_of_cases {
    std::vector<stored_change> changes;
    std::vector<case_profile> profiles;
};

batch_of_cases make_batch(const case_factory& factory, case_id first, std::size_t n)
{
    batch_of_cases b;
    b.changes.reserve(n);
    b.profiles.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto g = factory.make(first + static_cast<case_id>(i));
        b.changes.push_back(std::move(g.change));
        b.profiles.push_back(g.profile);
    }
    return b;
}
}  // namespace

result<load_report> load_cases(case_store& store, const case_factory& factory, case_id first_id, std::size_t count,
                               std::size_t batch)
{
    auto const start = std::chrono::steady_clock::now();
    batch = std::max<std::size_t>(batch, 1);
    load_report report;
    auto const sized = [&](std::size_t made) { return std::min(batch, count - made); };
    std::size_t made = 0;
    std::future<batch_of_cases> next;
    if (count > 0)
        next = std::async(std::launch::async, make_batch, std::cref(factory), first_id, sized(0));
    while (made < count) {
        auto current = next.get();  // rethrows a dataset logic_error
        auto const first = first_id + static_cast<case_id>(made);
        made += current.changes.size();
        // The domain makes the next batch on the other core while SQLite writes this one.
        if (made < count)
            next = std::async(std::launch::async, make_batch, std::cref(factory),
                              first_id + static_cast<case_id>(made), sized(made));
        auto conflicted = store.commit_batch(current.changes);
        if (!conflicted)
            return conflicted.error();
        if (!conflicted->empty())
            return errc::conflict;  // an id already taken: the database was not fresh
        for (std::size_t i = 0; i < current.changes.size(); ++i) {
            auto const& ch = current.changes[i];
            auto const id = first + static_cast<case_id>(i);
            report.events += ch.events.size();
            if (ch.after.next_alarm_at)
                ++report.alarmed;
            switch (current.profiles[i]) {
            case case_profile::due_initial:
                ++report.due;
                report.unclaimed.push_back(id);
                break;
            case case_profile::due_status:
                ++report.due;
                report.claimed.push_back(id);
                break;
            case case_profile::fresh:
                report.unclaimed.push_back(id);
                break;
            case case_profile::in_progress:
            case case_profile::waiting:
                report.claimed.push_back(id);
                break;
            }
        }
    }
    report.cases = made;
    report.seconds = seconds_since(start);
    return report;
}

}  // namespace bot::bench
