#include "webhooks/delivery_worker.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <set>
#include <utility>

namespace bot::webhooks {
namespace {
using std::chrono::seconds;

// "message #33 (case_card of case #5) to slack C0ACME": the outbox number, which
// `casebot outbox` lists, and the case an operator knows.
std::string describe(const outbound_message& m)
{
    auto const of_case = m.case_ref ? fmt::format(" of case #{}", *m.case_ref) : std::string{};
    return fmt::format("message #{} ({}{}) to {} {}", m.id, m.kind, of_case, to_string(m.to.where), m.to.channel);
}
}  // namespace

earlier_attempt message_sender::find_earlier(const outbound_message&, wall_time, wall_time)
{
    return {earlier_attempt::kind::unknowable, "", std::nullopt, "this platform cannot be asked"};
}

delivery_worker::delivery_worker(bot::outbox& box, bot::case_store& cases, const bot::clock& clock,
                                 delivery_options options, std::shared_ptr<spdlog::logger> log)
    : box_(box), cases_(cases), clock_(clock), options_(options), log_(std::move(log))
{
    if (!log_)
        log_ = spdlog::default_logger();
    if (options_.parallel_channels > 1)
        sending_ = std::make_unique<boost::asio::thread_pool>(static_cast<std::size_t>(options_.parallel_channels));
}

delivery_worker::~delivery_worker()
{
    stop();
}

void delivery_worker::add_sender(platform where, message_sender& sender)
{
    senders_[where] = &sender;
}

delivery_worker::channel_pace& delivery_worker::pace_for(const channel_key& channel)
{
    std::lock_guard lock{paces_mutex_};
    return paces_[channel];   // a map's elements stay where they are as it grows
}

double delivery_worker::tokens_at(const channel_pace& pace, mono_time now) const
{
    auto const interval = std::chrono::duration<double>(options_.channel_interval).count();
    if (pace.refilled == mono_time{} || interval <= 0)
        return options_.channel_burst;
    return std::min<double>(options_.channel_burst,
                            pace.tokens + std::chrono::duration<double>(now - pace.refilled).count() / interval);
}

bool delivery_worker::may_send(const channel_pace& pace, mono_time now) const
{
    return now >= pace.blocked_until && tokens_at(pace, now) >= 1.0;
}

bool delivery_worker::take_token(channel_pace& pace, mono_time now)
{
    if (!may_send(pace, now))
        return false;
    pace.tokens = tokens_at(pace, now) - 1.0;
    pace.refilled = now;
    return true;
}

bool delivery_worker::must_wait(const outbox_entry& e, wall_time now) const
{
    return e.next_attempt_at > now || (e.in_doubt_since && now < *e.in_doubt_since + options_.settle_in_doubt_after);
}

seconds delivery_worker::backoff(int attempts) const
{
    auto delay = options_.first_retry;
    for (int i = 0; i < attempts && delay < options_.max_retry; ++i)
        delay *= 2;
    return std::min(delay, options_.max_retry);
}

delivery_round delivery_worker::run_once()
{
    return round(true).round;
}

delivery_worker::round_state delivery_worker::round(bool wait)
{
    std::lock_guard one_at_a_time{round_mutex_};
    round_state state{clock_.now()};
    // Channels being sent by a task as the heads are read: their heads may be stale by
    // the time the round looks at them (the task may have sent them since), so this
    // round leaves them alone even if the task is done by then. A channel not sending
    // now cannot start until this round starts it.
    std::set<channel_key> sending;
    if (sending_) {
        std::lock_guard lock{mutex_};
        sending = in_flight_;
    }
    // The head of each channel's queue, due or not: a message waiting for its retry
    // holds back the later messages of its channel, so a conversation never arrives
    // out of order, and no channel's backlog keeps another channel waiting. A channel
    // sends at most its pacing burst per round, so its head is all a round needs.
    auto const heads = box_.channel_heads(options_.per_channel);
    if (!heads) {
        log_->error("delivery: cannot read the outbox: {}", heads.error().message());
        return state;
    }
    if (sending_)
        send_in_parallel(*heads, sending, state, wait);
    else
        deliver(*heads, state);
    return state;
}

void delivery_worker::send_in_parallel(const std::vector<outbox_entry>& heads, const std::set<channel_key>& sending,
                                       round_state& state, bool wait)
{
    // One queue per channel, in the order of each channel's oldest message.
    std::vector<std::vector<outbox_entry>> queues;
    std::map<channel_key, std::size_t> queue_of;
    for (auto const& e : heads) {
        auto const [at, fresh] = queue_of.try_emplace({e.message.to.where, e.message.to.channel}, queues.size());
        if (fresh)
            queues.emplace_back();
        queues[at->second].push_back(e);
    }
    // The tasks this round waits for, when it does.
    struct waited_tasks {
        std::mutex mutex;
        std::condition_variable done;
        std::size_t left = 0;
        delivery_round sum{};
    };
    auto const tasks = std::make_shared<waited_tasks>();
    for (auto& queue : queues) {
        auto const& head = queue.front();
        channel_key channel{head.message.to.where, head.message.to.channel};
        // Nothing to start: the channel is still sending, or its head must wait (a retry,
        // a send in doubt settling, pacing). Starting a task only to learn that would cost
        // a thread hand-off per waiting channel per round. (A channel not in `sending`
        // can only be started by this round.)
        if (sending.contains(channel) || must_wait(head, state.now) ||
            !may_send(pace_for(channel), clock_.monotonic())) {
            state.round.held += queue.size();
            continue;
        }
        {
            std::lock_guard lock{mutex_};
            in_flight_.insert(channel);
        }
        if (wait) {
            std::lock_guard lock{tasks->mutex};
            ++tasks->left;
        }
        ++state.started;
        boost::asio::post(*sending_, [this, wait, tasks, channel = std::move(channel), queue = std::move(queue)] {
            round_state mine{clock_.now()};
            // A pool thread that throws ends the process (asio calls std::terminate), and
            // a channel never marked done would hang stop(): log it and carry on; the
            // outbox still holds whatever was not sent.
            try {
                deliver(queue, mine);
            } catch (const std::exception& ex) {
                log_->error("delivery: sending to {} {} failed: {}", to_string(channel.first), channel.second, ex.what());
            } catch (...) {
                log_->error("delivery: sending to {} {} failed", to_string(channel.first), channel.second);
            }
            // The channel is free before the round hears the task is done: a round run
            // right after run_once() returns must not find it still sending.
            {
                std::lock_guard lock{mutex_};
                in_flight_.erase(channel);
                if (in_flight_.empty())
                    settled_.notify_all();
            }
            if (wait) {
                std::lock_guard lock{tasks->mutex};
                tasks->sum += mine.round;
                if (--tasks->left == 0)
                    tasks->done.notify_all();
            }
            // The channel may have more to send now (its head was longer than a round
            // reads, or a message queued meanwhile): look again.
            if (!wait && mine.round.delivered + mine.round.retried + mine.round.failed > 0)
                wake();
        });
    }
    if (!wait)
        return;
    std::unique_lock lock{tasks->mutex};
    tasks->done.wait(lock, [&] { return tasks->left == 0; });
    state.started = 0;   // waited for: their counts are the round's
    state.round += tasks->sum;
}

bool delivery_worker::deliver(const std::vector<outbox_entry>& queue, round_state& state)
{
    auto const now = state.now;
    auto& round = state.round;
    auto& held = state.held;
    // A card refreshed several times in one round is sent once, in its latest state.
    std::map<case_id, std::int64_t> last_card_update;
    for (auto const& e : queue)
        if (e.message.kind == "card_update" && e.message.case_ref)
            last_card_update[*e.message.case_ref] = e.message.id;

    for (auto const& e : queue) {
        auto m = e.message;
        auto const channel = std::make_pair(m.to.where, m.to.channel);
        if (held.contains(channel)) {
            ++round.held;
            continue;
        }
        if (must_wait(e, now)) {
            held.insert(channel);
            ++round.held;
            continue;
        }
        // An earlier refresh is superseded by the case's last, unless it is in doubt: it
        // may have posted a card anew, which must be looked up before anything else.
        if (m.kind == "card_update" && m.case_ref && last_card_update[*m.case_ref] != m.id && !e.in_doubt_since) {
            (void)box_.delivered(m.id, now, "superseded");
            continue;
        }
        auto sender = senders_.find(m.to.where);
        if (sender == senders_.end()) {
            log_->error("delivery: no sender for {}: {} marked failed", to_string(m.to.where), describe(m));
            (void)box_.failed(m.id, now, "no sender for this platform");
            ++round.failed;
            continue;
        }
        auto& pace = pace_for(channel);
        if (!take_token(pace, clock_.monotonic())) {
            held.insert(channel);
            ++round.held;
            continue;
        }
        std::optional<case_record> c;
        if (m.case_ref) {
            auto found = cases_.find(*m.case_ref);
            if (!found) {
                log_->error("delivery: cannot read case #{}: {}", *m.case_ref, found.error().message());
                return false;   // storage trouble: try the whole round again later
            }
            c = std::move(*found);
        }
        // The case's thread may have become known since the message was queued.
        if (m.to.case_thread && c && c->origin.where == m.to.where && c->origin.channel == m.to.channel)
            m.to.thread = c->origin.thread;

        if (draining_.load(std::memory_order_acquire) && clock_.monotonic() >= drain_until_) {
            log_->warn("delivery: stopping with messages still due (shutdown_drain is over); they go out at "
                       "the next start");
            return true;
        }
        auto outcome = e.in_doubt_since ? settle_earlier(e, m, *sender->second) : std::nullopt;
        if (!outcome) {
            // Recorded first: if the process stops before the answer is marked, the
            // next round knows this message may have arrived.
            if (auto ok = box_.attempting(m.id, clock_.now()); !ok) {
                log_->error("delivery: cannot record the attempt at {}: {}", describe(m), ok.error().message());
                return false;
            }
            outcome = sender->second->send(m, c ? &*c : nullptr, e.created_at);
        }
        if (!record(e, *outcome, pace, state))
            return false;
    }
    return true;
}

std::optional<send_outcome> delivery_worker::settle_earlier(const outbox_entry& e, const outbound_message& m,
                                                           message_sender& sender)
{
    auto const earlier = sender.find_earlier(m, e.created_at, *e.in_doubt_since);
    switch (earlier.what) {
    case earlier_attempt::kind::arrived: {
        log_->info("delivery: {} had arrived (its answer was lost); marked delivered, not sent again", describe(m));
        send_outcome out{send_outcome::kind::delivered, earlier.platform_ref, std::nullopt, ""};
        // A card refresh is found only as a card posted anew: an update in place leaves
        // nothing to find.
        out.new_card = m.kind == "card_update";
        return out;
    }
    case earlier_attempt::kind::absent:
        log_->info("delivery: {} had not arrived; sending it", describe(m));
        return std::nullopt;
    case earlier_attempt::kind::unknowable:
        // A card refresh only sets the same content again: nothing to warn about.
        log_->log(m.kind == "card_update" ? spdlog::level::debug : spdlog::level::warn,
                  "delivery: cannot tell whether {} arrived ({}); sending it again", describe(m), earlier.error);
        return std::nullopt;
    case earlier_attempt::kind::ask_later:
        // Nothing is lost by asking again later (messages are never given up for an
        // outage), while sending blind could show it twice.
        break;
    }
    return send_outcome{send_outcome::kind::retry, "", earlier.retry_after,
                        "cannot tell whether the last attempt arrived: " + earlier.error, true};
}

bool delivery_worker::record(const outbox_entry& e, const send_outcome& outcome, channel_pace& pace,
                             round_state& state)
{
    auto const& m = e.message;
    auto const now = state.now;
    auto& round = state.round;
    switch (outcome.what) {
    case send_outcome::kind::delivered: {
        auto const ok = outcome.new_card ? box_.delivered_as_new_card(m.id, clock_.now(), outcome.platform_ref)
                                         : box_.delivered(m.id, clock_.now(), outcome.platform_ref);
        if (!ok) {
            log_->error("delivery: sent {} but cannot mark it: {}", describe(m), ok.error().message());
            return false;
        }
        ++round.delivered;
        log_->debug("delivery: sent {}", describe(m));
        break;
    }
    case send_outcome::kind::retry: {
        // Rate-limited, the platform only paced us: that attempt is no failure of the
        // message and does not count toward max_attempts (it is still loud past them).
        bool const counted = !outcome.rate_limited;
        auto const attempts = e.attempts + (counted ? 1 : 0);
        bool const many = attempts >= options_.max_attempts;
        if (many && counted && outcome.gives_up) {
            (void)box_.failed(m.id, now, outcome.error);
            log_->error("delivery: gave up on {} after {} attempts: {} (`casebot outbox --retry {}` sends it again "
                        "once that is fixed)",
                        describe(m), attempts, outcome.error, m.id);
            ++round.failed;
            break;
        }
        state.held.insert({m.to.where, m.to.channel});   // later messages of this channel wait for this one
        auto const wait = outcome.retry_after ? *outcome.retry_after : backoff(e.attempts);
        if (outcome.retry_after)
            pace.blocked_until = clock_.monotonic() + *outcome.retry_after;
        (void)box_.retry_later(m.id, now + wait, outcome.error, outcome.in_doubt, counted);
        // Nothing is dropped for an outage or a refused token; past max_attempts it is loud.
        log_->log(many ? spdlog::level::err : spdlog::level::warn, "delivery: {} not accepted ({}){}; retrying in {}s",
                  describe(m), outcome.error,
                  many ? fmt::format(" after {} attempts, still waiting in the outbox", attempts) : "",
                  wait.count());
        ++round.retried;
        break;
    }
    case send_outcome::kind::failed:
        (void)box_.failed(m.id, now, outcome.error);
        log_->error("delivery: {} refused for good: {} (`casebot outbox --retry {}` sends it again)", describe(m),
                    outcome.error, m.id);
        ++round.failed;
        break;
    }
    return true;
}

void delivery_worker::start()
{
    std::lock_guard lock{mutex_};
    if (thread_.joinable())
        return;
    stopping_ = false;
    thread_ = std::thread([this] {
        for (;;) {
            auto const state = round(false);   // in parallel, a channel's task wakes the worker when done
            auto const& counts = state.round;
            std::unique_lock guard{mutex_};
            if (stopping_)
                break;
            // Held messages wait for pacing: look again soon, not after a full idle poll.
            auto const nap = counts.held > 0 ? std::min(options_.idle_poll, options_.channel_interval)
                                             : options_.idle_poll;
            // A round that could send nothing because its channels wait: messages queued
            // meanwhile most likely join those queues, so a burst of wakes (one per
            // queued message) costs one round per held_gap, not one round each.
            if (counts.held > 0 && counts.delivered + counts.retried + counts.failed + state.started == 0)
                woken_.wait_for(guard, std::min(options_.held_gap, nap), [this] { return stopping_; });
            woken_.wait_for(guard, nap, [this] { return wake_pending_ || stopping_; });
            wake_pending_ = false;
            if (stopping_)
                break;
        }
    });
}

void delivery_worker::stop()
{
    {
        std::lock_guard lock{mutex_};
        if (!thread_.joinable())
            return;
        stopping_ = true;
        drain_until_ = clock_.monotonic() + options_.shutdown_drain;
        draining_.store(true, std::memory_order_release);
    }
    woken_.notify_all();
    thread_.join();
    // What the last requests queued goes out now, within shutdown_drain (a pacing hold
    // waits for the restart). A channel still sending is left to its task, so one that
    // hangs keeps no other channel's last messages from going out.
    run_once();
    {
        // Then those tasks finish (no send starts past shutdown_drain)…
        std::unique_lock lock{mutex_};
        settled_.wait(lock, [this] { return in_flight_.empty(); });
    }
    // …and their channels' later messages go out too, while the drain allows.
    run_once();
}

void delivery_worker::wake()
{
    {
        std::lock_guard lock{mutex_};
        // Already woken: under load every command calls this, and each notification
        // would cost the worker a wake-up (even while it waits out held_gap).
        if (std::exchange(wake_pending_, true))
            return;
    }
    woken_.notify_all();
}

}  // namespace bot::webhooks
