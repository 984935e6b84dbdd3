#pragma once
// Chat platforms give a webhook a few seconds to answer (Slack 3 s, Teams 5 s).
// run_within_budget starts the work and answers with its result if it is quick
// enough; otherwise it answers a stand-in at the deadline and hands the real
// result, when it comes, to a follow-up (Slack's response_url, say).
#include "webhooks/http_server.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace bot::webhooks {

struct budget_plan {
    std::function<response()> work;                 // the real answer
    std::function<response()> stand_in;             // answered at the deadline if work is late
    std::function<void(response)> follow_up;        // gets work's late answer (may be empty: dropped)
};

// The work runs on `pool`, the deadline on `timers` (a timer per request).
void run_within_budget(boost::asio::any_io_executor pool, boost::asio::any_io_executor timers,
                       std::chrono::milliseconds budget, budget_plan plan, responder respond);

struct budget_race;  // budget.cpp

// The deadlines of many requests with the same budget, on one timer: deadlines then
// come in the order the requests arrive, so a queue in that order replaces arming
// and cancelling a timer per request (a cross-thread hand-off each, under load).
// Stand-ins are answered on `timers`' thread, within a millisecond or so of their
// deadline. Stop `timers` before destroying this object.
class answer_deadlines {
public:
    answer_deadlines(boost::asio::any_io_executor timers, std::chrono::milliseconds budget);
    answer_deadlines(const answer_deadlines&) = delete;
    answer_deadlines& operator=(const answer_deadlines&) = delete;

    std::chrono::milliseconds budget() const noexcept { return budget_; }

    // Watches `race`: answers its stand-in at the deadline unless it was answered by then.
    void watch(std::shared_ptr<budget_race> race);

    // Requests watched and not yet past their deadline or known answered (tests).
    std::size_t watched() const;

private:
    void arm();                                  // on the timers' thread
    void on_timer(boost::system::error_code ec);

    struct entry {
        std::chrono::steady_clock::time_point deadline;
        std::shared_ptr<budget_race> race;
    };
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds budget_;
    mutable std::mutex mutex_;   // guards queue_ and armed_
    std::deque<entry> queue_;    // by deadline
    bool armed_ = false;         // the timer is set (or being set) for the front
};

// How run_within_budget starts the work: it must call `done` with the answer exactly
// once, from any thread (command_batches::submit, say). `done` may then run the
// follow-up, so on a thread that must not block, the follow-up should post its I/O.
using work_starter = std::function<void(std::function<response()> work, std::function<void(response)> done)>;

// The same race, with the deadline kept by `deadlines` and the work started by `start`.
void run_within_budget(answer_deadlines& deadlines, const work_starter& start, budget_plan plan, responder respond);

}  // namespace bot::webhooks
