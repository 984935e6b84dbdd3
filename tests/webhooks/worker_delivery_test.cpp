#include "webhooks/delivery_worker.hpp"  // first: proves the header is self-contained

#include "store/sqlite_store.hpp"
#include "support/sample_world.hpp"
#include "support/test_time.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {
using namespace bot;
using namespace std::chrono_literals;
using bot::store::sqlite_store;
using bot::test::manual_clock;
using bot::test::utc;
using bot::webhooks::delivery_options;
using bot::webhooks::delivery_round;
using bot::webhooks::delivery_worker;
using bot::webhooks::earlier_attempt;
using bot::webhooks::send_outcome;
using std::chrono::seconds;

// ---- outcomes a fake platform answers

send_outcome delivered(std::string ref)
{
    return {send_outcome::kind::delivered, std::move(ref), std::nullopt, ""};
}

// With a Retry-After: the platform's rate limit (HTTP 429); without: a server error.
send_outcome retry(std::optional<seconds> retry_after = std::nullopt)
{
    send_outcome out{send_outcome::kind::retry, "", retry_after, retry_after ? "ratelimited" : "server error"};
    out.rate_limited = retry_after.has_value();
    return out;
}

// A refusal for the channel that a person may lift (not_in_channel, …).
send_outcome refused_here(std::string why = "not_in_channel")
{
    send_outcome out{send_outcome::kind::retry, "", std::nullopt, std::move(why)};
    out.gives_up = true;
    return out;
}

send_outcome refused(std::string why = "channel_not_found")
{
    return {send_outcome::kind::failed, "", std::nullopt, std::move(why)};
}

// Slack refusing the token (invalid_auth): a person fixes it, the message waits.
send_outcome refused_outcome_for_token()
{
    return {send_outcome::kind::retry, "", std::nullopt, "invalid_auth"};
}

// No answer came, and the platform did not get the message (the connection broke first).
send_outcome no_answer()
{
    return {send_outcome::kind::retry, "", std::nullopt, "connection reset", true};
}

// No answer came, but the platform did post the message, as `ref`.
send_outcome lost_answer(std::string ref)
{
    return {send_outcome::kind::retry, std::move(ref), std::nullopt, "http_502", true};
}

// A chat platform that records what it was asked to send and answers as scripted:
// per message text, a queue of outcomes; once a text's queue is empty (or it has none),
// the message is delivered with the reference "ref-<text>". Thread-safe, so the
// worker's own thread may call it while a test waits for it.
class scripted_sender final : public bot::webhooks::message_sender {
public:
    struct call {
        outbound_message message;
        std::optional<case_record> current;   // the case as the worker passed it
    };

    // Runs at the start of every send, outside the lock: a test's slow platform.
    std::function<void(const outbound_message&)> while_sending;

    send_outcome send(const outbound_message& m, const case_record* c, wall_time) override
    {
        if (while_sending)
            while_sending(m);
        std::lock_guard lock{mutex_};
        calls_.push_back({m, c ? std::optional<case_record>{*c} : std::nullopt});
        send_outcome out = delivered("ref-" + m.text);
        if (auto it = script_.find(m.text); it != script_.end() && !it->second.empty()) {
            out = it->second.front();
            it->second.pop_front();
        }
        // What the platform now holds: delivered messages, and those whose answer was lost.
        if (!out.platform_ref.empty())
            posted_[m.id] = out.platform_ref;
        arrived_.notify_all();
        return out;
    }

    // Answers from what the platform holds, unless a scripted answer is queued.
    earlier_attempt find_earlier(const outbound_message& m, wall_time, wall_time) override
    {
        std::lock_guard lock{mutex_};
        ++lookups_;
        if (!lookup_script_.empty()) {
            auto out = lookup_script_.front();
            lookup_script_.pop_front();
            return out;
        }
        if (auto it = posted_.find(m.id); it != posted_.end())
            return {earlier_attempt::kind::arrived, it->second, std::nullopt, ""};
        return {earlier_attempt::kind::absent, "", std::nullopt, ""};
    }

    // The next look-up answers `answer`.
    void on_lookup(earlier_attempt answer)
    {
        std::lock_guard lock{mutex_};
        lookup_script_.push_back(std::move(answer));
    }

    std::size_t lookups() const
    {
        std::lock_guard lock{mutex_};
        return lookups_;
    }

    // The next time `text` is sent, answer `outcome` (queued after earlier scripts for it).
    void on(const std::string& text, send_outcome outcome)
    {
        std::lock_guard lock{mutex_};
        script_[text].push_back(std::move(outcome));
    }

    std::vector<call> calls() const
    {
        std::lock_guard lock{mutex_};
        return calls_;
    }

    // The texts sent so far, in order, as "a | b | c"; forget() starts a new list.
    std::string sent() const
    {
        std::lock_guard lock{mutex_};
        std::string out;
        for (auto const& c : calls_)
            out += (out.empty() ? "" : " | ") + c.message.text;
        return out;
    }

    std::size_t count() const
    {
        std::lock_guard lock{mutex_};
        return calls_.size();
    }

    void forget()
    {
        std::lock_guard lock{mutex_};
        calls_.clear();
    }

