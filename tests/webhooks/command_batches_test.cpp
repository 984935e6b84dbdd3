#include "webhooks/command_batches.hpp"  // first: proves the header is self-contained

#include "store/sqlite_store.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"
#include "support/test_time.hpp"
#include "webhooks/http_responses.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {
using namespace std::chrono_literals;
using bot::store::sqlite_store;
using bot::webhooks::command_batches;
using bot::webhooks::response;
namespace http = boost::beast::http;

using bot::test::temp_dir;

std::unique_ptr<sqlite_store> open_store(const std::string& path)
{
    auto opened = sqlite_store::open(path);
    REQUIRE(opened.has_value());
    std::vector<bot::customer_org> customers{{"acme", "Acme Corp", {}}};
    REQUIRE((*opened)->sync_directory(bot::directory{customers, {}, {}, bot::routing{}, bot::team_identity{}}));
    return std::move(*opened);
}

// A command that opens a case and answers its number.
std::function<response()> open_a_case(sqlite_store& store, std::atomic<int>* runs = nullptr)
{
    return [&store, runs] {
        if (runs)
            ++*runs;
        auto const id = store.allocate_case_id();
        if (!id)
            return bot::webhooks::text_response(http::status::internal_server_error, "no number");
        bot::stored_change change;
        change.after.id = *id;
        change.after.customer = "acme";
        change.after.origin = {bot::platform::slack, "C1", ""};
        change.after.title = "case " + std::to_string(*id);
        change.after.created_at = bot::test::utc("2025-03-03T15:00:00Z");
        change.after.version = 1;
        if (!store.commit(change))
            return bot::webhooks::text_response(http::status::internal_server_error, "not stored");
        return bot::webhooks::text_response(http::status::ok, std::to_string(*id));
    };
}

// Answers by request, and waits for them.
class answers {
public:
    std::function<void(response)> to(int request, std::function<void()> also = {})
    {
        return [this, request, also](response r) {
            if (also)
                also();
            {
                std::lock_guard lock{mutex_};
                got_.emplace(request, std::move(r));
            }
            arrived_.notify_all();
        };
    }
    bool wait(std::size_t n)
    {
        std::unique_lock lock{mutex_};
        return arrived_.wait_for(lock, 10s, [&] { return got_.size() >= n; });
    }
    std::map<int, response> all()
    {
        std::lock_guard lock{mutex_};
        return got_;
    }

private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::map<int, response> got_;
};

using bot::test::gate;

// Submits a command that holds its batch until `release` opens, and returns once it runs:
// what is submitted next queues behind it, for the next batch.
void submit_held(command_batches& batches, gate& release, std::function<void(response)> done)
{
    gate running;
    batches.submit(
        [&running, &release] {
            running.open();
            release.wait();
            return bot::webhooks::text_response(http::status::ok, "first");
        },
        std::move(done));
    running.wait();
}

}  // namespace

