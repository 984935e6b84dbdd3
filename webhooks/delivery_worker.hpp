#pragma once
// Drains the outbox to the chat platforms: oldest first and in order per channel,
// paced per channel, retried with exponential backoff, honouring a platform's
// Retry-After, and marked delivered once. Everything it knows lives in the outbox,
// so a restart resumes where it stopped. Each attempt is recorded before it is made:
// a message whose answer never came (a crash mid-send, a broken connection) is looked
// for on the platform before it is sent again, so it is not posted twice.
#include "bot/case_store.hpp"
#include "bot/clock.hpp"
#include "bot/outbox.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace boost::asio {
class thread_pool;
}
namespace spdlog {
class logger;
}

namespace bot::webhooks {

struct send_outcome {
    enum class kind {
        delivered,   // the platform accepted it
        retry,       // try again later (rate limit, server error, network)
        failed,      // the platform refused it for good (no such channel, …)
    };
    kind what = kind::delivered;
    std::string platform_ref;                         // the message's id on the platform
    std::optional<std::chrono::seconds> retry_after;  // the platform said when
    std::string error;
    // retry only: no answer came (the connection broke, a gateway answered 5xx), so
    // the platform may have taken the message after all.
    bool in_doubt = false;
    // retry only: the platform paced us (HTTP 429 with a Retry-After of a second or
    // more) and did nothing with the message: the attempt does not count toward
    // max_attempts, so a burst of rate limits gives nothing up and grows no backoff.
    bool rate_limited = false;
    // retry only: a refusal that only a person can lift in that one channel (invite the
    // bot, unarchive the channel), which may never happen: tried max_attempts times,
    // then marked failed (`casebot outbox --retry` sends it again). Every other retry
    // (rate limits, outages, a refused token) goes on until the platform accepts.
    bool gives_up = false;
    // delivered only: a card refresh that found the card gone and posted it anew;
    // platform_ref is the new card.
    bool new_card = false;
};

// Whether a platform's answer is a rate limit in send_outcome::rate_limited's sense:
// HTTP 429 with a Retry-After of a second or more (Slack's and Teams' senders alike).
inline bool is_rate_limit(int http_status, const std::optional<std::chrono::seconds>& retry_after)
{
    return http_status == 429 && retry_after && *retry_after > std::chrono::seconds{0};
}

// What the platform knows of an earlier attempt at a message whose answer never came.
struct earlier_attempt {
    enum class kind {
        arrived,      // the platform has it: `platform_ref` is its id there
        absent,       // it did not arrive: send it
        unknowable,   // the platform cannot be asked: send it again (it may show twice)
        ask_later,    // the platform could not answer now (rate limit, outage)
    };
    kind what = kind::unknowable;
    std::string platform_ref;
    std::optional<std::chrono::seconds> retry_after;
    std::string error;   // why it is unknowable, or why asking failed
};

// One per platform. `m.to.thread` is already the case's thread when the message
// belongs in it; `c` is the case as it is now (for cards), when there is one;
// `queued_at` is when the message entered the outbox (with m.id, it names the
// message for find_earlier()).
class message_sender {
public:
    virtual ~message_sender() = default;
    virtual send_outcome send(const outbound_message& m, const case_record* c, wall_time queued_at) = 0;
    // Whether the attempt at `m` made at `attempted_at`, whose answer never came,
    // reached the platform. A platform that cannot tell answers unknowable, and the
    // message is sent again.
    virtual earlier_attempt find_earlier(const outbound_message& m, wall_time queued_at, wall_time attempted_at);
};

struct delivery_options {
    std::chrono::seconds first_retry{5};      // the backoff starts here and doubles
    std::chrono::seconds max_retry{15 * 60};  // and stops growing here
    // After this many attempts a message still not accepted is logged as an error at
    // each retry, and one refused for its channel (send_outcome::gives_up) is marked failed.
    // Rate limits (send_outcome::rate_limited) are not counted.
    int max_attempts = 20;
    std::size_t per_channel = 20;             // messages read per channel per round (its queue's head)
    std::chrono::milliseconds channel_interval{1000};   // one message per channel per interval…
    int channel_burst = 3;                    // …after a short burst
    std::chrono::milliseconds idle_poll{1000};          // how often an idle worker looks anyway
    std::chrono::milliseconds held_gap{100};            // least time between rounds that send nothing
    // A send whose answer was lost (a crash mid-send, a broken connection, a timeout) may
    // still land for as long as the platform takes with it: it is looked up only once
    // this long has passed since the attempt, or the look-up could miss it and send it
    // twice. Longer than the HTTP client's connect and request timeouts together.
    std::chrono::seconds settle_in_doubt_after{30};
    // After stop(), new sends start only this long: a platform that answers slowly
    // (or not at all, each send taking its timeout) cannot stretch a shutdown past a
    // service manager's patience. What is left waits in the outbox for the next start.
    std::chrono::milliseconds shutdown_drain{5000};
    // How many channels are sent to at once, each on a thread of its own, so that a
    // channel whose platform answers slowly (every post taking the HTTP client's
    // timeout) holds up only itself. 1: one channel after another on the round's own
    // thread, oldest message first across all channels (what tests and the demo,
    // which print in order, want).
    int parallel_channels = 1;
};

struct delivery_round {
    std::size_t delivered = 0;
    std::size_t retried = 0;
    std::size_t failed = 0;
    std::size_t held = 0;    // waiting for their channel (pacing, order, Retry-After)