    // Returns as soon as `count` messages were sent in all, or false after `timeout`.
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const
    {
        std::unique_lock lock{mutex_};
        return arrived_.wait_for(lock, timeout, [&] { return calls_.size() >= count; });
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<call> calls_;
    std::map<std::string, std::deque<send_outcome>> script_;
    std::map<std::int64_t, std::string> posted_;   // outbox id → the platform's ref
    std::deque<earlier_attempt> lookup_script_;
    std::size_t lookups_ = 0;
};

// The store as the worker's outbox, every call passed on; tests override what they change.
class forwarding_outbox : public bot::outbox {
public:
    explicit forwarding_outbox(bot::outbox& inner) : inner_(inner) {}
    result<std::vector<outbox_entry>> pending(wall_time ready_by, std::size_t limit) override
    {
        return inner_.pending(ready_by, limit);
    }
    result<std::vector<outbox_entry>> channel_heads(std::size_t per_channel) override
    {
        return inner_.channel_heads(per_channel);
    }
    result<void> attempting(std::int64_t id, wall_time at) override { return inner_.attempting(id, at); }
    result<void> delivered(std::int64_t id, wall_time at, std::string_view ref) override
    {
        return inner_.delivered(id, at, ref);
    }
    result<void> delivered_as_new_card(std::int64_t id, wall_time at, std::string_view ref) override
    {
        return inner_.delivered_as_new_card(id, at, ref);
    }
    result<void> retry_later(std::int64_t id, wall_time next_attempt, std::string_view error, bool in_doubt,
                             bool counted) override
    {
        return inner_.retry_later(id, next_attempt, error, in_doubt, counted);
    }
    result<void> failed(std::int64_t id, wall_time at, std::string_view error) override
    {
        return inner_.failed(id, at, error);
    }

private:
    bot::outbox& inner_;
};

// Marking a message delivered fails: the process stopping between the platform's
// answer and its mark.
class mark_failing_outbox final : public forwarding_outbox {
public:
    using forwarding_outbox::forwarding_outbox;
    result<void> delivered(std::int64_t, wall_time, std::string_view) override { return errc::storage_failed; }
    result<void> delivered_as_new_card(std::int64_t, wall_time, std::string_view) override
    {
        return errc::storage_failed;
    }
};

// A hook runs once the channel heads are read and before the round looks at them.
class heads_hook_outbox final : public forwarding_outbox {
public:
    using forwarding_outbox::forwarding_outbox;
    std::function<void()> after_heads;