TEST_SUITE("command batches")
{

TEST_CASE("commands queued during a batch run together in the next one, each answered once it is stored")
{
    temp_dir dir;
    auto store = open_store(dir.file("cases.db"));
    auto reader = open_store(dir.file("cases.db"));   // another process, seeing only what has committed
    std::atomic<int> commits_seen{0};
    command_batches batches{[&](const std::function<void()>& body) { return store->run_batch(body); },
                            [&] { ++commits_seen; }, nullptr};
    answers got;
    gate hold_first;
    std::atomic<int> stored_when_answered{0};

    // The first command holds its batch until the others have queued behind it.
    submit_held(batches, hold_first, got.to(0));
    int const more = 40;
    for (int i = 1; i <= more; ++i)
        batches.submit(open_a_case(*store), [&, i](response r) {
            // By the time a command is answered, its case is on disk for everyone.
            auto const id = std::stoll(r.body());
            if (reader->find(id).value().has_value())
                ++stored_when_answered;
            got.to(i)(std::move(r));
        });
    hold_first.open();
    REQUIRE(got.wait(more + 1));

    CHECK(batches.commands_run() == static_cast<std::size_t>(more + 1));
    CHECK(batches.batches_run() == 2);
    CHECK(commits_seen == 2);
    CHECK(stored_when_answered == more);
    auto const all = got.all();
    CHECK(all.at(0).body() == "first");
    for (int i = 1; i <= more; ++i) {
        CAPTURE(i);
        CHECK(all.at(i).result() == http::status::ok);
        CHECK(all.at(i).body() == std::to_string(i));   // run in the order they were submitted
    }
    CHECK(reader->count_open_cases().value() == static_cast<std::size_t>(more));
}

TEST_CASE("a batch that does not commit answers nothing from it: each command runs again alone")
{
    temp_dir dir;
    auto store = open_store(dir.file("cases.db"));
    std::atomic<int> batch_calls{0};
    gate hold_first;
    // The second batch is lost after its commands ran (as when COMMIT fails).
    command_batches batches{[&](const std::function<void()>& body) -> bot::result<void> {
                                if (batch_calls++ == 1)
                                    return store->run_batch([&] {
                                        body();
                                        throw std::runtime_error("lost at commit");
                                    });
                                return store->run_batch(body);
                            },
                            {}, nullptr};
    answers got;
    std::atomic<int> runs{0};
    submit_held(batches, hold_first, got.to(0));
    for (int i = 1; i <= 3; ++i)
        batches.submit(open_a_case(*store, &runs), got.to(i));
    hold_first.open();
    REQUIRE(got.wait(4));

    CHECK(runs == 6);   // once in the lost batch, once alone
    auto const all = got.all();
    CHECK(all.at(0).body() == "first");
    // The lost batch's numbers went with it: the reruns take the same ones, each stored once.
    CHECK(all.at(1).body() == "1");
    CHECK(all.at(2).body() == "2");
    CHECK(all.at(3).body() == "3");
    CHECK(store->count_open_cases().value() == 3);
    CHECK(store->allocate_case_id().value() == 4);
}

TEST_CASE("a command that throws answers 500 and the rest of its batch commits")
{
    temp_dir dir;
    auto store = open_store(dir.file("cases.db"));
    command_batches batches{[&](const std::function<void()>& body) { return store->run_batch(body); }, {}, nullptr};
    answers got;
    gate hold_first;
    submit_held(batches, hold_first, got.to(0));
    batches.submit(open_a_case(*store), got.to(1));
    batches.submit([]() -> response { throw std::runtime_error("a bug in a command"); }, got.to(2));
    batches.submit(open_a_case(*store), got.to(3));
    hold_first.open();
    REQUIRE(got.wait(4));
    auto const all = got.all();
    CHECK(all.at(1).body() == "1");
    CHECK(all.at(2).result() == http::status::internal_server_error);
    CHECK(all.at(3).body() == "2");
    CHECK(batches.batches_run() == 2);
    CHECK(store->count_open_cases().value() == 2);
}

TEST_CASE("stopping runs what is queued, and a command submitted after the stop runs at once")
{
    temp_dir dir;
    auto store = open_store(dir.file("cases.db"));
    answers got;
    {
        command_batches batches{[&](const std::function<void()>& body) { return store->run_batch(body); }, {},
                                nullptr};
        gate hold_first;
        submit_held(batches, hold_first, got.to(0));
        for (int i = 1; i <= 5; ++i)
            batches.submit(open_a_case(*store), got.to(i));
        std::thread stopper([&] { batches.stop(); });
        hold_first.open();
        stopper.join();
        CHECK(got.all().size() == 6);   // everything queued was answered before stop() returned
        batches.submit(open_a_case(*store), got.to(6));
        CHECK(got.all().size() == 7);
        CHECK(got.all().at(6).body() == "6");
    }
    CHECK(store->count_open_cases().value() == 6);
}

TEST_CASE("when the database is locked, each command of the batch answers busy once and is not run again")
{
    temp_dir dir;
    auto store = open_store(dir.file("cases.db"));
    std::atomic<int> runs{0};
    // As run_batch does when another process holds the lock: the body runs, the writes
    // are refused, and the batch reports storage_busy.
    command_batches batches{[&](const std::function<void()>& body) -> bot::result<void> {
                                body();
                                return bot::errc::storage_busy;
                            },
                            {}, nullptr};
    answers got;
    for (int i = 0; i < 3; ++i)
        batches.submit(
            [&] {
                ++runs;
                return bot::webhooks::text_response(http::status::ok, "busy, try again");
            },
            got.to(i));
    REQUIRE(got.wait(3));
    CHECK(runs == 3);
    CHECK(got.all().at(2).body() == "busy, try again");
}

}  // TEST_SUITE
