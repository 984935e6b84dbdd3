#include "webhooks/command_batches.hpp"

#include "webhooks/http_responses.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>
#include <vector>

namespace bot::webhooks {

command_batches::command_batches(transaction_runner in_one_transaction, std::function<void()> after_commit,
                                 std::shared_ptr<spdlog::logger> log, options o)
    : in_one_transaction_(std::move(in_one_transaction)),
      after_commit_(std::move(after_commit)),
      log_(log ? std::move(log) : spdlog::default_logger()),
      options_(o)
{
    if (options_.max_batch == 0)
        options_.max_batch = 1;
    thread_ = std::thread([this] { run(); });
}

command_batches::~command_batches()
{
    stop();
}

void command_batches::submit(std::function<response()> work, std::function<void(response)> done)
{
    {
        std::unique_lock lock{mutex_};
        if (!stopping_) {
            queue_.push_back({std::move(work), std::move(done)});
            // Under load the thread is busy with the previous batch and needs no wake-up:
            // it takes what queued meanwhile as soon as it is done.
            if (std::exchange(waiting_, false)) {
                lock.unlock();
                wake_.notify_one();
            }
            return;
        }
    }
    // Stopping: no batch will run it any more.
    auto answer = answer_or_500(work);
    done(std::move(answer));
}

void command_batches::stop()
{
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
        thread_.join();
}

std::size_t command_batches::batches_run() const
{
    std::lock_guard lock{mutex_};
    return batches_;
}

std::size_t command_batches::commands_run() const
{
    std::lock_guard lock{mutex_};
    return commands_;
}

void command_batches::run()
{
    std::deque<job> jobs;
    for (;;) {
        {
            std::unique_lock lock{mutex_};
            while (queue_.empty() && !stopping_) {
                waiting_ = true;
                wake_.wait(lock);
            }
            waiting_ = false;
            if (queue_.empty())
                return;  // stopping, and everything queued has run
            auto const n = std::min(queue_.size(), options_.max_batch);
            std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(jobs));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
        }
        run_batch(jobs);
        jobs.clear();
    }
}

void command_batches::run_batch(std::deque<job>& jobs)
{
    std::vector<response> answers(jobs.size());
    result<void> committed = errc::storage_failed;
    bool threw = false;
    try {
        committed = in_one_transaction_([&] {
            for (std::size_t i = 0; i < jobs.size(); ++i)
                answers[i] = answer_or_500(jobs[i].work);
        });
    } catch (const std::exception& e) {   // out of memory, say: nothing was committed
        threw = true;
        log_->error("commands: a batch of {} failed: {}", jobs.size(), e.what());
    }
    if (!committed && !threw && committed.error() == errc::storage_busy) {
        // The database was locked before the batch began: each command saw its writes
        // refused as busy and answered so (an apology); those answers stand.
        log_->warn("commands: the database stayed locked; {} command(s) answered busy", jobs.size());
    } else if (!committed) {
        // Nothing of the batch is stored, so no answer computed inside it may go out.
        // Each command runs again alone: one that fails then gets its own error.
        log_->warn("commands: a batch of {} did not commit ({}); running each alone", jobs.size(),
                   threw ? std::string{"an exception"} : committed.error().message());
        for (std::size_t i = 0; i < jobs.size(); ++i)
            answers[i] = answer_or_500(jobs[i].work);
    }
    {
        std::lock_guard lock{mutex_};
        ++batches_;
        commands_ += jobs.size();
    }
    if (after_commit_)
        after_commit_();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        try {
            jobs[i].done(std::move(answers[i]));
        } catch (const std::exception& e) {
            log_->error("commands: answering a command failed: {}", e.what());
        }
    }
}

}  // namespace bot::webhooks
