#include "webhooks/budget.hpp"  // first: proves the header is self-contained

#include "support/gate.hpp"
#include "webhooks/http_responses.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {
using namespace std::chrono_literals;
using bot::webhooks::budget_plan;
using bot::webhooks::response;
using bot::webhooks::run_within_budget;
using bot::webhooks::text_response;
namespace http = boost::beast::http;

// A worker pool for the work and an io_context on a thread of its own for the deadlines,
// as the server has them. finish() waits for all work and every pending timer.
class executors {
public:
    executors() : timer_thread_([this] { timers_.run(); }) {}
    ~executors() { finish(); }
    executors(const executors&) = delete;
    executors& operator=(const executors&) = delete;

    boost::asio::any_io_executor pool() { return pool_.get_executor(); }
    boost::asio::any_io_executor timers() { return timers_.get_executor(); }

    void finish()
    {
        pool_.join();
        guard_.reset();
        if (timer_thread_.joinable())
            timer_thread_.join();
    }

private:
    boost::asio::thread_pool pool_{2};
    boost::asio::io_context timers_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{timers_.get_executor()};
    std::thread timer_thread_;
};

using bot::test::gate;

// What a request's client got (responder) and what went to the follow-up, by request.
class answers {
public:
    bot::webhooks::responder responder(int request = 0)
    {
        return [this, request](response r) { add(responded_, request, std::move(r)); };
    }
    std::function<void(response)> follow_up(int request = 0)
    {
        return [this, request](response r) { add(followed_, request, std::move(r)); };
    }

    // Waits until `n` answers (or follow-ups) arrived in all; false after 5 s.
    bool wait_responses(std::size_t n) { return wait(responded_, n); }
    bool wait_follow_ups(std::size_t n) { return wait(followed_, n); }

    // Bodies, by request, as "a | b".
    std::string responses() { return bodies(responded_); }
    std::string follow_ups() { return bodies(followed_); }

    std::multimap<int, response> responses_by_request()
    {
        std::lock_guard lock{mutex_};
        return responded_;
    }
    std::multimap<int, response> follow_ups_by_request()
    {
        std::lock_guard lock{mutex_};
        return followed_;
    }

private:
    void add(std::multimap<int, response>& to, int request, response r)
    {
        {
            std::lock_guard lock{mutex_};
            to.emplace(request, std::move(r));
        }
        arrived_.notify_all();
    }
    bool wait(const std::multimap<int, response>& what, std::size_t n)
    {
        std::unique_lock lock{mutex_};
        return arrived_.wait_for(lock, 5s, [&] { return what.size() >= n; });
    }
    std::string bodies(const std::multimap<int, response>& what)
    {
        std::lock_guard lock{mutex_};
        std::string out;
        for (auto const& [request, r] : what)
            out += (out.empty() ? "" : " | ") + r.body();
        return out;
    }

    std::mutex mutex_;
    std::condition_variable arrived_;
    std::multimap<int, response> responded_;
    std::multimap<int, response> followed_;
};

response says(std::string body)
{
    return text_response(http::status::ok, std::move(body));
}

}  // namespace

