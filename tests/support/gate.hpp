#pragma once
// A one-shot gate for tests that hold a thread at a point (a command in its batch,
// work past its deadline) until the test lets it go. wait() gives up after 10 s,
// so a broken test ends instead of hanging.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace bot::test {

class gate {
public:
    void open()
    {
        {
            std::lock_guard lock{mutex_};
            open_ = true;
        }
        opened_.notify_all();
    }

    // True once open; false after 10 s closed.
    bool wait()
    {
        std::unique_lock lock{mutex_};
        return opened_.wait_for(lock, std::chrono::seconds{10}, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

}  // namespace bot::test
