#pragma once
// The one way the core learns the time. Production code uses real_clock();
// tests use bot::test::manual_clock and move it by hand.
#include <chrono>

namespace bot {

using wall_time = std::chrono::sys_seconds;                // stored, shown to users
using mono_time = std::chrono::steady_clock::time_point;   // timeouts, cooldowns, rate limits

class clock {
public:
    virtual ~clock() = default;
    virtual wall_time now() const = 0;
    virtual mono_time monotonic() const = 0;
};

// The only caller of the std clocks. Thread-safe.
const clock& real_clock();

}  // namespace bot
