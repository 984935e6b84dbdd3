#include "webhooks/budget.hpp"

#include "webhooks/http_responses.hpp"

#include <boost/asio/post.hpp>

#include <atomic>
#include <exception>
#include <utility>
#include <vector>

namespace bot::webhooks {

// One request's race between its work and its deadline.
struct budget_race {
    std::atomic<bool> answered{false};
    budget_plan plan;
    responder respond;
    std::unique_ptr<boost::asio::steady_timer> timer;   // the per-request variant only

    // True for whoever comes first: the work or the deadline.
    bool claim() noexcept { return !answered.exchange(true); }

    // The work's answer: to the client if it is first, else to the follow-up.
    void finish(response answer)
    {
        if (claim()) {
            respond(std::move(answer));
            // The deadline's side may hold this race a while longer: let go of the
            // request's data now (the deadline only ever looks at `answered` again).
            plan = {};
            respond = nullptr;
        } else if (plan.follow_up) {
            plan.follow_up(std::move(answer));
        }
    }

    void answer_late()
    {
        if (claim())
            respond(answer_or_500(plan.stand_in));
    }
};

void run_within_budget(boost::asio::any_io_executor pool, boost::asio::any_io_executor timers,
                       std::chrono::milliseconds budget, budget_plan plan, responder respond)
{
    auto state = std::make_shared<budget_race>();
    state->plan = std::move(plan);
    state->respond = std::move(respond);
    state->timer = std::make_unique<boost::asio::steady_timer>(timers, budget);
    state->timer->async_wait([state](boost::system::error_code ec) {
        if (!ec)
            state->answer_late();
    });
    boost::asio::post(pool, [state] {
        auto answer = answer_or_500(state->plan.work);
        if (!state->answered.load())
            boost::asio::post(state->timer->get_executor(), [state] { state->timer->cancel(); });
        state->finish(std::move(answer));
    });
}

answer_deadlines::answer_deadlines(boost::asio::any_io_executor timers, std::chrono::milliseconds budget)
    : timer_(std::move(timers)), budget_(budget)
{
}

void answer_deadlines::watch(std::shared_ptr<budget_race> race)
{
    auto const deadline = std::chrono::steady_clock::now() + budget_;
    bool start_timer = false;
    {
        std::lock_guard lock{mutex_};
        // Answers mostly come in order: drop the answered ones at the front now, so
        // the queue holds about the requests in flight, not a whole budget's worth.
        while (!queue_.empty() && queue_.front().race->answered.load(std::memory_order_relaxed))
            queue_.pop_front();
        queue_.push_back({deadline, std::move(race)});
        start_timer = !std::exchange(armed_, true);
    }
    if (start_timer)
        boost::asio::post(timer_.get_executor(), [this] { arm(); });
}

std::size_t answer_deadlines::watched() const
{
    std::lock_guard lock{mutex_};
    return queue_.size();
}

void answer_deadlines::arm()
{
    std::lock_guard lock{mutex_};
    if (queue_.empty()) {
        armed_ = false;
        return;
    }
    timer_.expires_at(queue_.front().deadline);
    timer_.async_wait([this](boost::system::error_code ec) { on_timer(ec); });
}

void answer_deadlines::on_timer(boost::system::error_code ec)
{
    if (ec)
        return;  // cancelled: the io_context is going away
    std::vector<std::shared_ptr<budget_race>> late;
    {
        std::lock_guard lock{mutex_};
        auto const now = std::chrono::steady_clock::now();
        while (!queue_.empty() && queue_.front().deadline <= now) {
            if (!queue_.front().race->answered.load())
                late.push_back(std::move(queue_.front().race));
            queue_.pop_front();
        }
    }
    for (auto& r : late)
        r->answer_late();
    arm();
}

void run_within_budget(answer_deadlines& deadlines, const work_starter& start, budget_plan plan, responder respond)
{
    auto state = std::make_shared<budget_race>();
    state->plan = std::move(plan);
    state->respond = std::move(respond);
    auto work = std::move(state->plan.work);   // the race never runs it: the starter does
    deadlines.watch(state);
    start(std::move(work), [state](response answer) { state->finish(std::move(answer)); });
}

}  // namespace bot::webhooks