    result<std::vector<outbox_entry>> channel_heads(std::size_t per_channel) override
    {
        auto heads = forwarding_outbox::channel_heads(per_channel);
        if (after_heads)
            std::exchange(after_heads, nullptr)();
        return heads;
    }
};

// Holds the sends that wait on it until opened (a platform that does not answer).
class gate {
public:
    void wait()
    {
        std::unique_lock lock{mutex_};
        ++waiting_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
    }
    // Returns once a send waits at the gate, or false after `timeout`.
    bool wait_for_a_send(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, timeout, [this] { return waiting_ > 0; });
    }
    void open()
    {
        {
            std::lock_guard lock{mutex_};
            open_ = true;
        }
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int waiting_ = 0;
    bool open_ = false;
};

// Opens the gate when a test ends, however it ends: a worker stopping waits for the
// sends the gate holds.
struct open_at_exit {
    gate& g;
    ~open_at_exit() { g.open(); }
};

std::shared_ptr<spdlog::logger> quiet_log()
{
    static auto log = std::make_shared<spdlog::logger>("worker-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    return log;
}

// Small numbers that make each rule visible; tests change what they exercise.
delivery_options test_options()
{
    delivery_options o;
    o.first_retry = 5s;
    o.max_retry = 20s;
    o.max_attempts = 10;
    o.per_channel = 500;
    o.channel_interval = 1000ms;
    o.channel_burst = 3;
    o.idle_poll = 60'000ms;   // a started worker only moves when woken (or stopped)
    o.settle_in_doubt_after = 0s;   // its own test below
    return o;
}

// The real SQLite store on ":memory:" with the sample customers, a manual clock,
// a scripted Slack and the worker under test.
struct desk {
    explicit desk(delivery_options o = test_options()) : options(o)
    {
        auto opened = sqlite_store::open(":memory:", clock);
        REQUIRE(opened.has_value());
        store = std::move(*opened);
        REQUIRE(store->sync_directory(bot::test::sample_directory()).has_value());
        worker = std::make_unique<delivery_worker>(*store, *store, clock, options, quiet_log());
        worker->add_sender(platform::slack, slack);
    }
    ~desk() { worker.reset(); }   // stops its thread before the sender and the store go
    desk(const desk&) = delete;
    desk& operator=(const desk&) = delete;

    // Queues a message that belongs to no case.
    void post(std::string channel, std::string text, platform where = platform::slack)
    {
        outbound_message m;
        m.kind = "reply";
        m.to = destination{where, std::move(channel), "", false, false, {}};
        m.text = std::move(text);
        REQUIRE(store->enqueue(std::span{&m, 1}, "").has_value());
    }

    // Opens case `id` in acme's channel, with its card queued for the case's (future) thread.
    case_record open_case(case_id id)
    {
        case_record c;
        c.id = id;
        c.customer = "acme";
        c.origin = {platform::slack, bot::test::acme_channel, ""};
        c.title = "Invoices fail";
        c.kind = category::error;
        c.level = severity::critical;
        c.opened_by = "carol";
        c.created_at = clock.now();
        c.initial.anchor = c.created_at;
        c.initial.due = c.created_at + 2h;
        stored_change change;
        change.after = c;
        change.expected_version = 0;
        change.events.push_back({id, c.created_at, "carol", "opened", c.title});
        change.messages.push_back(for_case(c, "case_card", "card of #" + std::to_string(id)));
        REQUIRE(store->commit(change).has_value());
        return c;
    }

    // A message for the case's thread, queued on its own.
    void post_in_thread(const case_record& c, std::string kind, std::string text)
    {
        auto const m = for_case(c, std::move(kind), std::move(text));
        REQUIRE(store->enqueue(std::span{&m, 1}, "").has_value());
    }

    static outbound_message for_case(const case_record& c, std::string kind, std::string text)
    {
        outbound_message m;
        m.case_ref = c.id;
        m.kind = std::move(kind);
        m.to = destination{c.origin.where, c.origin.channel, c.origin.thread, true, false, {}};
        m.text = std::move(text);
        return m;
    }

    // The outbox row carrying `text` (any state).
    outbox_entry entry(const std::string& text)
    {
        auto const all = store->recent_outbox(1000);
        REQUIRE(all.has_value());
        auto const it = std::find_if(all->begin(), all->end(), [&](auto const& e) { return e.message.text == text; });
        REQUIRE(it != all->end());
        return *it;
    }

    delivery_round run() { return worker->run_once(); }

    // For a started worker: returns once the message carrying `text` is in `state`, or
    // false after `timeout` (the platform's answer is recorded a moment after it came).
    bool wait_until(const std::string& text, delivery_state state, std::chrono::milliseconds timeout)
    {
        auto const give_up = std::chrono::steady_clock::now() + timeout;
        while (entry(text).state != state) {
            if (std::chrono::steady_clock::now() > give_up)
                return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }

    manual_clock clock{utc("2026-03-09T13:00:00Z")};
    delivery_options options;
    std::unique_ptr<sqlite_store> store;
    scripted_sender slack;
    std::unique_ptr<delivery_worker> worker;
};

}  // namespace

TEST_SUITE("delivery worker")
{

TEST_CASE("messages go out oldest first and each is marked delivered once")
{
    desk d;
    d.post("C1", "first");
    d.post("C2", "second");
    d.post("C1", "third");

    auto const round = d.run();
    CHECK(d.slack.sent() == "first | second | third");
    CHECK(round.delivered == 3);
    CHECK(round.retried + round.failed + round.held == 0);
    CHECK(d.entry("first").state == delivery_state::delivered);
    CHECK(d.entry("third").state == delivery_state::delivered);
    CHECK(d.store->pending(wall_time::max(), 10).value().empty());

    SUBCASE("a second round sends nothing") {
        d.slack.forget();
        auto const again = d.run();
        CHECK(d.slack.sent().empty());
        CHECK(again.delivered == 0);
    }
    SUBCASE("nor does one much later") {
        d.slack.forget();
        d.clock.advance(3600s);
        d.run();
        CHECK(d.slack.sent().empty());
    }
}

TEST_CASE("a message the platform asks to retry waits out a doubling backoff capped at max_retry")
{
    desk d;   // first_retry 5 s, max_retry 20 s
    d.post("C1", "hello");
    for (int i = 0; i < 4; ++i)
        d.slack.on("hello", retry());
    auto const t0 = d.clock.now();

    auto const first = d.run();
    CHECK(first.retried == 1);
    CHECK(d.entry("hello").attempts == 1);
    CHECK(d.entry("hello").last_error == "server error");

    // Each wait: not a second early, then exactly once.
    struct step {
        seconds due;   // after t0
        int attempts_after;
    };
    for (auto const [due, attempts_after] : {step{5s, 2}, step{15s, 3}, step{35s, 4}, step{55s, 4}}) {
        CAPTURE(due.count());
        CHECK(d.entry("hello").next_attempt_at == t0 + due);
        d.slack.forget();
        d.clock.set(t0 + due - 1s);
        auto const early = d.run();
        CHECK(d.slack.sent().empty());
        CHECK(early.held == 1);
        d.clock.set(t0 + due);
        d.run();
        CHECK(d.slack.sent() == "hello");
        CHECK(d.entry("hello").attempts == attempts_after);
    }
    // The fifth attempt (at +55 s, after 5 + 10 + 20 + 20) was accepted.
    CHECK(d.entry("hello").state == delivery_state::delivered);
}

TEST_CASE("a Retry-After from the platform replaces the backoff and holds the whole channel")
{
    desk d;   // the backoff would say 5 s
    d.post(bot::test::acme_channel, "limited");
    d.post(bot::test::acme_channel, "behind it");
    d.post(bot::test::agents_channel, "elsewhere");
    d.slack.on("limited", retry(30s));
    auto const t0 = d.clock.now();

    auto const first = d.run();
    CHECK(d.slack.sent() == "limited | elsewhere");
    CHECK(first.retried == 1);
    CHECK(first.held == 1);
    CHECK(d.entry("limited").next_attempt_at == t0 + 30s);

    d.slack.forget();
    d.clock.advance(5s);
    d.run();
    CHECK(d.slack.sent().empty());
    d.clock.set(t0 + 29s);
    d.post(bot::test::acme_channel, "new in the channel");
    d.run();
    CHECK(d.slack.sent().empty());

    d.clock.set(t0 + 30s);
    d.run();
    CHECK(d.slack.sent() == "limited | behind it | new in the channel");
}

TEST_CASE("a message waiting for its retry holds back later messages of its channel, not of others")
{
    desk d;
    d.post("C1", "one");
    d.post("C1", "two");
    d.post("C2", "other channel");
    d.post("C1", "three");
    d.slack.on("one", retry());

    auto const first = d.run();
    CHECK(d.slack.sent() == "one | other channel");
    CHECK(first.held == 2);
    CHECK(d.entry("two").state == delivery_state::pending);
    CHECK(d.entry("two").attempts == 0);

    d.slack.forget();
    d.clock.advance(5s);
    d.run();
    CHECK(d.slack.sent() == "one | two | three");
}

TEST_CASE("a rate limit, an outage or a refused token never loses a message: past max_attempts it keeps waiting")
{
    auto o = test_options();
    o.max_attempts = 3;
    desk d{o};
    d.post("C1", "patient");
    d.slack.on("patient", retry(1s));   // a 429: paced, not counted
    for (int i = 0; i < 5; ++i)
        d.slack.on("patient", retry());
    d.slack.on("patient", refused_outcome_for_token());
    d.run();
    for (int i = 0; i < 7; ++i) {
        CHECK(d.entry("patient").state == delivery_state::pending);
        d.clock.advance(20s);   // max_retry
        d.run();
    }
    CHECK(d.slack.count() == 8);
    auto const e = d.entry("patient");
    CHECK(e.state == delivery_state::delivered);
    CHECK(e.attempts == 6);
}

TEST_CASE("a rate limit does not count toward max_attempts: a channel refusal after many 429s still gets its tries")
{
    auto o = test_options();
    o.max_attempts = 3;
    desk d{o};
    d.post("C1", "busy channel");
    for (int i = 0; i < 6; ++i)
        d.slack.on("busy channel", retry(1s));
    d.slack.on("busy channel", refused_here("not_in_channel"));   // fixed by a person in time
    d.run();
    for (int i = 0; i < 6; ++i) {
        CHECK(d.entry("busy channel").attempts == 0);
        d.clock.advance(5s);
        d.run();
    }
    CHECK(d.entry("busy channel").state == delivery_state::pending);   // refused once: not given up
    CHECK(d.entry("busy channel").attempts == 1);
    CHECK(d.entry("busy channel").next_attempt_at == d.clock.now() + 5s);   // the backoff starts afresh
    d.clock.advance(5s);
    d.run();
    CHECK(d.slack.count() == 8);
    CHECK(d.entry("busy channel").state == delivery_state::delivered);
}

TEST_CASE("a server error that says when to come back is an attempt that counts, unlike a rate limit")
{
    auto o = test_options();
    o.max_attempts = 2;
    desk d{o};
    d.post("C1", "outage");
    send_outcome unavailable{send_outcome::kind::retry, "", 7s, "http_503"};   // a 503 with Retry-After
    unavailable.in_doubt = true;
    d.slack.on("outage", unavailable);
    d.slack.on("outage", retry(7s));   // then a 429
    d.run();
    CHECK(d.entry("outage").attempts == 1);
    CHECK(d.entry("outage").next_attempt_at == d.clock.now() + 7s);
    d.clock.advance(7s);
    d.run();
    CHECK(d.entry("outage").attempts == 1);
    CHECK(d.entry("outage").last_error == "ratelimited");
    d.clock.advance(7s);
    d.run();
    CHECK(d.entry("outage").state == delivery_state::delivered);
}

TEST_CASE("a message refused for its channel is marked failed after max_attempts")
{
    auto o = test_options();
    o.max_attempts = 3;
    desk d{o};
    d.post("C1", "doomed");
    for (int i = 0; i < 5; ++i)
        d.slack.on("doomed", refused_here("server error"));

    d.run();                  // attempt 1
    d.clock.advance(5s);
    d.run();                  // attempt 2
    CHECK(d.entry("doomed").state == delivery_state::pending);
    d.clock.advance(10s);
    auto const last = d.run();   // attempt 3: the last one
    CHECK(last.failed == 1);
    CHECK(d.slack.count() == 3);
    auto const e = d.entry("doomed");
    CHECK(e.state == delivery_state::failed);
    CHECK(e.attempts == 3);
    CHECK(e.last_error == "server error");

    d.clock.advance(3600s);
    d.run();
    CHECK(d.slack.count() == 3);
}

TEST_CASE("a message given up after max_attempts lets the channel's next message go in the same round")
{
    // A message given up on is done: like a permanent failure, it holds nothing back.
    auto o = test_options();
    o.max_attempts = 1;
    desk d{o};
    d.post("C1", "doomed");
    d.post("C1", "next");
    d.slack.on("doomed", refused_here());

    auto const round = d.run();
    CHECK(d.entry("doomed").state == delivery_state::failed);
    CHECK(d.slack.sent() == "doomed | next");
    CHECK(round.held == 0);
}

TEST_CASE("a permanent failure is marked failed at once and does not block the channel's next message")
{
    desk d;
    d.post("C1", "to nowhere");
    d.post("C1", "next");
    d.slack.on("to nowhere", refused("channel_not_found"));

    auto const round = d.run();
    CHECK(d.slack.sent() == "to nowhere | next");
    CHECK(round.failed == 1);
    CHECK(round.delivered == 1);
    auto const e = d.entry("to nowhere");
    CHECK(e.state == delivery_state::failed);
    CHECK(e.attempts == 1);
    CHECK(e.last_error == "channel_not_found");
    CHECK(d.entry("next").state == delivery_state::delivered);

    d.slack.forget();
    d.clock.advance(3600s);
    d.run();
    CHECK(d.slack.sent().empty());
}

TEST_CASE("a channel gets a burst of three, then one message per second, while other channels are not held")
{
    desk d;   // channel_burst 3, channel_interval 1 s
    for (auto const* t : {"m1", "m2", "m3", "m4", "m5"})
        d.post("C1", t);
    d.post("C2", "other");

    auto const first = d.run();
    CHECK(d.slack.sent() == "m1 | m2 | m3 | other");
    CHECK(first.held == 2);

    d.slack.forget();
    auto const same_instant = d.run();
    CHECK(d.slack.sent().empty());
    CHECK(same_instant.held == 2);

    d.clock.advance(1s);
    d.run();
    CHECK(d.slack.sent() == "m4");

    d.clock.advance(1s);
    d.run();
    CHECK(d.slack.sent() == "m4 | m5");
    CHECK(d.store->pending(wall_time::max(), 10).value().empty());
}

TEST_CASE("several card updates for one case in a round are sent once, the others marked superseded")
{
    auto o = test_options();
    o.channel_burst = 10;   // all in acme's channel: pacing is not what this is about
    desk d{o};
    auto const one = d.open_case(1);
    auto const two = d.open_case(2);
    d.post_in_thread(one, "card_update", "update 1 of #1");
    d.post_in_thread(two, "card_update", "update 1 of #2");
    d.post_in_thread(one, "card_update", "update 2 of #1");
    d.post_in_thread(one, "card_update", "update 3 of #1");

    auto const round = d.run();
    CHECK(d.slack.sent() == "card of #1 | card of #2 | update 1 of #2 | update 3 of #1");
    CHECK(round.delivered == 4);
    for (auto const* t : {"update 1 of #1", "update 2 of #1"}) {
        CAPTURE(t);
        CHECK(d.entry(t).state == delivery_state::delivered);
    }
    CHECK(d.store->pending(wall_time::max(), 10).value().empty());
    // The one sent carries the case as it is now, so it renders the latest state.
    auto const calls = d.slack.calls();
    REQUIRE(calls.size() == 4);
    REQUIRE(calls[3].current.has_value());
    CHECK(calls[3].current->id == 1);
    // Superseded or sent in place, a refresh leaves the case's card as it was.
    auto const card = d.store->find(one.id).value()->card_ref;
    CHECK_FALSE(card.empty());
    CHECK(card == calls[3].current->card_ref);
    CHECK(card != "superseded");
}

TEST_CASE("a card refresh in doubt is looked up, not superseded by the case's next refresh")
{
    auto o = test_options();
    o.channel_burst = 10;
    desk d{o};
    auto const one = d.open_case(1);
    d.post_in_thread(one, "card_update", "update 1 of #1");
    d.slack.on("update 1 of #1", lost_answer("1700000000.000900"));   // it may have posted a card anew
    d.run();
    CHECK(d.entry("update 1 of #1").in_doubt_since.has_value());
    d.post_in_thread(one, "card_update", "update 2 of #1");
    d.clock.advance(5s);
    d.run();
    CHECK(d.slack.lookups() == 1);
    CHECK(d.entry("update 1 of #1").state == delivery_state::delivered);
    CHECK(d.slack.sent() == "card of #1 | update 1 of #1 | update 2 of #1");
}

TEST_CASE("a message for a platform without a sender is marked failed and others still go")
{
    desk d;   // a Slack sender only
    d.post(bot::test::globex_channel, "for teams", platform::teams);
    d.post(bot::test::acme_channel, "for slack");

    auto const round = d.run();
    CHECK(d.slack.sent() == "for slack");
    CHECK(round.failed == 1);
    auto const e = d.entry("for teams");
    CHECK(e.state == delivery_state::failed);
    CHECK(e.last_error == "no sender for this platform");
}

TEST_CASE("a delivered case card teaches the case its thread, and the case's later messages go into it")
{
    desk d;
    auto const c = d.open_case(7);
    // Queued before the card went out: its thread is still unknown.
    d.post_in_thread(c, "reply", "first answer");
    d.slack.on("card of #7", delivered("1741525200.000100"));

    d.run();
    CHECK(d.slack.sent() == "card of #7 | first answer");
    auto const stored = d.store->find(7);
    REQUIRE(stored.has_value());
    REQUIRE(stored->has_value());
    CHECK((*stored)->origin.thread == "1741525200.000100");
    CHECK((*stored)->card_ref == "1741525200.000100");

    auto const calls = d.slack.calls();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].message.to.thread.empty());   // the card starts the thread
    CHECK(calls[1].message.to.thread == "1741525200.000100");
    REQUIRE(calls[1].current.has_value());
    CHECK(calls[1].current->id == 7);

    SUBCASE("and so do messages queued later") {
        d.slack.forget();
        d.post_in_thread(c, "reminder", "later reminder");
        d.clock.advance(1s);
        d.run();
        auto const later = d.slack.calls();
        REQUIRE(later.size() == 1);
        CHECK(later[0].message.to.thread == "1741525200.000100");
    }
}

TEST_CASE("a started worker sends what it is woken for, and stop() sends what is due before returning")
{
    desk d;   // idle_poll is a minute: only a wake (or stop) explains a prompt delivery
    d.post("C1", "before start");
    d.worker->start();
    REQUIRE(d.slack.wait_for(1, 5000ms));   // the first round runs at once

    d.post("C2", "woken");
    d.worker->wake();
    REQUIRE(d.slack.wait_for(2, 5000ms));
    CHECK(d.slack.sent() == "before start | woken");

    d.post("C3", "queued at shutdown");   // nobody wakes the worker for this one
    d.worker->stop();
    CHECK(d.slack.sent() == "before start | woken | queued at shutdown");
    CHECK(d.entry("queued at shutdown").state == delivery_state::delivered);

    d.worker->stop();   // idempotent
    CHECK(d.slack.count() == 3);
}

TEST_CASE("stop() starts no send after shutdown_drain, however slowly the platform answers")
{
    auto o = test_options();
    o.shutdown_drain = 5000ms;
    desk d{o};
    d.post("C0", "first");
    d.worker->start();
    REQUIRE(d.slack.wait_for(1, 5000ms));   // the first round has read its heads: the worker idles next
    for (auto const* channel : {"C1", "C2", "C3", "C4"})
        d.post(channel, std::string{"to "} + channel);   // nobody wakes the worker: stop() sends them
    d.slack.while_sending = [&](auto const&) { d.clock.advance(3s); };   // each send takes 3 s

    d.worker->stop();
    // Sends start at 0 s and 3 s; at 6 s the 5 s are over.
    CHECK(d.slack.sent() == "first | to C1 | to C2");
    CHECK(d.entry("to C2").state == delivery_state::delivered);
    CHECK(d.entry("to C3").state == delivery_state::pending);
    CHECK(d.entry("to C4").state == delivery_state::pending);
    CHECK(d.entry("to C3").attempts == 0);   // never tried: nothing in doubt

    // The next start sends the rest.
    d.slack.while_sending = nullptr;
    auto next = std::make_unique<delivery_worker>(*d.store, *d.store, d.clock, o, quiet_log());
    next->add_sender(platform::slack, d.slack);
    next->run_once();
    CHECK(d.slack.sent() == "first | to C1 | to C2 | to C3 | to C4");
}

TEST_CASE("a backlog held in one channel does not keep other channels waiting")
{
    // A channel waits for a Retry-After with more queued behind it than a round reads
    // of it: the other channels' messages still go out.
    auto o = test_options();
    o.per_channel = 2;
    desk d{o};
    d.post("C1", "limited");
    d.post("C1", "behind it");
    d.post("C1", "further behind");
    d.post("C2", "elsewhere");
    d.slack.on("limited", retry(60s));

    d.run();
    d.clock.advance(1s);
    d.run();
    d.clock.advance(1s);
    d.run();
    CHECK(d.slack.sent() == "limited | elsewhere");
    CHECK(d.entry("elsewhere").state == delivery_state::delivered);

    // Once the Retry-After has passed, the held channel drains in order, past what
    // one round reads of it.
    d.clock.advance(60s);
    d.run();
    d.run();
    CHECK(d.slack.sent() == "limited | elsewhere | limited | behind it | further behind");
}

TEST_CASE("with parallel channels, a channel whose platform does not answer holds up only itself")
{
    auto o = test_options();
    o.parallel_channels = 4;
    gate slow_platform;
    desk d{o};
    open_at_exit opener{slow_platform};
    d.slack.while_sending = [&](const outbound_message& m) {
        if (m.to.channel == "C1")
            slow_platform.wait();
    };
    d.post("C1", "hangs");
    d.post("C2", "goes");
    d.post("C3", "goes too");
    d.worker->start();
    REQUIRE(slow_platform.wait_for_a_send(5000ms));
    REQUIRE(d.wait_until("goes", delivery_state::delivered, 5000ms));
    REQUIRE(d.wait_until("goes too", delivery_state::delivered, 5000ms));
    CHECK(d.entry("hangs").state == delivery_state::pending);
    CHECK(d.entry("hangs").in_doubt_since.has_value());   // under way

    // The worker goes on serving the other channels; C1's next message waits its turn.
    d.post("C1", "behind it");
    d.post("C2", "later");
    d.worker->wake();
    REQUIRE(d.wait_until("later", delivery_state::delivered, 5000ms));
    CHECK(!d.entry("behind it").in_doubt_since.has_value());   // not tried
    CHECK(d.slack.count() == 3);   // C1's send has not answered yet

    // Once the platform answers, C1 sends the rest in order.
    slow_platform.open();
    REQUIRE(d.slack.wait_for(5, 5000ms));
    auto const sent = d.slack.sent();
    CHECK(sent.find("hangs") < sent.find("behind it"));
    CHECK(sent.find("hangs") == sent.rfind("hangs"));   // once
    d.worker->stop();
    CHECK(d.entry("hangs").state == delivery_state::delivered);
    CHECK(d.entry("behind it").state == delivery_state::delivered);
    CHECK(d.slack.count() == 5);   // each once
}

TEST_CASE("with parallel channels, a channel whose task ends while a round reads the heads is not sent twice")
{
    auto o = test_options();
    o.parallel_channels = 2;
    gate slow_platform;
    desk d{o};
    heads_hook_outbox box{*d.store};
    auto worker = std::make_unique<delivery_worker>(box, *d.store, d.clock, o, quiet_log());
    worker->add_sender(platform::slack, d.slack);
    open_at_exit opener{slow_platform};
    d.slack.while_sending = [&](const outbound_message& m) {
        if (m.text == "first")
            slow_platform.wait();
    };
    d.post("C1", "first");
    d.post("C1", "second");
    worker->start();
    REQUIRE(slow_platform.wait_for_a_send(5000ms));   // C1's task is under way
    // The next round reads both as pending; before it looks at them, C1's task sends
    // them and ends. Those heads are stale: the round must leave C1 alone.
    std::promise<bool> task_done;
    box.after_heads = [&] {   // on the worker's thread: no REQUIRE here
        slow_platform.open();
        task_done.set_value(d.wait_until("second", delivery_state::delivered, 5000ms));
    };
    auto done = task_done.get_future();
    worker->wake();
    REQUIRE(done.wait_for(5000ms) == std::future_status::ready);   // that round has run
    CHECK(done.get());
    worker->stop();
    CHECK(d.slack.sent() == "first | second");
}

TEST_CASE("with parallel channels, a send that throws is logged and the others go on")
{
    auto o = test_options();
    o.parallel_channels = 2;
    desk d{o};
    d.slack.while_sending = [&](const outbound_message& m) {
        if (m.text == "throws")
            throw std::runtime_error("the platform's client broke");
    };
    d.post("C1", "throws");
    d.post("C2", "goes");
    auto const round = d.run();   // returns: the task's channel is marked done
    CHECK(round.delivered == 1);
    CHECK(d.entry("goes").state == delivery_state::delivered);
    CHECK(d.entry("throws").state == delivery_state::pending);

    d.slack.while_sending = nullptr;
    d.run();   // looked up (not there), then sent
    CHECK(d.entry("throws").state == delivery_state::delivered);
}

TEST_CASE("with parallel channels, stop() sends what is due elsewhere, then waits for the channels still sending")
{
    auto o = test_options();
    o.parallel_channels = 4;
    gate slow_platform;
    desk d{o};
    open_at_exit opener{slow_platform};
    d.slack.while_sending = [&](const outbound_message& m) {
        if (m.text == "hangs")
            slow_platform.wait();
    };
    d.post("C1", "hangs");
    d.worker->start();
    REQUIRE(slow_platform.wait_for_a_send(5000ms));
    d.post("C2", "queued at shutdown");   // nobody wakes the worker: stop() sends it
    d.post("C1", "behind the hang");      // and this once C1's send is done
    std::thread stopping([&] { d.worker->stop(); });
    // C2's last message goes out while C1 still hangs: one channel holds up only itself.
    bool const sent_meanwhile = d.wait_until("queued at shutdown", delivery_state::delivered, 5000ms);
    slow_platform.open();
    stopping.join();   // returns only once C1's send is done
    CHECK(sent_meanwhile);
    CHECK(d.entry("hangs").state == delivery_state::delivered);
    CHECK(d.entry("behind the hang").state == delivery_state::delivered);
    CHECK(d.slack.count() == 3);
}

TEST_CASE("with parallel channels, a round run by hand waits for every channel and counts them all")
{
    auto o = test_options();
    o.parallel_channels = 3;
    desk d{o};
    d.post("C1", "one");
    d.post("C2", "two");
    d.post("C1", "three");
    d.post("C3", "refused");
    d.post("C4", "limited");
    d.post("C4", "behind the limit");
    d.slack.on("refused", refused());
    d.slack.on("limited", retry(30s));

    auto const round = d.run();
    CHECK(round.delivered == 3);
    CHECK(round.failed == 1);
    CHECK(round.retried == 1);
    CHECK(round.held == 1);
    CHECK(d.entry("three").state == delivery_state::delivered);
    CHECK(d.entry("refused").state == delivery_state::failed);
    CHECK(d.entry("behind the limit").attempts == 0);
    auto const sent = d.slack.sent();
    CHECK(sent.find("one") < sent.find("three"));   // a channel's messages stay in order

    // A channel that must wait is not handed to a sending thread: it counts as held.
    d.slack.forget();
    d.clock.advance(5s);
    auto const waiting = d.run();
    CHECK(d.slack.sent().empty());
    CHECK(waiting.held == 2);
    d.clock.advance(25s);
    CHECK(d.run().delivered == 2);
    CHECK(d.slack.sent() == "limited | behind the limit");
}

}  // TEST_SUITE