TEST_SUITE("time budget")
{

TEST_CASE("quick work answers with its own response and neither the stand-in nor the follow-up runs")
{
    executors ex;
    answers got;
    std::atomic<int> stand_ins{0};
    auto const budget = 3000ms;
    auto const started = std::chrono::steady_clock::now();

    run_within_budget(ex.pool(), ex.timers(), budget,
                      budget_plan{[] { return says("the real answer"); },
                                  [&] {
                                      ++stand_ins;
                                      return says("working on it");
                                  },
                                  got.follow_up()},
                      got.responder());
    REQUIRE(got.wait_responses(1));
    // The deadline's timer is cancelled, so the timers run out of work long before it.
    ex.finish();
    CHECK(std::chrono::steady_clock::now() - started < budget);

    CHECK(got.responses() == "the real answer");
    CHECK(got.responses_by_request().begin()->second.result() == http::status::ok);
    CHECK(stand_ins == 0);
    CHECK(got.follow_ups().empty());
}

TEST_CASE("slow work gets the stand-in at the deadline and its late answer goes to the follow-up once")
{
    executors ex;
    answers got;
    gate release;
    std::atomic<bool> work_done{false};
    auto const budget = 50ms;
    auto const started = std::chrono::steady_clock::now();

    run_within_budget(ex.pool(), ex.timers(), budget,
                      budget_plan{[&] {
                                      release.wait();   // until the client has the stand-in
                                      work_done = true;
                                      return says("the real answer");
                                  },
                                  [] { return says("working on it"); }, got.follow_up()},
                      got.responder());
    REQUIRE(got.wait_responses(1));
    CHECK(std::chrono::steady_clock::now() - started >= budget);
    CHECK(got.responses() == "working on it");
    CHECK_FALSE(work_done);
    CHECK(got.follow_ups().empty());

    release.open();
    REQUIRE(got.wait_follow_ups(1));
    ex.finish();
    CHECK(got.follow_ups() == "the real answer");
    CHECK(got.responses() == "working on it");   // the client was answered once
}

TEST_CASE("slow work without a follow-up has its late answer dropped safely")
{
    executors ex;
    answers got;
    gate release;
    std::atomic<int> works_done{0};

    run_within_budget(ex.pool(), ex.timers(), 50ms,
                      budget_plan{[&] {
                                      release.wait();
                                      ++works_done;
                                      return says("the real answer");
                                  },
                                  [] { return says("working on it"); }, {}},
                      got.responder());
    REQUIRE(got.wait_responses(1));
    release.open();
    ex.finish();   // the work has run to its end
    CHECK(works_done == 1);
    CHECK(got.responses() == "working on it");
}

TEST_CASE("requests racing their deadline each get exactly one answer, and only late ones a follow-up")
{
    executors ex;
    answers got;
    int const requests = 200;
    for (int i = 0; i < requests; ++i)
        run_within_budget(ex.pool(), ex.timers(), std::chrono::milliseconds{i % 3},
                          budget_plan{[i] { return says("real " + std::to_string(i)); },
                                      [] { return says("stand-in"); }, got.follow_up(i)},
                          got.responder(i));
    REQUIRE(got.wait_responses(static_cast<std::size_t>(requests)));
    ex.finish();

    auto const responses = got.responses_by_request();
    auto const follow_ups = got.follow_ups_by_request();
    CHECK(responses.size() == static_cast<std::size_t>(requests));
    for (int i = 0; i < requests; ++i) {
        CAPTURE(i);
        REQUIRE(responses.count(i) == 1);
        auto const& answer = responses.find(i)->second.body();
        if (answer == "stand-in") {
            REQUIRE(follow_ups.count(i) == 1);
            CHECK(follow_ups.find(i)->second.body() == "real " + std::to_string(i));
        } else {
            CHECK(answer == "real " + std::to_string(i));
            CHECK(follow_ups.count(i) == 0);
        }
    }
}

TEST_CASE("work that throws answers 500 and the process carries on")
{
    // boost::asio::thread_pool calls std::terminate() when a handler throws; the budget
    // catches, so one failing command costs one 500. Checked in a child process.
    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        std::signal(SIGABRT, SIG_DFL);   // not doctest's handler: the parent reports
        bool ok = false;
        {
            executors ex;
            answers got;
            run_within_budget(ex.pool(), ex.timers(), 2000ms,
                              budget_plan{[]() -> response { throw std::runtime_error("a bug in a command"); },
                                          [] { return says("working on it"); }, {}},
                              got.responder());
            ok = got.wait_responses(1) &&
                 got.responses_by_request().begin()->second.result() == http::status::internal_server_error;
        }
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    int const killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    int const exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    CHECK(killed_by == 0);   // SIGABRT (6) from std::terminate
    CHECK(exit_code == 0);   // 1: no answer, or not a 500
}


// The deadlines kept by one answer_deadlines timer; the work started on the pool.
bot::webhooks::work_starter on_pool(executors& ex)
{
    return [pool = ex.pool()](std::function<response()> work, std::function<void(response)> done) {
        boost::asio::post(pool, [work = std::move(work), done = std::move(done)] { done(work()); });
    };
}

TEST_CASE("with shared deadlines, quick work answers itself and the deadline queue lets go of it")
{
    executors ex;
    answers got;
    std::atomic<int> stand_ins{0};
    bot::webhooks::answer_deadlines deadlines{ex.timers(), 2000ms};
    int const requests = 50;
    for (int i = 0; i < requests; ++i)
        run_within_budget(deadlines, on_pool(ex),
                          budget_plan{[i] { return says("real " + std::to_string(i)); },
                                      [&] {
                                          ++stand_ins;
                                          return says("stand-in");
                                      },
                                      got.follow_up(i)},
                          got.responder(i));
    REQUIRE(got.wait_responses(static_cast<std::size_t>(requests)));
    // A new request drops the answered ones from the front of the queue.
    run_within_budget(deadlines, on_pool(ex), budget_plan{[] { return says("last"); }, [] { return says("x"); }, {}},
                      got.responder(requests));
    CHECK(deadlines.watched() <= 1);
    REQUIRE(got.wait_responses(static_cast<std::size_t>(requests) + 1));
    CHECK(stand_ins == 0);
    CHECK(got.follow_ups().empty());
    ex.finish();   // waits out the last deadline: nothing is answered twice
    CHECK(stand_ins == 0);
    CHECK(got.responses_by_request().size() == static_cast<std::size_t>(requests) + 1);
}

TEST_CASE("with shared deadlines, late work gets the stand-in at its deadline and a follow-up, the others their answers")
{
    executors ex;
    answers got;
    gate release;
    bot::webhooks::answer_deadlines deadlines{ex.timers(), 300ms};
    auto const started = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i)
        run_within_budget(deadlines, on_pool(ex),
                          budget_plan{[&, i] {
                                          if (i == 0)
                                              release.wait();   // the first misses its deadline
                                          return says("real " + std::to_string(i));
                                      },
                                      [] { return says("working on it"); }, got.follow_up(i)},
                          got.responder(i));
    REQUIRE(got.wait_responses(3));
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    auto const responses = got.responses_by_request();
    CHECK(responses.find(0)->second.body() == "working on it");
    CHECK(responses.find(1)->second.body() == "real 1");
    CHECK(responses.find(2)->second.body() == "real 2");
    release.open();
    REQUIRE(got.wait_follow_ups(1));
    ex.finish();
    CHECK(got.follow_ups() == "real 0");
    CHECK(got.responses_by_request().size() == 3);   // each client answered once
}

TEST_CASE("with shared deadlines, requests racing their deadline each get exactly one answer")
{
    executors ex;
    answers got;
    bot::webhooks::answer_deadlines deadlines{ex.timers(), 1ms};
    int const requests = 300;
    for (int i = 0; i < requests; ++i)
        run_within_budget(deadlines, on_pool(ex),
                          budget_plan{[i] { return says("real " + std::to_string(i)); },
                                      [] { return says("stand-in"); }, got.follow_up(i)},
                          got.responder(i));
    REQUIRE(got.wait_responses(static_cast<std::size_t>(requests)));
    ex.finish();
    auto const responses = got.responses_by_request();
    auto const follow_ups = got.follow_ups_by_request();
    for (int i = 0; i < requests; ++i) {
        CAPTURE(i);
        REQUIRE(responses.count(i) == 1);
        if (responses.find(i)->second.body() == "stand-in")
            CHECK(follow_ups.count(i) == 1);
        else
            CHECK(follow_ups.count(i) == 0);
    }
}

}  // TEST_SUITE
