#pragma once
// Chat platforms give a webhook a few seconds to answer (Slack 3 s, Teams 5 s).
// run_within_budget does the work on a worker pool and answers with its result if
// it is quick enough; otherwise it answers a stand-in at the deadline and hands
// the real result, when it comes, to a follow-up (Slack's response_url, say).
#include "webhooks/http_server.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>

namespace bot::webhooks {

struct budget_plan {
    std::function<response()> work;                 // runs on the pool
    std::function<response()> stand_in;             // answered at the deadline if work is late
    std::function<void(response)> follow_up;        // gets work's late answer (may be empty: dropped)
};

// `pool` runs the work, `timers` the deadline.
void run_within_budget(boost::asio::any_io_executor pool, boost::asio::any_io_executor timers,
                       std::chrono::milliseconds budget, budget_plan plan, responder respond);

}  // namespace bot::webhooks
