#pragma once
// Commands that change cases run one after another on one thread, in batches that
// share one store transaction: under load a thousand commands cost a few commits,
// not a thousand, and a request crosses threads once each way instead of waiting
// in a pool and then in a group commit. A command is answered only once the batch
// that ran it has committed, so an acknowledged change is always stored.
//
// Only work that touches nothing but the store belongs here: a network call inside
// a batch would hold every other command (and the database's write lock) with it.
#include "bot/errc.hpp"
#include "webhooks/http_server.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace spdlog {
class logger;
}

namespace bot::webhooks {

class command_batches {
public:
    // Runs `body` in one transaction and returns the commit's result (a store's
    // run_batch()); on failure nothing of it is stored.
    using transaction_runner = std::function<result<void>(const std::function<void()>& body)>;

    struct options {
        std::size_t max_batch = 256;   // commands per transaction, at most
    };

    // `after_commit` runs on the batch thread after each batch that changed something
    // has committed, before its answers go out (wake the delivery worker, say).
    command_batches(transaction_runner in_one_transaction, std::function<void()> after_commit,
                    std::shared_ptr<spdlog::logger> log, options o);
    command_batches(transaction_runner in_one_transaction, std::function<void()> after_commit,
                    std::shared_ptr<spdlog::logger> log)
        : command_batches(std::move(in_one_transaction), std::move(after_commit), std::move(log), options{})
    {
    }
    ~command_batches();   // stop()
    command_batches(const command_batches&) = delete;
    command_batches& operator=(const command_batches&) = delete;

    // Queues `work`; `done` gets its answer, on the batch thread, once the batch has
    // committed. If the batch cannot commit, each of its commands runs again alone (in
    // its own transaction, through the store's usual writes) and is answered with
    // that result: nothing is answered from a batch that did not commit (except when
    // the database was locked before it began: then each command has already met a
    // busy store, as it would alone, and answers so). A work that
    // throws answers 500 (logged). After stop(), submit runs the work alone at once.
    void submit(std::function<response()> work, std::function<void(response)> done);

    // Runs what is queued, then stops the thread. Idempotent.
    void stop();

    // Batches committed and commands run so far (logs, tests, benchmarks).
    std::size_t batches_run() const;
    std::size_t commands_run() const;

private:
    struct job {
        std::function<response()> work;
        std::function<void(response)> done;
    };
    void run();
    void run_batch(std::deque<job>& jobs);

    transaction_runner in_one_transaction_;
    std::function<void()> after_commit_;
    std::shared_ptr<spdlog::logger> log_;
    options options_;

    mutable std::mutex mutex_;          // guards everything below
    std::condition_variable wake_;
    std::deque<job> queue_;
    bool waiting_ = false;              // the thread sleeps on wake_: a submit must notify
    bool stopping_ = false;
    std::size_t batches_ = 0;
    std::size_t commands_ = 0;
    std::thread thread_;
};

}  // namespace bot::webhooks