TEST_SUITE("delivery worker: messages in doubt")
{

TEST_CASE("a message sent just before a crash, its mark lost, is found on the platform and not sent again")
{
    desk d;
    d.open_case(1);
    d.post("C-AGENTS", "New case #1");
    {
        mark_failing_outbox crashing{*d.store};
        delivery_worker before_crash{crashing, *d.store, d.clock, d.options, quiet_log()};
        before_crash.add_sender(platform::slack, d.slack);
        before_crash.run_once();   // the card goes out; marking it fails, which ends the round
    }
    CHECK(d.slack.sent() == "card of #1");
    auto const card = d.entry("card of #1");
    CHECK(card.state == delivery_state::pending);
    CHECK(card.in_doubt_since == d.clock.now());

    // The restarted worker looks the card up before anything else of its channel goes.
    d.clock.advance(1s);
    d.slack.forget();
    auto const round = d.run();
    CHECK(d.slack.sent() == "New case #1");
    CHECK(d.slack.lookups() == 1);
    CHECK(round.delivered == 2);
    CHECK(d.entry("card of #1").state == delivery_state::delivered);
    CHECK_FALSE(d.entry("card of #1").in_doubt_since.has_value());
    // The card found teaches the case its thread, as a card marked at once would have.
    CHECK(d.store->find(1).value()->origin.thread == "ref-card of #1");
}

TEST_CASE("a send whose answer was lost is looked up before it is tried again")
{
    desk d;
    d.post("C1", "hello");

    SUBCASE("the platform had posted it: marked delivered, not sent again")
    {
        d.slack.on("hello", lost_answer("1700000000.000100"));
        CHECK(d.run().retried == 1);
        CHECK(d.entry("hello").in_doubt_since == d.clock.now());
        CHECK(d.slack.lookups() == 0);
        d.clock.advance(5s);
        CHECK(d.run().delivered == 1);
        CHECK(d.slack.sent() == "hello");
        CHECK(d.slack.lookups() == 1);
        CHECK(d.entry("hello").state == delivery_state::delivered);
    }
    SUBCASE("the platform had not: sent once more, and then settled")
    {
        d.slack.on("hello", no_answer());
        d.run();
        d.clock.advance(5s);
        CHECK(d.run().delivered == 1);
        CHECK(d.slack.sent() == "hello | hello");
        CHECK(d.slack.lookups() == 1);
        auto const e = d.entry("hello");
        CHECK(e.state == delivery_state::delivered);
        CHECK_FALSE(e.in_doubt_since.has_value());
    }
    SUBCASE("a look-up the platform cannot answer now waits; one it can never answer sends again")
    {
        d.slack.on("hello", no_answer());
        d.run();
        d.slack.on_lookup({earlier_attempt::kind::ask_later, "", 30s, "ratelimited"});
        d.clock.advance(5s);
        CHECK(d.run().retried == 1);
        CHECK(d.slack.sent() == "hello");
        auto const waiting = d.entry("hello");
        CHECK(waiting.in_doubt_since.has_value());   // still in doubt
        CHECK(waiting.attempts == 2);
        CHECK(waiting.next_attempt_at == d.clock.now() + 30s);
        d.slack.on_lookup({earlier_attempt::kind::unknowable, "", std::nullopt, "cannot be asked"});
        d.clock.advance(30s);
        CHECK(d.run().delivered == 1);
        CHECK(d.slack.sent() == "hello | hello");
        CHECK(d.slack.lookups() == 2);
    }
}

TEST_CASE("a send in doubt is looked up only once it could no longer be landing")
{
    auto o = test_options();
    o.settle_in_doubt_after = 30s;
    desk d{o};
    d.post("C1", "hello");
    d.post("C1", "after it");
    d.slack.on("hello", lost_answer("1700000000.000100"));   // a slow platform: it lands later
    d.run();
    auto const attempt = d.clock.now();

    // A restart right away, or the retry's backoff over: still too early to look.
    for (auto wait : {1s, 5s, 29s}) {
        d.clock.set(attempt + wait);
        auto const round = d.run();
        CHECK(d.slack.lookups() == 0);
        CHECK(round.held == 2);   // it and the message behind it
    }
    CHECK(d.slack.sent() == "hello");   // and the channel's later message waits behind it

    d.clock.set(attempt + 30s);
    d.run();
    CHECK(d.slack.lookups() == 1);
    CHECK(d.entry("hello").state == delivery_state::delivered);
    CHECK(d.slack.sent() == "hello | after it");
}

TEST_CASE("a refusal settles a send: its next attempt is not looked up")
{
    desk d;
    d.post("C1", "hello");
    d.slack.on("hello", retry(5s));   // ratelimited: Slack did nothing
    d.run();
    CHECK_FALSE(d.entry("hello").in_doubt_since.has_value());
    d.clock.advance(5s);
    CHECK(d.run().delivered == 1);
    CHECK(d.slack.sent() == "hello | hello");
    CHECK(d.slack.lookups() == 0);
}

TEST_CASE("past max_attempts a message in doubt is still looked up before it is sent again")
{
    auto o = test_options();
    o.max_attempts = 3;
    desk d{o};
    d.post("C1", "hello");

    SUBCASE("look-ups that fail are asked again later, never answered by a blind send")
    {
        d.slack.on("hello", no_answer());
        d.run();   // attempt 1: no answer
        for (int i = 0; i < 4; ++i) {
            d.slack.on_lookup({earlier_attempt::kind::ask_later, "", std::nullopt, "internal_error"});
            d.clock.advance(20s);
            d.run();   // attempts 2 to 5: the look-up fails
        }
        CHECK(d.slack.sent() == "hello");
        CHECK(d.entry("hello").state == delivery_state::pending);
        d.clock.advance(20s);
        CHECK(d.run().delivered == 1);   // the look-up works: not there, so sent
        CHECK(d.slack.sent() == "hello | hello");
        CHECK(d.slack.lookups() == 5);
    }
    SUBCASE("the post had arrived: the last attempt finds it and sends nothing")
    {
        d.slack.on("hello", no_answer());
        d.run();   // attempt 1
        d.slack.on("hello", lost_answer("1700000000.000100"));
        d.clock.advance(5s);
        d.run();   // attempt 2: looked up (absent), sent, the answer lost
        d.clock.advance(10s);
        CHECK(d.run().delivered == 1);   // attempt 3, the last: found
        CHECK(d.slack.sent() == "hello | hello");
        CHECK(d.slack.lookups() == 2);
        CHECK(d.entry("hello").state == delivery_state::delivered);
    }
}

}  // TEST_SUITE