    delivery_round& operator+=(const delivery_round& other) noexcept
    {
        delivered += other.delivered;
        retried += other.retried;
        failed += other.failed;
        held += other.held;
        return *this;
    }
};

class delivery_worker {
public:
    delivery_worker(bot::outbox& box, bot::case_store& cases, const bot::clock& clock, delivery_options options,
                    std::shared_ptr<spdlog::logger> log);
    ~delivery_worker();
    delivery_worker(const delivery_worker&) = delete;
    delivery_worker& operator=(const delivery_worker&) = delete;

    // Messages for `where` go through `sender` (which must outlive the worker).
    void add_sender(platform where, message_sender& sender);

    // One round over what is due now.
    delivery_round run_once();

    // Runs rounds on a thread of its own until stop(): after each round it sleeps until
    // woken, until pacing allows more, or for idle_poll. With parallel_channels > 1 a
    // round starts each due channel's sends on the sending threads and does not wait
    // for them; a channel still sending is skipped until it is done.
    void start();
    // Lets the current round finish, then sends once more whatever is due (so messages a
    // shutdown's last commands queued still go out; a channel still sending is left to
    // its task), waits for the channels still sending, then stops; no send starts later
    // than shutdown_drain after the call. Idempotent.
    void stop();
    // New messages were enqueued.
    void wake();

private:
    using channel_key = std::pair<platform, std::string>;
    struct channel_pace {
        double tokens = 0;
        mono_time refilled{};
        mono_time blocked_until{};   // Retry-After
    };
    // What one round has learned so far.
    struct round_state {
        wall_time now;
        delivery_round round{};
        std::set<channel_key> held{};   // channels whose later messages wait
        std::size_t started = 0;        // channels handed to the sending threads, not waited for
    };
    // A round: `wait` false only for the worker's own thread with parallel_channels > 1.
    round_state round(bool wait);
    // Hands each channel of `heads` with something due to the sending threads (one task
    // per channel, which sends its messages in order), and waits for them if `wait`.
    // `sending`: the channels a task had when the heads were read; they are skipped.
    void send_in_parallel(const std::vector<outbox_entry>& heads, const std::set<channel_key>& sending,
                          round_state& state, bool wait);
    // Sends what it can of `queue` (channel heads); false when storage trouble ends the round.
    bool deliver(const std::vector<outbox_entry>& queue, round_state& state);
    // For a message in doubt: the outcome the platform's memory of it settles, if it does
    // (it arrived: delivered; asking failed: retry), or nothing when it must be sent.
    std::optional<send_outcome> settle_earlier(const outbox_entry& e, const outbound_message& m,
                                               message_sender& sender);
    // Records what became of one attempt; false when storage trouble ends the round.
    bool record(const outbox_entry& e, const send_outcome& outcome, channel_pace& pace, round_state& state);
    channel_pace& pace_for(const channel_key& channel);
    double tokens_at(const channel_pace& pace, mono_time now) const;
    // Whether the channel may send now (no Retry-After, a token left); take_token() also spends it.
    bool may_send(const channel_pace& pace, mono_time now) const;
    bool take_token(channel_pace& pace, mono_time now);
    // Whether `e` must wait: its retry is not due, or a send in doubt is still settling.
    bool must_wait(const outbox_entry& e, wall_time now) const;
    std::chrono::seconds backoff(int attempts) const;

    bot::outbox& box_;
    bot::case_store& cases_;
    const bot::clock& clock_;
    delivery_options options_;
    std::shared_ptr<spdlog::logger> log_;
    std::map<platform, message_sender*> senders_;
    std::mutex paces_mutex_;   // guards the map, not its values: a channel's pace is used by one thread at a time
    std::map<channel_key, channel_pace> paces_;

    std::mutex round_mutex_;   // one round at a time (the thread, stop(), a caller's run_once)
    std::mutex mutex_;
    std::condition_variable woken_;
    bool wake_pending_ = false;
    bool stopping_ = false;
    // Set by stop(): sends may start until drain_until_ (written before draining_).
    std::atomic<bool> draining_{false};
    mono_time drain_until_{};
    std::set<channel_key> in_flight_;     // guarded by mutex_: channels a sending thread has
    std::condition_variable settled_;     // notified when in_flight_ becomes empty
    std::thread thread_;
    std::unique_ptr<boost::asio::thread_pool> sending_;   // parallel_channels > 1 only; last: joined first
};

}  // namespace bot::webhooks
