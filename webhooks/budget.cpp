#include "webhooks/budget.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include <exception>
#include <memory>
#include <mutex>

namespace bot::webhooks {
namespace {
response guarded(const std::function<response()>& make)
{
    try {
        return make();
    } catch (const std::exception& e) {
        spdlog::error("webhooks: request failed: {}", e.what());
    } catch (...) {
        spdlog::error("webhooks: request failed with an unknown exception");
    }
    response res{boost::beast::http::status::internal_server_error, 11};
    res.set(boost::beast::http::field::content_type, "text/plain");
    res.body() = "internal error\n";
    res.prepare_payload();
    return res;
}

struct race {
    std::mutex mutex;
    bool answered = false;
    budget_plan plan;
    responder respond;
    std::unique_ptr<boost::asio::steady_timer> timer;

    // True for whoever comes first: the work or the deadline.
    bool claim()
    {
        std::lock_guard lock{mutex};
        return !std::exchange(answered, true);
    }
};
}  // namespace

void run_within_budget(boost::asio::any_io_executor pool, boost::asio::any_io_executor timers,
                       std::chrono::milliseconds budget, budget_plan plan, responder respond)
{
    auto state = std::make_shared<race>();
    state->plan = std::move(plan);
    state->respond = std::move(respond);
    state->timer = std::make_unique<boost::asio::steady_timer>(timers, budget);
    state->timer->async_wait([state](boost::system::error_code ec) {
        if (ec || !state->claim())
            return;
        state->respond(guarded(state->plan.stand_in));
    });
    boost::asio::post(pool, [state] {
        // A bug in the work must cost one request a 500, never the whole server.
        auto answer = guarded(state->plan.work);
        if (state->claim()) {
            boost::asio::post(state->timer->get_executor(), [state] { state->timer->cancel(); });
            state->respond(std::move(answer));
        } else if (state->plan.follow_up) {
            state->plan.follow_up(std::move(answer));
        }
    });
}

}  // namespace bot::webhooks
